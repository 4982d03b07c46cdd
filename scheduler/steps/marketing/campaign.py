"""create_campaign_draft (Craig): critical counter_campaign actions (or a brief) become stored drafts, never sent."""
from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field

from scheduler.steps.base import Step, StepContext, StepOutput, StepParams
from scheduler.steps.intelligence.sources import money, percent


class CampaignParams(StepParams):
    brief: str | None = Field(None, max_length=2000)  # what to draft when no counter campaign is waiting
    priority: Literal["low", "medium", "high", "critical"] = "critical"  # the counter campaigns taken


class DraftMade(BaseModel):
    id: str
    title: str


class CampaignOutput(StepOutput):
    drafts: list[DraftMade]
    draft_count: int
    content: str  # the drafted text, for a later step to show


def counter_text(data: dict[str, Any]) -> tuple[str, str]:
    """The title and the recommended messaging of a draft countering a competitor's sale."""
    category = data.get("category") or "our menu"
    title = f"Counter {data.get('competitor', 'a competitor')}'s {category} sale"
    deal = f"{percent(data['discount_percent'])} off" if data.get("discount_percent") else "a sale"
    price = f" ({money(data['price'])})" if data.get("price") else ""
    body = (f"{data.get('competitor', 'A competitor')} is running {deal} on {data.get('product', category)}{price}.\n"
            f"Suggested message: \"This week only: our {category} at a special price for loyalty members. "
            f"Same quality you know, right here.\"\nAudience: loyalty members who bought {category} in the last 90 days.\n"
            "Draft only: review and send it yourself.")
    return title, body


class CreateCampaignDraft(Step):
    """Draft a counter campaign for each pending critical `counter_campaign` action (claimed once), never sent.

    With no such action and a `brief`, one draft from the brief. Drafts commit with this step's checkpoint,
    and the actions are marked done in the same transaction.
    """

    name = "create_campaign_draft"
    Params = CampaignParams
    Output = CampaignOutput
    example: ClassVar[dict[str, Any]] = {"brief": "A weekend deal on pre-rolls for loyalty members"}

    async def run(self, params: CampaignParams, ctx: StepContext) -> CampaignOutput:
        claimed = await ctx.store.actions.claim(ctx.org_id, "counter_campaign", ctx.idempotency_key, params.priority)
        texts = [counter_text(a["data"]) for a in claimed]
        if not texts and params.brief:
            texts = [("Campaign draft", f"{params.brief}\nDraft only: review and send it yourself.")]
        drafts = []
        for (title, body), action in zip(texts, [*claimed, *[None] * len(texts)], strict=False):
            data = {"action_id": action["id"], **action["data"]} if action else {"brief": params.brief}
            drafts.append(DraftMade(id=ctx.store.drafts.stage(ctx.unit, ctx.org_id, "campaign", title, body, data,
                                                              ctx.execution_id), title=title))
        ctx.store.actions.finish(ctx.unit, [a["id"] for a in claimed], ctx.idempotency_key)
        content = "\n\n".join(f"{title}\n{body}" for title, body in texts)
        summary = (f"{len(drafts)} campaign draft{'s' if len(drafts) != 1 else ''} ready for review: "
                   + "; ".join(d.title for d in drafts)) if drafts else "No campaign to draft."
        return CampaignOutput(drafts=drafts, draft_count=len(drafts), content=content, summary=summary)
