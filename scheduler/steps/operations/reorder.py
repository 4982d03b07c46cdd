"""create_reorder_list (Pops): inventory_alert actions and low stock become a stored reorder list draft."""
from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, Field

from scheduler.steps.base import Step, StepContext, StepOutput, StepParams
from scheduler.store.tables import Product


class ReorderParams(StepParams):
    include_low_stock: bool = True  # also every product at or below its reorder point
    cover: float = Field(2, ge=1, le=10)  # order up to this many times the reorder point


class ReorderItem(BaseModel):
    product: str
    quantity: int
    reorder_point: int
    order_quantity: int
    reason: str


class ReorderOutput(StepOutput):
    items: list[ReorderItem]
    item_count: int
    draft_id: str | None


def order_quantity(product: Product, cover: float) -> int:
    """Enough to reach `cover` times the reorder point (at least one more than it), never less than one."""
    target = max(round(product.reorder_point * cover), product.reorder_point + 1)
    return max(target - product.quantity, 1)


class CreateReorderList(Step):
    """A reorder list draft from pending `inventory_alert` actions (claimed once) and products at low stock.

    Each product appears once, with the reason it is there; the list and the actions' "done" commit
    with this step's checkpoint. Nothing is ordered: the list is for the owner.
    """

    name = "create_reorder_list"
    Params = ReorderParams
    Output = ReorderOutput
    example: ClassVar[dict[str, Any]] = {}

    async def run(self, params: ReorderParams, ctx: StepContext) -> ReorderOutput:
        claimed = await ctx.store.actions.claim(ctx.org_id, "inventory_alert", ctx.idempotency_key)
        catalogue = await ctx.store.products.list(ctx.org_id)
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
        items = [ReorderItem(product=by_id[i].name, quantity=by_id[i].quantity, reorder_point=by_id[i].reorder_point,
                             order_quantity=order_quantity(by_id[i], params.cover), reason=why)
                 for i, why in sorted(reasons.items(), key=lambda kv: (by_id[kv[0]].quantity, by_id[kv[0]].name))]
        draft_id = None
        if items:
            body = "\n".join(f"- {it.product}: order {it.order_quantity} (have {it.quantity}; {it.reason})" for it in items)
            draft_id = ctx.store.drafts.stage(ctx.unit, ctx.org_id, "reorder_list", "Reorder list", body,
                                              {"items": [it.model_dump() for it in items],
                                               "action_ids": [a["id"] for a in claimed]}, ctx.execution_id)
        ctx.store.actions.finish(ctx.unit, [a["id"] for a in claimed], ctx.idempotency_key)
        summary = (f"Reorder list: {len(items)} product{'s' if len(items) != 1 else ''} "
                   f"({', '.join(f'{it.product} x{it.order_quantity}' for it in items[:5])}"
                   f"{', ...' if len(items) > 5 else ''})") if items else "Nothing to reorder."
        return ReorderOutput(items=items, item_count=len(items), draft_id=draft_id, summary=summary)
