"""detect_price_changes and track_new_products: each competitor's latest snapshot against the one before."""
from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, Field

from scheduler.events.staging import stage_event
from scheduler.steps.base import Step, StepContext, StepOutput, StepParams
from scheduler.steps.intelligence.sources import ScannedProduct, SnapshotPair, money, product_key, products_of, snapshot_pairs

SHOWN = 20  # lines a summary names; the output keeps them all


class CompareParams(StepParams):
    competitors: list[str] | None = None  # names or ids; all when absent
    criteria: str | None = None  # a limit in the user's words, for the model when there is one


class PriceChangeParams(CompareParams):
    threshold: float = Field(0, ge=0, le=100)  # percent: smaller moves are left out


class PriceChange(BaseModel):
    competitor: str
    product: str  # as the competitor's page names it (data, kept literally)
    old_price: float
    new_price: float
    change_percent: float  # signed: negative when the price dropped


class PriceChangesOutput(StepOutput):
    changes: list[PriceChange]
    change_count: int
    drop_count: int
    max_change_pct: float
    baseline: list[str]  # competitors scanned once only: nothing to compare with yet
    events_emitted: int = 0  # competitor.price_change (and price_drop) events raised, one per change


class NewProduct(BaseModel):
    competitor: str
    product: str
    price: float


class RemovedProduct(BaseModel):
    competitor: str
    product: str


class NewProductsOutput(StepOutput):
    new_products: list[NewProduct]
    removed_products: list[RemovedProduct]
    new_count: int
    removed_count: int
    baseline: list[str]
    events_emitted: int = 0  # competitor.new_product events raised, one per new product


def _menu(rows: list[dict[str, Any]]) -> dict[tuple[str, str], ScannedProduct]:
    menu: dict[tuple[str, str], ScannedProduct] = {}
    for product in products_of(rows):
        menu.setdefault(product_key(product), product)  # a product listed twice: its first listing
    return menu


def price_changes(pairs: list[SnapshotPair], threshold: float = 0) -> list[PriceChange]:
    """Products on both snapshots whose price moved more than `threshold` percent, largest move first."""
    found = []
    for pair in pairs:
        if pair.previous is None:
            continue
        before = _menu(pair.previous.products)
        for key, now in _menu(pair.latest.products).items():
            old = before.get(key)
            if old is None or old.price == now.price or old.price <= 0:
                continue
            change = round((now.price - old.price) / old.price * 100, 1)
            if abs(change) > threshold:
                found.append(PriceChange(competitor=pair.competitor.name, product=now.name, old_price=old.price,
                                         new_price=now.price, change_percent=change))
    return sorted(found, key=lambda c: (-abs(c.change_percent), c.competitor.casefold(), c.product.casefold()))


def menu_changes(pairs: list[SnapshotPair]) -> tuple[list[NewProduct], list[RemovedProduct]]:
    """Products on the latest snapshot and not the one before (new), and the reverse (removed)."""
    new, removed = [], []
    for pair in pairs:
        if pair.previous is None:
            continue
        before, now = _menu(pair.previous.products), _menu(pair.latest.products)
        new += [NewProduct(competitor=pair.competitor.name, product=p.name, price=p.price) for k, p in now.items() if k not in before]
        removed += [RemovedProduct(competitor=pair.competitor.name, product=p.name) for k, p in before.items() if k not in now]
    return new, removed


def change_line(c: PriceChange) -> str:
    """Budget Buds: WEDDING CAKE (Eighth) $40.00 -> $36.00 (-10%)"""
    return f"{c.competitor}: {c.product} {money(c.old_price)} -> {money(c.new_price)} ({c.change_percent:+g}%)"


def _baseline(pairs: list[SnapshotPair]) -> list[str]:
    return [p.competitor.name for p in pairs if p.previous is None]


def _emit(ctx: StepContext, events: list[tuple[str, dict[str, Any]]]) -> int:
    """Stage the step's events with its checkpoint; one that would loop back is logged as suppressed, never started."""
    now = ctx.clock.now()
    staged = [stage_event(ctx, name, data, now, n, ctx.settings.event_chain_limit) for n, (name, data) in enumerate(events)]
    return sum(1 for s in staged if s.refused is None)


def change_events(changes: list[PriceChange]) -> list[tuple[str, dict[str, Any]]]:
    """competitor.price_change for every change, and competitor.price_drop as well for a drop."""
    events = []
    for c in changes:
        data = {"competitor": c.competitor, "product_name": c.product, "old_price": c.old_price, "new_price": c.new_price,
                "change_percent": c.change_percent, "change_pct": abs(c.change_percent)}
        events.append(("competitor.price_change", data))
        if c.change_percent < 0:
            events.append(("competitor.price_drop", {**data, "drop_pct": abs(c.change_percent)}))
    return events


def _first_scans(names: list[str]) -> list[str]:
    return [f"First scan of {', '.join(names)}: the next scan is compared with it."] if names else []


class DetectPriceChanges(Step):
    """Compare each competitor's prices with its previous scan."""

    name = "detect_price_changes"
    Params = PriceChangeParams
    Output = PriceChangesOutput
    example: ClassVar[dict[str, Any]] = {"threshold": 5}

    async def run(self, params: PriceChangeParams, ctx: StepContext) -> PriceChangesOutput:
        pairs = await snapshot_pairs(ctx, params.competitors)
        changes = price_changes(pairs, params.threshold)
        lines = [change_line(c) for c in changes[:SHOWN]]
        if len(changes) > SHOWN:
            lines.append(f"... and {len(changes) - SHOWN} smaller price changes.")
        compared = len(pairs) - len(_baseline(pairs))
        if not changes:
            lines.append(f"No competitor price changed since the last scan ({compared} compared)." if compared
                         else "No earlier scan to compare prices with yet.")
        return PriceChangesOutput(
            changes=changes, change_count=len(changes), drop_count=sum(1 for c in changes if c.change_percent < 0),
            max_change_pct=max((abs(c.change_percent) for c in changes), default=0.0), baseline=_baseline(pairs),
            summary="\n".join(lines + _first_scans(_baseline(pairs))), events_emitted=_emit(ctx, change_events(changes)),
        )


class TrackNewProducts(Step):
    """Find the products competitors added or removed since their previous scan."""

    name = "track_new_products"
    Params = CompareParams
    Output = NewProductsOutput
    example: ClassVar[dict[str, Any]] = {}

    async def run(self, params: CompareParams, ctx: StepContext) -> NewProductsOutput:
        pairs = await snapshot_pairs(ctx, params.competitors)
        new, removed = menu_changes(pairs)
        lines = [f"New at {p.competitor}: {p.product} ({money(p.price)})" for p in new[:SHOWN]]
        lines += [f"Gone from {p.competitor}: {p.product}" for p in removed[:SHOWN]]
        if not new and not removed:
            compared = len(pairs) - len(_baseline(pairs))
            lines.append(f"No competitor added or removed a product since the last scan ({compared} compared)." if compared
                         else "No earlier scan to compare menus with yet.")
        emitted = _emit(ctx, [("competitor.new_product", {"competitor": p.competitor, "product_name": p.product, "price": p.price})
                              for p in new])
        return NewProductsOutput(new_products=new, removed_products=removed, new_count=len(new), removed_count=len(removed),
                                 baseline=_baseline(pairs), summary="\n".join(lines + _first_scans(_baseline(pairs))),
                                 events_emitted=emitted)
