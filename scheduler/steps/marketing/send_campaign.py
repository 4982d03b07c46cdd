"""send_campaign (Craig): an approved, compliant email campaign draft to its audience, each customer once, capped a run."""
from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field, field_validator

from scheduler.integrations.mail import MailError, build_message, deliver
from scheduler.marketing.copy import APPROVED, DraftNotSendable, assert_sendable
from scheduler.steps.base import Accepted, RetryableStepError, Step, StepContext, StepError, StepOutput, StepParams
from scheduler.steps.delivery.email import SENDER
from scheduler.store.action_tables import Draft
from scheduler.store.repositories.campaign_sends import send_key


class SendCampaignParams(StepParams):
    draft_id: str | None = Field(None, max_length=64)  # None: the latest approved email campaign draft
    subject: str | None = Field(None, min_length=1, max_length=200)  # None: the draft's title
    max_recipients: int = Field(200, ge=1, le=1000)  # sent by one run; the rest wait for the next run

    @field_validator("subject")
    @classmethod
    def _one_line(cls, value: str | None) -> str | None:
        if value is not None and any(ch in value for ch in "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"):
            raise ValueError("the subject must be one line")
        return value


class SendCampaignOutput(StepOutput):
    draft_id: str | None
    title: str
    audience: int  # customers the draft is for
    with_email: int  # of them, with an email address
    sent: int  # by this run
    already_sent: int  # reached by earlier runs (never sent again)
    remaining: int  # left for a later run by max_recipients
    failed: list[str]  # addresses the mail server refused (not retried)


async def pick_draft(ctx: StepContext, draft_id: str | None) -> Draft | None:
    """The draft named (the organisation's own only), else the latest approved email campaign; None when there is none."""
    drafts = await ctx.store.drafts.list(ctx.org_id, "campaign")
    if draft_id is not None:
        found = next((d for d in drafts if d.id == draft_id), None)
        if found is None:
            raise StepError(f"no campaign draft {draft_id!r} in this organisation")
        return found
    approved = [d for d in drafts if d.data.get("status") == APPROVED and d.data.get("channel", "email") == "email"]
    return approved[-1] if approved else None


class SendCampaign(Step):
    """Email an approved campaign draft to its audience's customers who gave an email address.

    The draft must be approved and pass the compliance check now (`assert_sendable`); an SMS draft is
    refused. Each customer's copy is recorded under (draft, customer) when the mail server takes it, so
    no run (a resumed one, the next one) sends it to them again; `max_recipients` caps a run.
    """

    name = "send_campaign"
    Params = SendCampaignParams
    Output = SendCampaignOutput
    side_effect = True
    example: ClassVar[dict[str, Any]] = {"max_recipients": 50}
    timeout_seconds = 300.0  # a capped batch of messages, one SMTP transaction each

    async def run(self, params: SendCampaignParams, ctx: StepContext) -> SendCampaignOutput:
        draft = await pick_draft(ctx, params.draft_id)
        if draft is not None:
            if draft.data.get("channel", "email") != "email":
                raise StepError(f"draft {draft.id} is a {draft.data.get('channel')} campaign; send_campaign sends email")
            try:
                assert_sendable(draft.body, draft.data)
            except DraftNotSendable as exc:
                raise StepError(f"not sent: {exc}") from None
        audience = list((draft.data.get("audience") or {}).get("customer_ids") or []) if draft else []
        customers = {c.id: c for c in await ctx.store.customers.list(ctx.org_id)}
        reachable = [customers[i] for i in dict.fromkeys(audience) if i in customers and customers[i].email]
        subject = " ".join((params.subject or (draft.title if draft else "")).split())

        async def send_all(_accepted: Accepted) -> dict[str, Any]:
            if draft is None:
                return {"draft_id": None, "sent": 0, "already_sent": 0, "remaining": 0, "failed": []}
            already = await ctx.store.campaign_sends.sent_to(ctx.org_id, draft.id)
            todo = [c for c in reachable if c.id not in already]
            batch, sent, failed = todo[:params.max_recipients], 0, []
            for customer in batch:
                key = send_key(draft.id, customer.id)
                msg = build_message(SENDER, [str(customer.email)], subject, draft.body, key)

                async def taken(where: dict[str, str], customer_id: str = customer.id, message_id: str = msg["Message-ID"]) -> None:
                    await ctx.store.campaign_sends.record(ctx.org_id, draft.id, customer_id,
                                                          {"transport": where["transport"], "message_id": message_id})
                try:
                    await deliver(ctx.settings, msg, key, taken)
                except MailError as exc:
                    if exc.transient:  # the retry skips everyone recorded so far
                        raise RetryableStepError(f"sent {sent} of {len(batch)}, then: {exc}") from exc
                    failed.append(str(customer.email))
                    continue
                sent += 1
            return {"draft_id": draft.id, "sent": sent, "already_sent": len(already), "remaining": len(todo) - len(batch),
                    "failed": failed}

        done = await ctx.once("campaign", send_all)
        if draft is None:
            summary = "No approved email campaign draft to send."
        else:
            summary = (f"Campaign \"{draft.title}\": emailed {done['sent']} customer(s)"
                       + (f", {done['already_sent']} had it already" if done["already_sent"] else "")
                       + (f", {done['remaining']} left for the next run" if done["remaining"] else "")
                       + (f", {len(done['failed'])} refused by the mail server" if done["failed"] else "")
                       + f" ({len(audience) - len(reachable)} of {len(audience)} have no email address).")
        return SendCampaignOutput(draft_id=done["draft_id"], title=draft.title if draft else "", audience=len(audience),
                                  with_email=len(reachable), sent=done["sent"], already_sent=done["already_sent"],
                                  remaining=done["remaining"], failed=list(done["failed"]), summary=summary)
