"""segment_customers (Craig): the customers of a segment, by recency, frequency, spend and loyalty tier."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, ClassVar

from pydantic import BaseModel, Field

from scheduler.marketing.segments import SegmentRule, days_since, select_segment
from scheduler.steps.base import Step, StepContext, StepOutput, StepParams
from scheduler.store.repositories.customers import CustomerStats


class SegmentParams(StepParams, SegmentRule):
    limit: int = Field(200, ge=1, le=1000)  # customers listed in the output (the count is of all)


class SegmentMember(BaseModel):
    id: str
    name: str
    email: str | None
    phone: str | None
    tier: str
    orders: int  # in the window
    spend: float  # dollars in the window
    last_order_at: datetime | None
    days_since_last_order: int | None


class SegmentOutput(StepOutput):
    segment: str
    criteria: str
    inactive_days: int | None  # days without an order the segment asks for (lapsed, inactive), else None
    count: int  # customers in the segment
    customers: list[SegmentMember]  # the first `limit`, biggest spenders first
    with_email: int
    with_phone: int
    spend: float  # their spend in the window, together (dollars)
    tiers: dict[str, int]  # how many of them each tier has


def member(c: CustomerStats, now: datetime) -> SegmentMember:
    """A segment member as the output lists them."""
    return SegmentMember(id=c.id, name=c.name, email=c.email, phone=c.phone, tier=c.tier, orders=c.orders,
                         spend=c.spend, last_order_at=c.last_order_at, days_since_last_order=days_since(c, now))


async def segment_of(rule: SegmentRule, ctx: StepContext) -> list[CustomerStats]:
    """The organisation's customers in the rule's segment, now."""
    now = ctx.clock.now()
    stats = await ctx.store.customers.stats(ctx.org_id, now - timedelta(days=rule.window_days))
    return select_segment(stats, rule, now)


def segment_output(rule: SegmentRule, chosen: list[CustomerStats], now: datetime, limit: int) -> SegmentOutput:
    """The output of a segment: counts, tiers, spend and the first `limit` members."""
    tiers: dict[str, int] = {}
    for c in chosen:
        tiers[c.tier] = tiers.get(c.tier, 0) + 1
    spend = round(sum(c.spend for c in chosen), 2)
    criteria = rule.criteria()
    summary = (f"{len(chosen)} customer{'s' if len(chosen) != 1 else ''} in the {rule.segment} segment ({criteria}); "
               f"${spend:,.2f} spent in the last {rule.window_days} days.")
    return SegmentOutput(segment=rule.segment, criteria=criteria, inactive_days=rule.inactive(), count=len(chosen),
                         customers=[member(c, now) for c in chosen[:limit]],
                         with_email=sum(1 for c in chosen if c.email), with_phone=sum(1 for c in chosen if c.phone),
                         spend=spend, tiers=tiers, summary=summary)


class SegmentCustomers(Step):
    """Pick customers by a named segment (loyalty, vip, lapsed, inactive, new, frequent, top_spenders) and filters.

    Recency is the last order, frequency and spend count orders of the last `window_days` (90), tiers
    are the loyalty tiers the orders earned. Later steps (a campaign draft, a win-back) address this segment.
    """

    name = "segment_customers"
    Params = SegmentParams
    Output = SegmentOutput
    example: ClassVar[dict[str, Any]] = {"segment": "lapsed", "inactive_days": 30}

    async def run(self, params: SegmentParams, ctx: StepContext) -> SegmentOutput:
        chosen = await segment_of(params, ctx)
        return segment_output(params, chosen, ctx.clock.now(), params.limit)


class AudienceShown(BaseModel):
    """Whom a draft is for, as a step's output shows it: the segment, in words, and how many."""

    segment: str
    criteria: str
    count: int


class Audience(AudienceShown):
    """Whom a draft is for, as the draft keeps it: also (the first 1000 of) their ids."""

    customer_ids: list[str] = Field(default_factory=list)


async def audience_of(ctx: StepContext, segment: str | None, default: str = "all") -> Audience:
    """The named segment now; without a name, the segment an earlier step of this run picked, else `default`."""
    earlier = ctx.values.get("segment_customers")
    if segment is None and isinstance(earlier, dict) and "count" in earlier:
        return Audience(segment=str(earlier.get("segment")), criteria=str(earlier.get("criteria")), count=int(earlier["count"]),
                        customer_ids=[c["id"] for c in earlier.get("customers", []) if isinstance(c, dict)][:1000])
    rule = SegmentRule(segment=segment or default)  # type: ignore[arg-type]
    chosen = await segment_of(rule, ctx)
    return Audience(segment=rule.segment, criteria=rule.criteria(), count=len(chosen),
                    customer_ids=[c.id for c in chosen[:1000]])
