"""sales_report (Pops): orders, revenue and top sellers for a named period, or since the last scheduled report."""
from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, Field, field_validator

from scheduler.steps.base import Step, StepContext, StepOutput, StepParams
from scheduler.steps.reports.window import report_window
from scheduler.timing.periods import Period, normalise_period

__all__ = ["Period", "SalesReport", "SalesReportOutput", "SalesReportParams"]


class SalesReportParams(StepParams):
    # "yesterday", "last week", "today", "last_30_days"...; since_last_run counts from the last scheduled run.
    period: Period = "since_last_run"
    top: int = Field(5, ge=1, le=100)

    _period = field_validator("period", mode="before")(normalise_period)


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


class SalesReport(Step):
    """Orders, revenue and top sellers for a period."""

    name = "sales_report"
    Params = SalesReportParams
    Output = SalesReportOutput
    example: ClassVar[dict[str, Any]] = {"period": "last_7_days", "top": 3}

    async def run(self, params: SalesReportParams, ctx: StepContext) -> SalesReportOutput:
        window = await report_window(ctx, params.period)
        totals = await ctx.store.sales.totals(ctx.org_id, window.start, window.end, params.top)
        top = [ProductLine(name=p.name, quantity=p.quantity, revenue=round(p.revenue, 2)) for p in totals.top_products]
        count, revenue = totals.order_count, round(totals.revenue, 2)
        average = round(revenue / count, 2) if count else 0.0
        lines = [f"Sales {window.label} ({_span(window.local(window.start), window.local(window.end))}): "
                 f"{count} orders, ${revenue:,.2f} revenue (average order ${average:,.2f})."]
        if top:
            lines.append("Top sellers:")
            lines += [f"  {i}. {p.name}: {p.quantity} sold, ${p.revenue:,.2f}" for i, p in enumerate(top, 1)]
        return SalesReportOutput(
            summary="\n".join(lines),
            period=params.period, start=window.start, end=window.end, order_count=count, revenue=revenue,
            average_order=average, top_products=top,
        )


def _span(start: datetime, end: datetime) -> str:
    """'Nov 24 9:00 AM to Nov 25 9:00 AM', so the reader sees what the figures cover."""
    def at(value: datetime) -> str:
        return f"{value:%b} {value.day} {value:%I:%M %p}".replace(" 0", " ")
    return f"{at(start)} to {at(end)}"
