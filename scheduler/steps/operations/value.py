"""inventory_value (Pops): the stock on hand at cost and at retail, by category."""
from __future__ import annotations

from collections import defaultdict
from typing import Any, ClassVar

from pydantic import BaseModel

from scheduler.steps.base import Step, StepContext, StepOutput, StepParams
from scheduler.store.tables import Product


class InventoryValueParams(StepParams):
    pass


class CategoryValue(BaseModel):
    category: str
    products: int  # products with stock on hand
    units: int
    cost_value: float  # units x cost (dollars)
    retail_value: float  # units x price (dollars)
    potential_profit: float  # retail - cost (dollars)


class InventoryValueOutput(StepOutput):
    categories: list[CategoryValue]  # biggest retail value first
    total_units: int
    total_cost_value: float
    total_retail_value: float
    potential_profit: float
    no_cost: list[str]  # products in stock with no cost recorded: their cost counts as $0


class InventoryValue(Step):
    """What the stock on hand is worth: at cost (what it tied up) and at retail (what it sells for), by category."""

    name = "inventory_value"
    Params = InventoryValueParams
    Output = InventoryValueOutput
    example: ClassVar[dict[str, Any]] = {}

    async def run(self, params: InventoryValueParams, ctx: StepContext) -> InventoryValueOutput:
        stocked = [p for p in await ctx.store.products.list(ctx.org_id) if p.quantity > 0]
        groups: dict[str, list[Product]] = defaultdict(list)
        for p in stocked:
            groups[p.category or "Uncategorised"].append(p)
        categories = sorted((_value(name, rows) for name, rows in groups.items()), key=lambda c: (-c.retail_value, c.category))
        cost, retail = round(sum(c.cost_value for c in categories), 2), round(sum(c.retail_value for c in categories), 2)
        units = sum(c.units for c in categories)
        no_cost = sorted(p.name for p in stocked if p.cost <= 0)
        lines = [f"Stock on hand: {units:,} units worth ${cost:,.2f} at cost and ${retail:,.2f} at retail "
                 f"(${retail - cost:,.2f} potential gross profit)."]
        lines += [f"  - {c.category}: {c.units:,} units, ${c.cost_value:,.2f} at cost, ${c.retail_value:,.2f} at retail"
                  for c in categories]
        if no_cost:
            lines.append(f"No cost recorded for {len(no_cost)} stocked product(s): {', '.join(no_cost[:5])}.")
        return InventoryValueOutput(categories=categories, total_units=units, total_cost_value=cost, total_retail_value=retail,
                                    potential_profit=round(retail - cost, 2), no_cost=no_cost, summary="\n".join(lines))


def _value(name: str, rows: list[Product]) -> CategoryValue:
    cost = round(sum(p.quantity * p.cost for p in rows), 2)
    retail = round(sum(p.quantity * p.price for p in rows), 2)
    return CategoryValue(category=name, products=len(rows), units=sum(p.quantity for p in rows), cost_value=cost,
                         retail_value=retail, potential_profit=round(retail - cost, 2))
