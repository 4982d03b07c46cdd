"""create_campaign_draft (Craig): a stored campaign draft for a segment (or per critical counter campaign), never sent.

The customer-facing message is written (model or template), given its required warnings and
checked against the advertising rules; a draft that fails is stored `flagged` with its findings
and is never put to approval. The draft is never sent by this step.
"""
from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field, field_validator

from scheduler.marketing.compliance import Finding, jurisdiction
from scheduler.marketing.copy import PENDING_APPROVAL, CheckedCopy, write_checked
from scheduler.marketing.segments import SegmentName
from scheduler.marketing.writer import TextRequest
from scheduler.steps.base import Step, StepContext, StepOutput, StepParams
from scheduler.steps.control.approval import expiry
from scheduler.steps.intelligence.sources import money, percent
from scheduler.steps.marketing.segment import Audience, AudienceShown, audience_of

CHANNEL_LIMITS = {"email": 1200, "sms": 320}


class CampaignParams(StepParams):
    brief: str | None = Field(None, max_length=2000)  # what to draft when no counter campaign is waiting
    priority: Literal["low", "medium", "high", "critical"] = "critical"  # the counter campaigns taken
    segment: SegmentName | None = None  # the audience; none: this run's segment_customers, else every customer
    channel: Literal["email", "sms"] = "email"
    jurisdiction: str = "default"  # whose advertising rules the copy must pass (scheduler.marketing.rules)
    require_approval: bool = False  # put each compliant draft to the owner; the run waits for the decisions
    timeout_hours: float | None = Field(None, gt=0)

    @field_validator("jurisdiction")
    @classmethod
    def _known(cls, value: str) -> str:
        return jurisdiction(value).code


class DraftMade(BaseModel):
    id: str
    title: str
    flagged: bool = False  # failed the compliance check: stored with its findings, never sendable
    findings: list[Finding] = Field(default_factory=list)
    approval_id: str | None = None


class CampaignOutput(StepOutput):
    drafts: list[DraftMade]
    draft_count: int
    flagged_count: int = 0
    audience: AudienceShown | None = None
    content: str  # the drafted text, for a later step to show
    tokens: int = 0  # model tokens the writing cost (0 from templates)
    cost_usd: float = 0.0


class Brief(BaseModel):
    """One draft to write: its title, the template message, notes for the owner, the facts, its action."""

    title: str
    message: str
    notes: str
    facts: dict[str, Any]
    action_id: str | None = None


def counter_brief(action: dict[str, Any]) -> Brief:
    """A draft countering a competitor's sale: the message speaks of us, the notes of them."""
    data = action["data"]
    category = data.get("category") or "our menu"
    deal = f"{percent(data['discount_percent'])} off" if data.get("discount_percent") else "a sale"
    price = f" ({money(data['price'])})" if data.get("price") else ""
    notes = (f"{data.get('competitor', 'A competitor')} is running {deal} on {data.get('product', category)}{price}.")
    message = (f"This week only: our {category} at a special price for loyalty members. "
               "Same quality you know, right here.")
    return Brief(title=f"Counter {data.get('competitor', 'a competitor')}'s {category} sale", message=message,
                 notes=notes, facts={"category": category, **data}, action_id=action["id"])


def brief_of(text: str) -> Brief:
    """A draft from the owner's own brief: their words lead the message."""
    first = text.strip().rstrip(".!")
    title = first if len(first) <= 60 else first[:57].rsplit(" ", 1)[0] + "…"
    return Brief(title=title[:1].upper() + title[1:], message=f"{first[:1].upper()}{first[1:]}. Stop by and see us this week.",
                 notes=f"From the brief: {text.strip()}", facts={"brief": text.strip()})


class CreateCampaignDraft(Step):
    """Draft a campaign for a segment (from the `brief`) or for each pending counter campaign (claimed once); never sent.

    Each message passes the compliance check or is stored flagged with its findings; with
    `require_approval` each compliant draft becomes an approval and the run waits. Drafts commit with
    this step's checkpoint, and claimed actions are marked done in the same transaction.
    """

    name = "create_campaign_draft"
    Params = CampaignParams
    Output = CampaignOutput
    example: ClassVar[dict[str, Any]] = {"brief": "A weekend deal on pre-rolls for loyalty members", "segment": "loyalty"}

    async def run(self, params: CampaignParams, ctx: StepContext) -> CampaignOutput:
        claimed = await ctx.store.actions.claim(ctx.org_id, "counter_campaign", ctx.idempotency_key, params.priority)
        briefs = [counter_brief(a) for a in claimed]
        if not briefs and params.brief:
            briefs = [brief_of(params.brief)]
        audience = await audience_of(ctx, params.segment, default="loyalty" if claimed else "all") if briefs else None
        drafts, parts, tokens, cost = [], [], 0, 0.0
        for brief in briefs:
            made, text, copy = await self._draft(brief, audience, params, ctx)
            drafts.append(made)
            parts.append(text)
            tokens, cost = tokens + copy.tokens, cost + copy.cost_usd
        ctx.store.actions.finish(ctx.unit, [a["id"] for a in claimed], ctx.idempotency_key)
        if any(d.approval_id for d in drafts):
            ctx.wait_for_approval()
        flagged = sum(1 for d in drafts if d.flagged)
        summary = (f"{len(drafts)} campaign draft{'s' if len(drafts) != 1 else ''} ready for review"
                   + (f" ({flagged} flagged by the compliance check)" if flagged else "") + ": "
                   + "; ".join(d.title for d in drafts)) if drafts else "No campaign to draft."
        shown = AudienceShown.model_validate(audience.model_dump(exclude={"customer_ids"})) if audience else None
        return CampaignOutput(drafts=drafts, draft_count=len(drafts), flagged_count=flagged, audience=shown,
                              content="\n\n".join(parts), tokens=tokens, cost_usd=cost, summary=summary)

    async def _draft(self, brief: Brief, audience: Audience | None, params: CampaignParams,
                     ctx: StepContext) -> tuple[DraftMade, str, CheckedCopy]:
        request = TextRequest(
            kind="campaign", persona="craig", template=brief.message, max_chars=CHANNEL_LIMITS[params.channel],
            facts={**brief.facts, "channel": params.channel, "audience": audience.criteria if audience else None},
            instructions=(f"Write a short {params.channel} campaign message for a cannabis dispensary's customers "
                          f"({audience.criteria if audience else 'all customers'}). {brief.notes}"))
        copy = await write_checked(ctx.writer, request, params.jurisdiction)
        data = copy.draft_data(channel=params.channel, notes=brief.notes,
                               audience=audience.model_dump() if audience else None,
                               **({"action_id": brief.action_id} if brief.action_id else {"brief": params.brief}))
        approval_id = None
        if params.require_approval and not copy.flagged:
            data["status"] = PENDING_APPROVAL
        draft_id = ctx.store.drafts.stage(ctx.unit, ctx.org_id, "campaign", brief.title, copy.text, data, ctx.execution_id)
        if data["status"] == PENDING_APPROVAL:
            approval_id = ctx.store.approvals.stage(
                ctx.unit, ctx.org_id, ctx.execution_id, ctx.step_index, "campaign",
                f"Approve the campaign draft \"{brief.title}\"?", {"draft_id": draft_id, "title": brief.title},
                expiry(ctx, params.timeout_hours))
        lines = [brief.title, copy.text, brief.notes]
        if audience:
            lines.append(f"Audience: {audience.criteria} ({audience.count} customers).")
        lines.append(copy.compliance.line() + (" Stored flagged: fix it before it can be approved." if copy.flagged
                                               else " Draft only: nothing is sent without your approval."))
        return DraftMade(id=draft_id, title=brief.title, flagged=copy.flagged, findings=copy.compliance.findings,
                         approval_id=approval_id), "\n".join(lines), copy
