"""top_sellers (Pops): the best (or slowest) selling products of a period, by units or by revenue."""
from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import AliasChoices, BaseModel, Field, field_validator

from scheduler.steps.base import Step, StepContext, StepOutput, StepParams
from scheduler.steps.reports.window import report_window
from scheduler.store.repositories import ProductSales
from scheduler.timing.periods import Period, normalise_period


class TopSellersParams(StepParams):
    period: Period = "last_7_days"
    # `top` is how the planner writes it ("top 5 sellers").
    count: int = Field(5, ge=1, le=100, validation_alias=AliasChoices("count", "top"))
    by: Literal["units", "revenue"] = "units"
    rank: Literal["best", "slowest"] = "best"  # slowest: the bottom of the list, products that sold nothing included

    _period = field_validator("period", mode="before")(normalise_period)


class Seller(BaseModel):
    rank: int
    product: str
    sku: str | None
    category: str
    units: int
    revenue: float
    share_pct: float  # of the period's units or revenue (as ranked by), percent


class TopSellersOutput(StepOutput):
    period: str
    start: datetime
    end: datetime
    by: str
    rank: str
    sellers: list[Seller]
    best: str | None  # the first product of the list
    total_units: int
    total_revenue: float


class TopSellers(Step):
    """The best-selling products of a period (or the slowest), ranked by units sold or revenue."""

    name = "top_sellers"
    Params = TopSellersParams
    Output = TopSellersOutput
    example: ClassVar[dict[str, Any]] = {"period": "last_30_days", "count": 3, "by": "revenue"}

    async def run(self, params: TopSellersParams, ctx: StepContext) -> TopSellersOutput:
        window = await report_window(ctx, params.period)
        sold = await ctx.store.sales.by_product(ctx.org_id, window.start, window.end)
        rows = list(sold)
        if params.rank == "slowest":  # what sold nothing is the slowest of all
            seen = {p.product_id for p in sold}
            rows += [ProductSales(p.name, 0, 0.0, p.id, p.sku, p.category, 0)
                     for p in await ctx.store.products.list(ctx.org_id) if p.id not in seen]

        def measure(p: ProductSales) -> float:
            return p.quantity if params.by == "units" else p.revenue

        slowest = params.rank == "slowest"
        rows.sort(key=lambda p: (measure(p) if slowest else -measure(p), p.name))
        total_units, total_revenue = sum(p.quantity for p in sold), round(sum(p.revenue for p in sold), 2)
        whole = total_units if params.by == "units" else total_revenue
        sellers = [Seller(rank=i, product=p.name, sku=p.sku, category=p.category, units=p.quantity,
                          revenue=round(p.revenue, 2), share_pct=round(100 * measure(p) / whole, 1) if whole else 0.0)
                   for i, p in enumerate(rows[:params.count], 1)]
        return TopSellersOutput(period=params.period, start=window.start, end=window.end, by=params.by, rank=params.rank,
                                sellers=sellers, best=sellers[0].product if sellers else None, total_units=total_units,
                                total_revenue=total_revenue, summary=_summary(sellers, params, window.label))


def _summary(sellers: list[Seller], params: TopSellersParams, label: str) -> str:
    title = f"{'Slowest' if params.rank == 'slowest' else 'Top'} sellers {label}, by {params.by}"
    if not sellers:
        return f"{title}: no sales."
    lines = [f"{title}:"]
    lines += [f"  {s.rank}. {s.product}: {s.units} sold, ${s.revenue:,.2f} ({s.share_pct:g}%)" for s in sellers]
    return "\n".join(lines)
