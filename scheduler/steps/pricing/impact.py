"""discount_impact (Money Mike): a product's sales a day before and after a price change (its latest, or a given instant)."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, ClassVar

from pydantic import AwareDatetime, BaseModel, Field

from scheduler.steps.base import Step, StepContext, StepOutput, StepParams
from scheduler.steps.pricing.price_history import find_product, iso, price_moves
from scheduler.steps.reports.window import reference_time

LOOKBACK_DAYS = 365  # how far back the latest change is looked for when no instant is given


class DiscountImpactParams(StepParams):
    product: str = Field(min_length=1, max_length=200)  # a name or sku
    at: AwareDatetime | None = None  # the change's instant; None: the product's latest price change
    days: int = Field(14, ge=1, le=180)  # compared on each side (the after side ends now at the latest)


class Side(BaseModel):
    start: str  # ISO instant (UTC)
    end: str
    days: float  # the window's length (days)
    units: int
    revenue: float  # dollars
    units_per_day: float
    revenue_per_day: float  # dollars
    average_price: float | None  # revenue / units (dollars)


class DiscountImpactOutput(StepOutput):
    product: str
    changed_at: str | None  # ISO instant (UTC) of the change compared around; None when none was found
    old_price: float | None
    new_price: float | None
    before: Side | None
    after: Side | None
    units_change_pct: float | None  # after against before, units a day (percent)
    revenue_change_pct: float | None  # after against before, revenue a day (percent)
    elasticity: float | None  # units change (percent) / price change (percent), when both moved


def _pct(after: float, before: float) -> float | None:
    return round((after - before) / before * 100, 1) if before else None


class DiscountImpact(Step):
    """Did a price change pay? A product's units and revenue a day in the days before it against the days after."""

    name = "discount_impact"
    Params = DiscountImpactParams
    Output = DiscountImpactOutput
    example: ClassVar[dict[str, Any]] = {"product": "Blue Dream 3.5g"}

    async def run(self, params: DiscountImpactParams, ctx: StepContext) -> DiscountImpactOutput:
        product = find_product(await ctx.store.products.list(ctx.org_id), params.product)
        now = reference_time(ctx)
        old = new = None
        at: datetime | None = params.at
        if at is None:
            moves = [m for m in await price_moves(ctx, now - timedelta(days=LOOKBACK_DAYS), now) if m[0] == product.id]
            if not moves:
                return DiscountImpactOutput(
                    product=product.name, changed_at=None, old_price=None, new_price=None, before=None, after=None,
                    units_change_pct=None, revenue_change_pct=None, elasticity=None,
                    summary=f"{product.name}: no price change in the last {LOOKBACK_DAYS} days to measure (give `at` to "
                            "compare around an instant of your own).")
            _, at, old, new, _ = moves[-1]
        before = await self._side(ctx, product.id, at - timedelta(days=params.days), at)
        after = await self._side(ctx, product.id, at, min(at + timedelta(days=params.days), now))
        units = _pct(after.units_per_day, before.units_per_day) if after.days > 0 else None
        revenue = _pct(after.revenue_per_day, before.revenue_per_day) if after.days > 0 else None
        price_move = _pct(new, old) if old is not None and new is not None else None
        elasticity = round(units / price_move, 2) if units is not None and price_move else None
        return DiscountImpactOutput(
            product=product.name, changed_at=iso(at), old_price=old, new_price=new, before=before, after=after,
            units_change_pct=units, revenue_change_pct=revenue, elasticity=elasticity,
            summary=_summary(product.name, at, old, new, before, after, units, revenue))

    @staticmethod
    async def _side(ctx: StepContext, product_id: str, start: datetime, end: datetime) -> Side:
        units = await _units(ctx, product_id, start, end)
        revenue = round(sum(q * p for q, p in units), 2)
        count = sum(q for q, _ in units)
        days = max((end - start).total_seconds() / 86400, 0.0)
        return Side(start=iso(start), end=iso(end), days=round(days, 2), units=count, revenue=revenue,
                    units_per_day=round(count / days, 2) if days else 0.0, revenue_per_day=round(revenue / days, 2) if days else 0.0,
                    average_price=round(revenue / count, 2) if count else None)


async def _units(ctx: StepContext, product_id: str, start: datetime, end: datetime) -> list[tuple[int, float]]:
    """(quantity, unit price) of the product's order lines in [start, end)."""
    return [(line.quantity, line.unit_price) for line in await ctx.store.orders.lines(ctx.org_id, start, end)
            if line.product_id == product_id]


def _summary(name: str, at: datetime, old: float | None, new: float | None, before: Side, after: Side,
             units: float | None, revenue: float | None) -> str:
    moved = f" from ${old:,.2f} to ${new:,.2f}" if old is not None and new is not None else ""
    head = f"{name}: price changed{moved} on {iso(at)[:10]}."
    if after.days <= 0:
        return f"{head} No days after it yet to compare."
    return (f"{head} Before ({before.days:g} days): {before.units_per_day:g} units and ${before.revenue_per_day:,.2f} a day; "
            f"after ({after.days:g} days): {after.units_per_day:g} units and ${after.revenue_per_day:,.2f} a day"
            + (f" (units {units:+g}%, revenue {revenue:+g}%)." if units is not None and revenue is not None else "."))
