"""check_inventory (Pops): items low or out of stock against their reorder points, with days of cover from recent sales."""
from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field

from scheduler.steps.base import Step, StepContext, StepOutput, StepParams
from scheduler.steps.reports.window import reference_time
from scheduler.store.tables import Product

Status = Literal["out_of_stock", "low_stock", "ok"]


class CheckInventoryParams(StepParams):
    # Which items to list: low_stock (at or below the reorder point, zero included), out_of_stock, or all.
    filter: Literal["all", "low_stock", "out_of_stock"] = "low_stock"
    threshold: float | None = Field(None, ge=0, le=100_000)  # units: at or below counts as low, instead of the reorder point
    min_days_of_cover: float | None = Field(None, gt=0, le=365)  # also low: sells out sooner than this at the recent rate
    sales_days: int = Field(28, ge=1, le=365)  # the recent sales the rate is measured over


class StockItem(BaseModel):
    product: str
    sku: str | None
    category: str
    quantity: int
    reorder_point: int
    daily_sales: float  # units a day over the last `sales_days` days
    days_of_cover: float | None  # quantity / daily sales; None when nothing sold recently
    status: Status


class CheckInventoryOutput(StepOutput):
    items: list[StockItem]
    low_stock_count: int  # at or below the reorder point (or threshold), zero included
    out_of_stock_count: int
    product_count: int


def days_of_cover(quantity: int, rate: float) -> float | None:
    """How many days the stock lasts at `rate` units a day (None when it does not sell)."""
    if quantity <= 0:
        return 0.0
    return round(quantity / rate, 1) if rate > 0 else None


def stock_item(p: Product, rate: float, params: CheckInventoryParams) -> StockItem:
    """One product's stock as check_inventory judges it."""
    cover = days_of_cover(p.quantity, rate)
    floor = params.threshold if params.threshold is not None else p.reorder_point
    soon = params.min_days_of_cover is not None and cover is not None and cover < params.min_days_of_cover
    status: Status = "out_of_stock" if p.quantity <= 0 else "low_stock" if p.quantity <= floor or soon else "ok"
    return StockItem(product=p.name, sku=p.sku, category=p.category, quantity=p.quantity, reorder_point=p.reorder_point,
                     daily_sales=round(rate, 2), days_of_cover=cover, status=status)


def _order(item: StockItem) -> tuple[int, float, str]:
    # Most urgent first: out, then by days of cover (unknown last), then by name.
    rank = {"out_of_stock": 0, "low_stock": 1, "ok": 2}[item.status]
    return rank, item.days_of_cover if item.days_of_cover is not None else float("inf"), item.product


class CheckInventory(Step):
    """Which products are out of stock or at or below their reorder point, and how long each lasts at the recent rate."""

    name = "check_inventory"
    Params = CheckInventoryParams
    Output = CheckInventoryOutput
    example: ClassVar[dict[str, Any]] = {"filter": "low_stock"}

    async def run(self, params: CheckInventoryParams, ctx: StepContext) -> CheckInventoryOutput:
        catalogue = await ctx.store.products.list(ctx.org_id)
        rates = await ctx.store.sales.daily_rates(ctx.org_id, reference_time(ctx), params.sales_days)
        judged = sorted((stock_item(p, rates.get(p.id, 0.0), params) for p in catalogue), key=_order)
        low = [i for i in judged if i.status != "ok"]
        out = [i for i in judged if i.status == "out_of_stock"]
        listed = {"all": judged, "low_stock": low, "out_of_stock": out}[params.filter]
        return CheckInventoryOutput(items=listed, low_stock_count=len(low), out_of_stock_count=len(out),
                                    product_count=len(judged), summary=_summary(low, out, len(judged)))


def _summary(low: list[StockItem], out: list[StockItem], total: int) -> str:
    if not low:
        return f"Inventory: all {total} products are above their reorder points."
    lines = [f"Inventory: {len(low)} of {total} products at or below their reorder point, {len(out)} out of stock."]
    for i in low[:15]:
        cover = ("out of stock" if i.status == "out_of_stock" else
                 f"about {i.days_of_cover:g} days of cover" if i.days_of_cover is not None else "no recent sales")
        lines.append(f"  - {i.product}: {i.quantity} left (reorder at {i.reorder_point}; {cover})")
    if len(low) > 15:
        lines.append(f"  ... and {len(low) - 15} more")
    return "\n".join(lines)
