"""daily_summary (Pops): one day's orders, revenue, new customers and top seller, with the stock running low."""
from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from scheduler.steps.base import Step, StepContext, StepOutput, StepParams
from scheduler.steps.reports.window import report_window


class DailySummaryParams(StepParams):
    period: Literal["yesterday", "today"] = "yesterday"
    low_stock_listed: int = Field(10, ge=0, le=100)


class DailySummaryOutput(StepOutput):
    date: str  # the local day (ISO date)
    order_count: int
    revenue: float  # dollars
    average_order: float | None  # dollars
    new_customers: int  # customers whose first order was that day
    top_product: str | None  # by revenue
    top_product_revenue: float | None  # dollars
    low_stock_count: int  # at or below the reorder point now, zero included
    out_of_stock_count: int
    low_stock: list[str]  # the names, most urgent first


class DailySummary(Step):
    """A day in one message: orders, revenue, average order, new customers, top seller, and what is low in stock now."""

    name = "daily_summary"
    Params = DailySummaryParams
    Output = DailySummaryOutput
    example: ClassVar[dict[str, Any]] = {"period": "yesterday"}

    async def run(self, params: DailySummaryParams, ctx: StepContext) -> DailySummaryOutput:
        window = await report_window(ctx, params.period)
        totals = await ctx.store.sales.totals(ctx.org_id, window.start, window.end, 1)
        new = await ctx.store.orders.new_customers(ctx.org_id, window.start, window.end)
        catalogue = await ctx.store.products.list(ctx.org_id)
        low = sorted((p for p in catalogue if p.quantity <= p.reorder_point), key=lambda p: (p.quantity > 0, p.quantity, p.name))
        out = [p for p in low if p.quantity <= 0]
        top = totals.top_products[0] if totals.top_products else None
        average = round(totals.revenue / totals.order_count, 2) if totals.order_count else None
        day = window.local(window.start).date()
        lines = [f"{day:%A %b} {day.day}: {totals.order_count} orders, ${totals.revenue:,.2f} revenue"
                 + (f" (average ${average:,.2f})" if average is not None else "") + f", {new} new customer{'s' if new != 1 else ''}."]
        if top:
            lines.append(f"Top seller: {top.name} (${top.revenue:,.2f}).")
        if low:
            lines.append(f"Low stock now: {len(low)} product(s), {len(out)} out: "
                         + ", ".join(f"{p.name} ({p.quantity})" for p in low[:params.low_stock_listed]) + ".")
        else:
            lines.append("Nothing is at or below its reorder point.")
        return DailySummaryOutput(
            date=day.isoformat(), order_count=totals.order_count, revenue=round(totals.revenue, 2), average_order=average,
            new_customers=new, top_product=top.name if top else None, top_product_revenue=round(top.revenue, 2) if top else None,
            low_stock_count=len(low), out_of_stock_count=len(out), low_stock=[p.name for p in low[:params.low_stock_listed]],
            summary="\n".join(lines))
