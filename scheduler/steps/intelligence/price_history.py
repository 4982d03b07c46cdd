"""competitor_price_history (Ezal): one product's competitor prices across the stored scans, and how often they moved."""
from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from itertools import pairwise
from typing import Any, ClassVar

from pydantic import BaseModel, Field

from scheduler.integrations.html.model import ExtractedProduct
from scheduler.pricing import OurProduct, match_products
from scheduler.steps.base import Step, StepContext, StepOutput, StepParams
from scheduler.steps.intelligence.sources import money, products_of
from scheduler.steps.reports.window import reference_time


class CompetitorPriceHistoryParams(StepParams):
    product: str = Field(min_length=1, max_length=200)  # one of ours (name or sku: matched as analyze_pricing does), else theirs
    competitors: list[str] | None = Field(None, max_length=50)  # by name; None: all
    days: int = Field(90, ge=1, le=730)  # scans this far back


class PricePoint(BaseModel):
    taken_at: str  # ISO instant (UTC) of the scan
    price: float  # dollars
    regular_price: float | None  # the struck price when on sale (dollars)


class PriceSeries(BaseModel):
    competitor: str
    product: str  # the name on their menu (page text, kept literally)
    points: list[PricePoint]  # oldest first
    changes: int  # times the price moved from one scan to the next
    first_price: float
    latest_price: float


class CompetitorPriceHistoryOutput(StepOutput):
    product: str
    ours: bool  # the product is one of ours (their items are matched to it)
    our_price: float | None
    series: list[PriceSeries]
    scans: int  # competitor scans looked at
    change_count: int
    latest_min_price: float | None  # lowest latest price among the series (dollars)


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


class CompetitorPriceHistory(Step):
    """How a product's competitor prices moved across the stored scans: a series per competitor product, oldest first."""

    name = "competitor_price_history"
    Params = CompetitorPriceHistoryParams
    Output = CompetitorPriceHistoryOutput
    example: ClassVar[dict[str, Any]] = {"product": "Blue Dream 3.5g"}

    async def run(self, params: CompetitorPriceHistoryParams, ctx: StepContext) -> CompetitorPriceHistoryOutput:
        wanted = _fold(params.product)
        ours = next((p for p in await ctx.store.products.list(ctx.org_id)
                     if _fold(p.name) == wanted or _fold(p.sku or "") == wanted), None)
        names = {_fold(c) for c in params.competitors} if params.competitors is not None else None
        history = await ctx.store.snapshots.history(ctx.org_id, reference_time(ctx) - timedelta(days=params.days))
        history = [(c, s) for c, s in history if names is None or _fold(c) in names]
        found: dict[tuple[str, str], list[PricePoint]] = defaultdict(list)
        for competitor, snapshot in history:
            for item in _same_item(products_of(snapshot.products), ours, wanted):
                found[(competitor, item.name)].append(PricePoint(
                    taken_at=snapshot.taken_at.isoformat().replace("+00:00", "Z"), price=item.price,
                    regular_price=item.regular_price))
        series = [PriceSeries(competitor=c, product=n, points=pts, first_price=pts[0].price, latest_price=pts[-1].price,
                              changes=sum(1 for a, b in pairwise(pts) if a.price != b.price))
                  for (c, n), pts in sorted(found.items())]
        changes = sum(s.changes for s in series)
        low = min((s.latest_price for s in series), default=None)
        label = ours.name if ours else params.product
        if not history:
            summary = f"{label}: no competitor scans stored in the last {params.days} days (scan_competitors stores them)."
        elif not series:
            summary = f"{label}: not found on the competitors' menus in {len(history)} scans."
        else:
            lines = [f"{label}: {len(series)} competitor listing(s) over {len(history)} scans, {changes} price move(s)"
                     + (f"; ours {money(ours.price)}" if ours else "") + "."]
            lines += [f"  - {s.competitor}, {s.product}: " + " -> ".join(money(p.price) for p in s.points[-6:]) for s in series]
            summary = "\n".join(lines)
        return CompetitorPriceHistoryOutput(product=label, ours=ours is not None, our_price=ours.price if ours else None,
                                            series=series, scans=len(history), change_count=changes, latest_min_price=low,
                                            summary=summary)


def _same_item(menu: list[Any], ours: Any, wanted: str) -> list[Any]:
    """The menu's listings of the product: matched to ours as analyze_pricing matches, else by their name."""
    if ours is None:
        return [p for p in menu if _fold(p.name) == wanted]
    theirs = [ExtractedProduct(name=p.name, price=p.price, regular_price=p.regular_price, size=p.size) for p in menu]
    matches = match_products([OurProduct(id=ours.id, name=ours.name, price=ours.price, category=ours.category)], theirs)
    return [m.competitor_product for m in matches]
