"""dead_stock (Pops): products in stock that have not sold in N days, and the money they tie up."""
from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, Field

from scheduler.steps.base import Step, StepContext, StepOutput, StepParams
from scheduler.steps.reports.window import reference_time


class DeadStockParams(StepParams):
    days: int = Field(30, ge=1, le=365)  # no sale in this many days makes stock dead


class DeadItem(BaseModel):
    product: str
    sku: str | None
    category: str
    quantity: int
    last_sold: str | None  # ISO instant (UTC) of its last sale; None: never sold
    days_since_sale: int | None  # None: never sold
    cost_value: float  # quantity x cost (dollars)


class DeadStockOutput(StepOutput):
    items: list[DeadItem]  # longest unsold first (never sold first of all)
    count: int
    units: int
    tied_up_cost: float  # cost of the dead stock (dollars)
    days: int


class DeadStock(Step):
    """Products with stock on hand and no sale in the last `days` days (or ever), with the cost they tie up."""

    name = "dead_stock"
    Params = DeadStockParams
    Output = DeadStockOutput
    example: ClassVar[dict[str, Any]] = {"days": 30}

    async def run(self, params: DeadStockParams, ctx: StepContext) -> DeadStockOutput:
        now = reference_time(ctx)
        last = await ctx.store.orders.last_sold(ctx.org_id, now)
        items = []
        for p in await ctx.store.products.list(ctx.org_id):
            sold = last.get(p.id)
            idle = (now - sold).days if sold is not None else None
            if p.quantity > 0 and (idle is None or idle >= params.days):
                items.append(DeadItem(product=p.name, sku=p.sku, category=p.category, quantity=p.quantity,
                                      last_sold=sold.isoformat().replace("+00:00", "Z") if sold else None,
                                      days_since_sale=idle, cost_value=round(p.quantity * p.cost, 2)))
        items.sort(key=lambda i: (-(i.days_since_sale if i.days_since_sale is not None else 10**6), i.product))
        tied = round(sum(i.cost_value for i in items), 2)
        units = sum(i.quantity for i in items)
        if not items:
            summary = f"Dead stock: every product in stock sold in the last {params.days} days."
        else:
            lines = [f"Dead stock: {len(items)} product(s) in stock with no sale in {params.days} days "
                     f"({units:,} units, ${tied:,.2f} at cost)."]
            lines += [f"  - {i.product}: {i.quantity} on hand, "
                      + (f"last sold {i.days_since_sale} days ago" if i.days_since_sale is not None else "never sold")
                      for i in items[:15]]
            summary = "\n".join(lines)
        return DeadStockOutput(items=items, count=len(items), units=units, tied_up_cost=tied, days=params.days, summary=summary)
