"""create_reorder_list (Pops): low stock and inventory alerts become a stored reorder list draft, sized by sales velocity."""
from __future__ import annotations

import math
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, Field

from scheduler.steps.base import Step, StepContext, StepOutput, StepParams
from scheduler.steps.operations.inventory import days_of_cover
from scheduler.steps.reports.window import reference_time
from scheduler.store.tables import Product


class ReorderParams(StepParams):
    include_low_stock: bool = True  # also every product at or below its reorder point
    lead_time_days: float = Field(7, ge=0, le=180)  # from ordering to the goods on the shelf
    # Per category, where suppliers differ ("Edibles": 14); categories not named take lead_time_days.
    lead_time_by_category: dict[str, Annotated[float, Field(ge=0, le=180)]] = Field(default_factory=dict)
    cover_days: float = Field(14, ge=1, le=180)  # days of sales an order should last once it arrives
    sales_days: int = Field(28, ge=1, le=365)  # the recent sales the rate is measured over
    cover: float = Field(2, ge=1, le=10)  # with no recent sales: order up to this many times the reorder point


class ReorderItem(BaseModel):
    product: str
    sku: str | None = None
    quantity: int
    reorder_point: int
    daily_sales: float
    days_of_cover: float | None
    lead_time_days: float
    order_quantity: int
    basis: str  # "sales velocity" or "reorder point" (nothing sold recently)
    reason: str


class ReorderOutput(StepOutput):
    items: list[ReorderItem]
    item_count: int
    total_units: int
    draft_id: str | None


def order_quantity(product: Product, rate: float, lead_days: float, params: ReorderParams) -> tuple[int, str]:
    """Units to order and on what basis.

    Selling `rate` a day, the stock must last the lead time and then `cover_days` more, with the reorder
    point kept as safety stock: order up to rate x (lead + cover) + reorder point. With no recent sales,
    up to `cover` times the reorder point (at least one more than it). Never less than one.
    """
    if rate > 0:
        target = math.ceil(rate * (lead_days + params.cover_days)) + product.reorder_point
        basis = "sales velocity"
    else:
        target = max(round(product.reorder_point * params.cover), product.reorder_point + 1)
        basis = "reorder point"
    return max(target - product.quantity, 1), basis


class CreateReorderList(Step):
    """A reorder list draft from pending `inventory_alert` actions (claimed once) and products at low stock.

    Each product appears once, with the reason it is there and a quantity from its recent rate of sale
    and lead time; the list and the actions' "done" commit with this step's checkpoint. Nothing is
    ordered: the list is a draft for the owner.
    """

    name = "create_reorder_list"
    Params = ReorderParams
    Output = ReorderOutput
    example: ClassVar[dict[str, Any]] = {"lead_time_days": 5}

    async def run(self, params: ReorderParams, ctx: StepContext) -> ReorderOutput:
        claimed = await ctx.store.actions.claim(ctx.org_id, "inventory_alert", ctx.idempotency_key)
        catalogue = await ctx.store.products.list(ctx.org_id)
        rates = await ctx.store.sales.daily_rates(ctx.org_id, reference_time(ctx), params.sales_days)
        by_id = {p.id: p for p in catalogue}
        reasons: dict[str, str] = {}
        for action in claimed:
            product_id = action["data"].get("product_id")
            if product_id in by_id:
                reasons.setdefault(product_id, action["recommendation"])
        if params.include_low_stock:
            for p in catalogue:
                if p.quantity <= p.reorder_point:
                    reasons.setdefault(p.id, "out of stock" if p.quantity <= 0 else "at or below the reorder point")
        items = [self._item(by_id[i], rates.get(i, 0.0), why, params) for i, why in reasons.items()]
        items.sort(key=lambda it: (it.quantity, it.product))
        draft_id = None
        if items:
            body = "\n".join(f"- {it.product}: order {it.order_quantity} (have {it.quantity}, sells {it.daily_sales:g}/day, "
                             f"lead time {it.lead_time_days:g} days; {it.reason})" for it in items)
            draft_id = ctx.store.drafts.stage(ctx.unit, ctx.org_id, "reorder_list", "Reorder list", body,
                                              {"items": [it.model_dump() for it in items],
                                               "action_ids": [a["id"] for a in claimed]}, ctx.execution_id)
        ctx.store.actions.finish(ctx.unit, [a["id"] for a in claimed], ctx.idempotency_key)
        summary = "\n".join([
            f"Reorder list (a draft, nothing ordered): {len(items)} product{'s' if len(items) != 1 else ''}, "
            f"{sum(it.order_quantity for it in items)} units.",
            *(f"  - {it.product}: order {it.order_quantity} (have {it.quantity}, sells {it.daily_sales:g} a day, "
              f"{it.lead_time_days:g} days lead time)" for it in items[:15]),
            *([f"  ... and {len(items) - 15} more"] if len(items) > 15 else []),
        ]) if items else "Nothing to reorder."
        return ReorderOutput(items=items, item_count=len(items), total_units=sum(it.order_quantity for it in items),
                             draft_id=draft_id, summary=summary)

    @staticmethod
    def _item(p: Product, rate: float, reason: str, params: ReorderParams) -> ReorderItem:
        lead = params.lead_time_by_category.get(p.category, params.lead_time_days)
        units, basis = order_quantity(p, rate, lead, params)
        return ReorderItem(product=p.name, sku=p.sku, quantity=p.quantity, reorder_point=p.reorder_point,
                           daily_sales=round(rate, 2), days_of_cover=days_of_cover(p.quantity, rate), lead_time_days=lead,
                           order_quantity=units, basis=basis, reason=reason)
