"""customer_winback (Craig): a win-back message for customers who stopped coming, checked and stored as a draft."""
from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator

from scheduler.marketing.compliance import jurisdiction
from scheduler.marketing.copy import CopyMade, write_checked
from scheduler.marketing.segments import SegmentRule
from scheduler.marketing.writer import TextRequest
from scheduler.steps.base import Step, StepContext, StepOutput, StepParams
from scheduler.steps.marketing.segment import SegmentMember, member, segment_of

LIMITS = {"email": 1200, "sms": 320}
DEFAULT_DAYS = 45


class WinbackParams(StepParams):
    # No order for this long; none: the days this run's segment_customers asked for, else 45.
    inactive_days: int | None = Field(None, ge=1, le=3650)
    min_orders: int = Field(2, ge=1, le=1000)  # lifetime orders: they were regulars, not one-off visitors
    channel: Literal["email", "sms"] = "email"
    offer: str | None = Field(None, max_length=300)  # what to offer them, in the owner's words
    jurisdiction: str = "default"
    limit: int = Field(100, ge=1, le=1000)  # customers listed in the output

    @field_validator("jurisdiction")
    @classmethod
    def _known(cls, value: str) -> str:
        return jurisdiction(value).code


class WinbackOutput(StepOutput):
    count: int  # lapsed regulars found
    reachable: int  # of them, reachable on the channel
    customers: list[SegmentMember]  # the reachable ones, biggest past spenders first
    message: CopyMade | None
    content: str
    tokens: int = 0
    cost_usd: float = 0.0


class CustomerWinback(Step):
    """Find regulars who stopped coming (no order in `inactive_days`, at least `min_orders` ever) and draft a message.

    One message for all of them (`{first_name}` is filled in per customer when it is sent), checked
    against the advertising rules and stored as a draft with its audience; nothing is sent.
    """

    name = "customer_winback"
    Params = WinbackParams
    Output = WinbackOutput
    example: ClassVar[dict[str, Any]] = {"inactive_days": 30, "channel": "email"}

    async def run(self, params: WinbackParams, ctx: StepContext) -> WinbackOutput:
        earlier = ctx.values.get("segment_customers")
        days = params.inactive_days or (earlier.get("inactive_days") if isinstance(earlier, dict) else None) or DEFAULT_DAYS
        rule = SegmentRule(segment="lapsed", inactive_days=days)
        lapsed = [c for c in await segment_of(rule, ctx) if c.lifetime_orders >= params.min_orders]
        reachable = [c for c in lapsed if (c.email if params.channel == "email" else c.phone)]
        now = ctx.clock.now()
        if not reachable:
            return WinbackOutput(count=len(lapsed), reachable=0, customers=[], message=None, content="",
                                 summary=f"No regular to win back: {len(lapsed)} lapsed, none reachable by {params.channel}.")
        offer = params.offer or "Your favourites are waiting, and our team would love to see you again"
        template = f"Hi {{first_name}}, we miss you! {offer.rstrip('.!')}. Stop by this week."
        request = TextRequest(
            kind="winback", persona="craig", template=template, max_chars=LIMITS[params.channel],
            facts={"inactive_days": days, "offer": params.offer, "channel": params.channel},
            instructions=(f"Write a short, warm {params.channel} inviting back customers of a cannabis dispensary who "
                          f"have not visited for {days}+ days. Keep the {{first_name}} placeholder."))
        copy = await write_checked(ctx.writer, request, params.jurisdiction)
        title = f"Win back {len(reachable)} regulars ({days}+ days away)"
        audience = {"segment": "lapsed", "criteria": rule.criteria() + f"; at least {params.min_orders} orders ever",
                    "count": len(reachable), "customer_ids": [c.id for c in reachable[:1000]]}
        draft_id = ctx.store.drafts.stage(ctx.unit, ctx.org_id, "winback", title, copy.text,
                                          copy.draft_data(channel=params.channel, audience=audience), ctx.execution_id)
        made = CopyMade(draft_id=draft_id, title=title, text=copy.text, flagged=copy.flagged,
                        findings=copy.compliance.findings)
        summary = (f"{len(reachable)} regular{'s' if len(reachable) != 1 else ''} not seen in {days}+ days; "
                   f"a win-back {params.channel} is drafted. {copy.compliance.line()}")
        return WinbackOutput(count=len(lapsed), reachable=len(reachable),
                             customers=[member(c, now) for c in reachable[:params.limit]], message=made,
                             content=f"{title}\n{copy.text}", tokens=copy.tokens, cost_usd=copy.cost_usd, summary=summary)
