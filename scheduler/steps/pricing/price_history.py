"""price_history (Money Mike): our price changes over time, from approved suggestions and the prices orders were charged."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field

from scheduler.steps.base import Step, StepContext, StepError, StepOutput, StepParams
from scheduler.steps.reports.window import reference_time
from scheduler.store.repositories.prices import Charged, SetPrice
from scheduler.store.tables import Product


class PriceHistoryParams(StepParams):
    days: int = Field(90, ge=1, le=730)
    product: str | None = Field(None, min_length=1, max_length=200)  # a name or sku; None: every product


class PriceChange(BaseModel):
    product: str
    sku: str | None
    at: str  # ISO instant (UTC): when approved, or the first sale at the new price
    old_price: float
    new_price: float
    change_pct: float  # (new - old) / old (percent)
    source: Literal["approval", "sales"]


class PriceHistoryOutput(StepOutput):
    changes: list[PriceChange]  # oldest first
    change_count: int
    products_changed: int
    days: int


def iso(value: datetime) -> str:
    """An instant as the API writes it, in UTC with a Z."""
    return value.isoformat().replace("+00:00", "Z")


def find_product(catalogue: list[Product], wanted: str) -> Product:
    """The product named (name or sku, case and spacing folded); a clear error naming a few when none is."""
    fold = " ".join(wanted.casefold().split())
    for p in catalogue:
        if " ".join(p.name.casefold().split()) == fold or (p.sku or "").casefold() == fold:
            return p
    raise StepError(f"no product named {wanted!r} (for example: {', '.join(p.name for p in catalogue[:5]) or 'none yet'})")


def changes_of(charged: list[Charged], approved: list[SetPrice]) -> list[tuple[str, datetime, float, float, str]]:
    """(product id, when, old, new, source) of every price move, oldest first.

    A move in the prices charged that an approval already explains (same product, same old and new
    price, after it) is that approval's change, not a second one.
    """
    moves: list[tuple[str, datetime, float, float, str]] = [(a.product_id, a.at, a.old_price, a.new_price, "approval")
                                                             for a in approved]
    unexplained = list(approved)
    last: dict[str, float] = {}
    for line in charged:
        before = last.get(line.product_id)
        last[line.product_id] = line.unit_price
        if before is None or before == line.unit_price:
            continue
        explained = next((a for a in unexplained if a.product_id == line.product_id and a.at <= line.placed_at
                          and (a.old_price, a.new_price) == (before, line.unit_price)), None)
        if explained is not None:
            unexplained.remove(explained)
            continue
        moves.append((line.product_id, line.placed_at, before, line.unit_price, "sales"))
    return sorted(moves, key=lambda m: (m[1], m[0]))


async def price_moves(ctx: StepContext, start: datetime, end: datetime) -> list[tuple[str, datetime, float, float, str]]:
    """Every price move of [start, end), from approvals and from the prices charged."""
    charged = await ctx.store.prices.charged(ctx.org_id, start, end)
    approved = await ctx.store.prices.approved_changes(ctx.org_id, start, end)
    return changes_of(charged, approved)


class PriceHistory(Step):
    """Our price changes of the last days: those approvals applied, and moves in the prices orders were charged."""

    name = "price_history"
    Params = PriceHistoryParams
    Output = PriceHistoryOutput
    example: ClassVar[dict[str, Any]] = {"days": 90}

    async def run(self, params: PriceHistoryParams, ctx: StepContext) -> PriceHistoryOutput:
        catalogue = await ctx.store.products.list(ctx.org_id)
        only = find_product(catalogue, params.product) if params.product else None
        end = reference_time(ctx)
        by_id = {p.id: p for p in catalogue}
        changes = [PriceChange(product=by_id[pid].name, sku=by_id[pid].sku, at=iso(at), old_price=old, new_price=new,
                               change_pct=round((new - old) / old * 100, 1) if old else 0.0, source=source)  # type: ignore[arg-type]
                   for pid, at, old, new, source in await price_moves(ctx, end - timedelta(days=params.days), end)
                   if pid in by_id and (only is None or pid == only.id)]
        products = {c.product for c in changes}
        scope = only.name if only else "our prices"
        if not changes:
            summary = f"Price history: no change to {scope} in the last {params.days} days."
        else:
            lines = [f"Price history: {len(changes)} change(s) to {len(products)} product(s) in the last {params.days} days."]
            lines += [f"  - {c.at[:10]} {c.product}: ${c.old_price:,.2f} -> ${c.new_price:,.2f} ({c.change_pct:+g}%, {c.source})"
                      for c in changes[-15:]]
            summary = "\n".join(lines)
        return PriceHistoryOutput(changes=changes, change_count=len(changes), products_changed=len(products), days=params.days,
                                  summary=summary)
