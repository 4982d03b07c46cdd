"""Where the intelligence and pricing steps read competitor menus: this run's scan, else the stored snapshots."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from scheduler.steps.base import StepContext, StepError
from scheduler.store.tables import Competitor, CompetitorSnapshot

SCAN = "scan_competitors"


class ScannedProduct(BaseModel):
    """A competitor's product as a scan read it; its text is page data, kept literally."""

    name: str
    price: float
    regular_price: float | None = None
    currency: str | None = None
    size: str | None = None


@dataclass
class Menu:
    """One competitor's products and promotion banners, as last read."""

    name: str
    url: str
    products: list[ScannedProduct]
    promotions: list[str] = field(default_factory=list)
    competitor_id: str | None = None


@dataclass
class SnapshotPair:
    """A competitor's latest snapshot and the one before it (None on its first scan)."""

    competitor: Competitor
    latest: CompetitorSnapshot
    previous: CompetitorSnapshot | None


def products_of(rows: list[dict[str, Any]]) -> list[ScannedProduct]:
    """Stored product rows as typed products."""
    return [ScannedProduct.model_validate(row) for row in rows]


def this_runs_scan(ctx: StepContext) -> dict[str, Any] | None:
    """The output of scan_competitors earlier in this run, if it ran."""
    scan = ctx.values.get(SCAN)
    return scan if isinstance(scan, dict) and isinstance(scan.get("competitors"), list) else None


async def chosen(ctx: StepContext, wanted: list[str] | None) -> list[Competitor]:
    """The organisation's competitors named (by id or name), all when none are; an unknown name is a mistake to report."""
    competitors, unknown = await ctx.store.competitors.pick(ctx.org_id, wanted)
    if unknown:
        known = ", ".join(c.name for c in await ctx.store.competitors.list(ctx.org_id)) or "none yet"
        raise StepError(f"no competitor named {', '.join(map(repr, unknown))} (known: {known})")
    return competitors


def _named(entry: dict[str, Any], wanted: list[str] | None) -> bool:
    if wanted is None:
        return True
    words = {w.strip().casefold() for w in wanted}
    return (entry.get("id") or "") in wanted or str(entry.get("name", "")).casefold() in words or entry.get("url") in wanted


async def current_menus(ctx: StepContext, wanted: list[str] | None) -> list[Menu]:
    """Each competitor's products: from this run's scan when there was one (sites that failed left out), else the latest snapshots."""
    scan = this_runs_scan(ctx)
    if scan is not None:
        return [Menu(name=e["name"], url=e["url"], products=products_of(e.get("products") or []),
                     promotions=list(e.get("promotions") or []), competitor_id=e.get("id"))
                for e in scan["competitors"] if not e.get("error") and _named(e, wanted)]
    menus = []
    for competitor in await chosen(ctx, wanted):
        latest, _ = await ctx.store.snapshots.last_two(ctx.org_id, competitor.id)
        if latest is not None:
            menus.append(Menu(name=competitor.name, url=competitor.url, products=products_of(latest.products),
                              promotions=list(latest.promotions), competitor_id=competitor.id))
    return menus


async def snapshot_pairs(ctx: StepContext, wanted: list[str] | None) -> list[SnapshotPair]:
    """The latest snapshot and the one before of each chosen competitor; sites this run's scan could not read are left out."""
    scan = this_runs_scan(ctx)
    failed = {e.get("id") for e in scan["competitors"] if e.get("error")} if scan is not None else set()
    pairs = []
    for competitor in await chosen(ctx, wanted):
        if competitor.id in failed:
            continue  # its latest snapshot is an older scan's: comparing it again would report old news as new
        latest, previous = await ctx.store.snapshots.last_two(ctx.org_id, competitor.id)
        if latest is not None:
            pairs.append(SnapshotPair(competitor, latest, previous))
    return pairs


def product_key(product: ScannedProduct) -> tuple[str, str]:
    """The identity of a product on one competitor's menu across scans: its name and size, case and spacing folded."""
    return " ".join(product.name.casefold().split()), " ".join((product.size or "").casefold().split())


def money(amount: float) -> str:
    """$12.00"""
    return f"${amount:,.2f}"


def percent(value: float) -> str:
    """25%, 12.5%"""
    return f"{value:g}%"
