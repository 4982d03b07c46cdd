"""analyze_margins (Money Mike): margins by category from prices and costs; products below a margin floor."""
from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any, ClassVar

from pydantic import BaseModel, Field

from scheduler.steps.base import Step, StepContext, StepOutput, StepParams
from scheduler.steps.reports.window import reference_time
from scheduler.store.tables import Product


class AnalyzeMarginsParams(StepParams):
    floor_pct: float = Field(40.0, ge=0, le=100)  # a product whose margin is below this is listed
    sales_days: int = Field(30, ge=1, le=365)  # the sales the realised gross profit is measured over
    categories: list[str] | None = Field(None, max_length=50)  # None: every category


class CategoryMargin(BaseModel):
    category: str
    products: int  # products with a cost recorded
    margin_pct: float  # (sum of prices - sum of costs) / sum of prices, one of each product (percent)
    units_sold: int  # in the last sales_days days
    revenue: float  # dollars, at the prices charged
    gross_profit: float  # revenue - units x today's cost (dollars)
    realised_margin_pct: float | None  # gross profit / revenue (percent); None with no sales


class ProductMargin(BaseModel):
    product: str
    sku: str | None
    category: str
    price: float
    cost: float
    margin_pct: float


class AnalyzeMarginsOutput(StepOutput):
    categories: list[CategoryMargin]  # lowest margin first
    min_margin_pct: float | None
    max_margin_pct: float | None
    lowest_category: str | None
    highest_category: str | None
    below_floor: list[ProductMargin]  # lowest margin first
    below_floor_count: int
    no_cost: list[str]  # products with no cost recorded (or no price): left out, not counted as 100%
    floor_pct: float


def margin_pct(price: float, cost: float) -> float:
    """(price - cost) / price, in percent, one decimal."""
    return round((price - cost) / price * 100, 1)


class AnalyzeMargins(Step):
    """Margins by category (catalogue prices against costs, and realised over recent sales); products under a floor."""

    name = "analyze_margins"
    Params = AnalyzeMarginsParams
    Output = AnalyzeMarginsOutput
    example: ClassVar[dict[str, Any]] = {"floor_pct": 55}

    async def run(self, params: AnalyzeMarginsParams, ctx: StepContext) -> AnalyzeMarginsOutput:
        wanted = {c.casefold() for c in params.categories} if params.categories is not None else None
        catalogue = [p for p in await ctx.store.products.list(ctx.org_id)
                     if wanted is None or (p.category or "").casefold() in wanted]
        priced = [p for p in catalogue if p.price > 0 and p.cost > 0]
        end = reference_time(ctx)
        sold = {s.product_id: s for s in await ctx.store.sales.by_product(ctx.org_id, end - timedelta(days=params.sales_days), end)}
        by_category: dict[str, list[Product]] = defaultdict(list)
        for p in priced:
            by_category[p.category or "Uncategorised"].append(p)
        categories = sorted((_category(name, rows, sold) for name, rows in by_category.items()),
                            key=lambda c: (c.margin_pct, c.category))
        below = sorted((ProductMargin(product=p.name, sku=p.sku, category=p.category, price=p.price, cost=p.cost,
                                      margin_pct=margin_pct(p.price, p.cost))
                        for p in priced if margin_pct(p.price, p.cost) < params.floor_pct),
                       key=lambda m: (m.margin_pct, m.product))
        no_cost = sorted(p.name for p in catalogue if p not in priced)
        low, high = (categories[0], categories[-1]) if categories else (None, None)
        return AnalyzeMarginsOutput(
            categories=categories, min_margin_pct=low.margin_pct if low else None, max_margin_pct=high.margin_pct if high else None,
            lowest_category=low.category if low else None, highest_category=high.category if high else None,
            below_floor=below, below_floor_count=len(below), no_cost=no_cost, floor_pct=params.floor_pct,
            summary=_summary(categories, below, no_cost, params))


def _category(name: str, rows: list[Product], sold: dict[str, Any]) -> CategoryMargin:
    price, cost = sum(p.price for p in rows), sum(p.cost for p in rows)
    units = sum(sold[p.id].quantity for p in rows if p.id in sold)
    revenue = round(sum(sold[p.id].revenue for p in rows if p.id in sold), 2)
    profit = round(revenue - sum(sold[p.id].quantity * p.cost for p in rows if p.id in sold), 2)
    return CategoryMargin(category=name, products=len(rows), margin_pct=margin_pct(price, cost), units_sold=units,
                          revenue=revenue, gross_profit=profit,
                          realised_margin_pct=round(profit / revenue * 100, 1) if revenue else None)


def _summary(categories: list[CategoryMargin], below: list[ProductMargin], no_cost: list[str],
             params: AnalyzeMarginsParams) -> str:
    if not categories:
        return "Margins: no product has both a price and a cost recorded."
    lines = [f"Margins by category ({len(categories)}), lowest first:"]
    for c in categories:
        realised = f", {c.realised_margin_pct:g}% realised on ${c.revenue:,.2f}" if c.realised_margin_pct is not None else ""
        lines.append(f"  - {c.category}: {c.margin_pct:g}%{realised}")
    if below:
        lines.append(f"{len(below)} product{'s' if len(below) != 1 else ''} below {params.floor_pct:g}%: "
                     + ", ".join(f"{m.product} ({m.margin_pct:g}%)" for m in below[:10]) + (" ..." if len(below) > 10 else ""))
    else:
        lines.append(f"No product is below {params.floor_pct:g}%.")
    if no_cost:
        many = len(no_cost) != 1
        lines.append(f"{len(no_cost)} product{'s have' if many else ' has'} no cost recorded and {'are' if many else 'is'} left out.")
    return "\n".join(lines)
