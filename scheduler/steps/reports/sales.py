"""Report steps over the organisation's own commerce data."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field
from sqlmodel import Session, col, func, select

from scheduler.store.tables import (
    Execution,
    ExecutionStatus,
    Order,
    OrderItem,
    Organization,
    Product,
)
from scheduler.steps.base import Step, StepContext, StepOutput, StepParams

Period = Literal["since_last_run", "today", "yesterday", "last_7_days", "last_30_days", "week_to_date", "month_to_date"]


class SalesReportParams(StepParams):
    period: Period = "since_last_run"
    top: int = Field(5, ge=1, le=100)


class ProductLine(BaseModel):
    name: str
    quantity: int
    revenue: float


class SalesReportOutput(StepOutput):
    period: str
    start: datetime
    end: datetime
    order_count: int
    revenue: float
    average_order: float
    top_products: list[ProductLine]


def period_bounds(period: str, now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of a named period, in the organisation's zone, as aware datetimes."""
    local = now.astimezone(zone)
    today = datetime.combine(local.date(), time(0), tzinfo=zone)
    if period == "today":
        return today, local
    if period == "yesterday":
        return today - timedelta(days=1), today
    if period == "last_7_days":
        return today - timedelta(days=7), today
    if period == "last_30_days":
        return today - timedelta(days=30), today
    if period == "week_to_date":
        return today - timedelta(days=local.weekday()), local
    return today.replace(day=1), local


class SalesReport(Step):
    """Orders, revenue and top sellers for a period."""

    name = "sales_report"
    Params = SalesReportParams
    Output = SalesReportOutput
    example = {"period": "last_7_days", "top": 3}

    async def run(self, params: SalesReportParams, ctx: StepContext) -> SalesReportOutput:
        with Session(ctx.engine) as session:
            org = session.get(Organization, ctx.org_id)
            zone = ZoneInfo(org.timezone if org else "UTC")
            now = _reference_time(ctx)
            if params.period == "since_last_run":
                start, end = _since_last_run(session, ctx, now), now
            else:
                start, end = period_bounds(params.period, now, zone)
            in_period = (Order.org_id == ctx.org_id) & (Order.placed_at >= start) & (Order.placed_at < end)
            count, revenue = session.exec(select(func.count(Order.id), func.coalesce(func.sum(Order.total), 0.0)).where(in_period)).one()
            rows = session.exec(
                select(Product.name, func.sum(OrderItem.quantity), func.sum(OrderItem.quantity * OrderItem.unit_price))
                .join(OrderItem, col(OrderItem.product_id) == col(Product.id))
                .join(Order, col(Order.id) == col(OrderItem.order_id))
                .where(in_period)
                .group_by(Product.name)
                .order_by(func.sum(OrderItem.quantity * OrderItem.unit_price).desc())
                .limit(params.top)
            ).all()
        top = [ProductLine(name=n, quantity=int(q), revenue=round(float(r), 2)) for n, q, r in rows]
        revenue = round(float(revenue), 2)
        average = round(revenue / count, 2) if count else 0.0
        label = params.period.replace("_", " ")
        lines = [f"Sales {label}: {count} orders, ${revenue:,.2f} revenue (average order ${average:,.2f})."]
        if top:
            lines.append("Top sellers:")
            lines += [f"  {i}. {p.name}: {p.quantity} sold, ${p.revenue:,.2f}" for i, p in enumerate(top, 1)]
        return SalesReportOutput(
            summary="\n".join(lines),
            period=params.period, start=start, end=end, order_count=count, revenue=revenue,
            average_order=average, top_products=top,
        )


def _since_last_run(session: Session, ctx: StepContext, now: datetime) -> datetime:
    """Where the previous completed run of this playbook left off; a day back for the first run."""
    current = session.get(Execution, ctx.execution_id)
    previous = session.exec(
        select(Execution)
        .where(Execution.playbook_id == current.playbook_id, Execution.status == ExecutionStatus.completed.value,
               Execution.id != current.id, Execution.created_at < current.created_at)
        .order_by(col(Execution.created_at).desc())
    ).first() if current else None
    if previous is None:
        return now - timedelta(days=1)
    return previous.scheduled_for or previous.started_at or previous.created_at


def _reference_time(ctx: StepContext) -> datetime:
    # A scheduled run reports relative to its slot, so a late or resumed run reports the same period.
    slot = (ctx.values.get("trigger") or {}).get("scheduledFor")
    return datetime.fromisoformat(slot) if slot else ctx.clock.now()

