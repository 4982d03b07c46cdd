"""Report steps over the organisation's own commerce data."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any, ClassVar, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

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
    example: ClassVar[dict[str, Any]] = {"period": "last_7_days", "top": 3}

    async def run(self, params: SalesReportParams, ctx: StepContext) -> SalesReportOutput:
        zone = ZoneInfo(await ctx.store.tenants.timezone(ctx.org_id) or "UTC")
        now = _reference_time(ctx)
        if params.period == "since_last_run":
            last = await ctx.store.sales.last_report_end(ctx.execution_id)
            # The first run reports the day before it.
            start, end = (last or now - timedelta(days=1)), now
        else:
            start, end = period_bounds(params.period, now, zone)
        totals = await ctx.store.sales.totals(ctx.org_id, start, end, params.top)
        top = [ProductLine(name=p.name, quantity=p.quantity, revenue=round(p.revenue, 2)) for p in totals.top_products]
        count, revenue = totals.order_count, round(totals.revenue, 2)
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


def _reference_time(ctx: StepContext) -> datetime:
    # A scheduled run reports relative to its slot, so a late or resumed run reports the same period.
    slot = (ctx.values.get("trigger") or {}).get("scheduledFor")
    return datetime.fromisoformat(slot) if slot else ctx.clock.now()
