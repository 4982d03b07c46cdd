"""suggest_price_adjustment (Money Mike): pending price actions become price suggestions awaiting the owner's approval."""
from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, Field

from scheduler.steps.base import Step, StepContext, StepOutput, StepParams
from scheduler.steps.control.approval import TimeoutOutcome, expiry
from scheduler.steps.intelligence.sources import money


class SuggestParams(StepParams):
    # Kept for the planner's plans: a price never changes without the owner's approval, whatever this says.
    require_approval: bool = True
    floor_margin: float = Field(10, ge=0, le=500)  # percent over cost a suggestion never goes below
    timeout_hours: float | None = Field(None, gt=0)  # PLAYBOOKS_APPROVAL_TIMEOUT_HOURS (72) when absent
    on_timeout: TimeoutOutcome = "reject"


class Suggestion(BaseModel):
    approval_id: str
    product: str
    old_price: float
    new_price: float
    competitor: str | None = None
    status: str  # pending; approved or rejected once decided


class SuggestOutput(StepOutput):
    suggestions: list[Suggestion]
    suggestion_count: int
    dismissed_count: int  # claimed actions with nothing to suggest (product gone, price already there, below floor)


class SuggestPriceAdjustment(Step):
    """Turn pending price_adjustment actions into price suggestions, one approval each; the run waits for them.

    The suggested price is the competitor's, but never below cost plus `floor_margin` percent, and only
    when it is below our price now. Several actions on one product make one suggestion (the lowest price).
    Actions are claimed with a conditional UPDATE (a retry of this same step takes its own claims again), so
    each is consumed once however many runs ask at once. Approving sets the price, once; rejecting changes nothing.
    """

    name = "suggest_price_adjustment"
    Params = SuggestParams
    Output = SuggestOutput
    example: ClassVar[dict[str, Any]] = {}

    async def run(self, params: SuggestParams, ctx: StepContext) -> SuggestOutput:
        claimed = await ctx.store.actions.claim(ctx.org_id, "price_adjustment", ctx.idempotency_key)
        catalogue = {p.name: p for p in await ctx.store.products.list(ctx.org_id)}
        best: dict[str, tuple[float, str | None, list[str]]] = {}  # product name -> (price, competitor, action ids)
        dismissed: list[str] = []
        for action in claimed:
            data = action["data"]
            product = catalogue.get(data.get("product", ""))
            target = data.get("competitor_price")
            if product is None or not isinstance(target, int | float):
                dismissed.append(action["id"])
                continue
            price = round(max(float(target), product.cost * (1 + params.floor_margin / 100)), 2)
            if price >= product.price:
                dismissed.append(action["id"])
                continue
            held = best.get(product.name)
            ids = [*(held[2] if held else []), action["id"]]
            best[product.name] = (price, data.get("competitor"), ids) if not held or price < held[0] else (*held[:2], ids)
        ctx.store.actions.finish(ctx.unit, dismissed, ctx.idempotency_key, status="dismissed")
        expires = expiry(ctx, params.timeout_hours)
        suggestions = []
        for name, (price, competitor, ids) in best.items():
            product = catalogue[name]
            data = {"product_id": product.id, "product": name, "old_price": product.price, "new_price": price,
                    "competitor": competitor, "action_ids": ids}
            prompt = f"Change the price of {name} from {money(product.price)} to {money(price)}?"
            approval_id = ctx.store.approvals.stage(ctx.unit, ctx.org_id, ctx.execution_id, ctx.step_index,
                                                    "price_change", prompt, data, expires, params.on_timeout)
            suggestions.append(Suggestion(approval_id=approval_id, product=name, old_price=product.price, new_price=price,
                                          competitor=competitor, status="pending"))
        if suggestions:
            ctx.wait_for_approval()
            summary = "Price suggestions awaiting your approval:\n" + "\n".join(
                f"- {s.product}: {money(s.old_price)} -> {money(s.new_price)}" for s in suggestions)
        else:
            summary = "No price adjustments to suggest."
        return SuggestOutput(suggestions=suggestions, suggestion_count=len(suggestions), dismissed_count=len(dismissed),
                             summary=summary)
