"""loyalty_report (Craig): the loyalty programme by tier: members, spend, orders, who is new, who lapsed, the top members."""
from __future__ import annotations

from datetime import timedelta
from html import escape
from typing import Any, ClassVar

from pydantic import BaseModel, Field

from scheduler.marketing.segments import days_since
from scheduler.steps.base import Step, StepContext, StepOutput, StepParams
from scheduler.store.repositories.customers import LOYALTY_TIERS, TIER_FLOORS


class LoyaltyParams(StepParams):
    window_days: int = Field(90, ge=1, le=3650)  # spend and orders count this far back (tiers use 90 days)
    lapsed_days: int = Field(45, ge=1, le=3650)
    top: int = Field(5, ge=0, le=50)  # top members listed
    refresh: bool = True  # bring tiers up to date with the orders first


class TierRow(BaseModel):
    tier: str
    floor: float  # spend over 90 days that earns the tier (dollars)
    members: int
    active: int  # ordered in the window
    spend: float  # in the window (dollars)
    orders: int  # in the window
    avg_spend: float  # per member (dollars)


class TopMember(BaseModel):
    name: str
    tier: str
    spend: float
    orders: int


class LoyaltyOutput(StepOutput):
    tiers: list[TierRow]
    total_members: int
    active_members: int
    new_members: int  # first seen in the window
    lapsed_members: int  # ordered before, nothing in `lapsed_days`
    spend: float  # all members, in the window (dollars)
    top_members: list[TopMember]
    text: str
    html: str


class LoyaltyReport(Step):
    """Report the loyalty programme: members, activity, spend and orders per tier, new and lapsed members, the top ones.

    Tiers are refreshed from the orders first (spend over 90 days: bronze, silver $250, gold $750,
    platinum $1,500), so the report and the tiers agree.
    """

    name = "loyalty_report"
    Params = LoyaltyParams
    Output = LoyaltyOutput
    example: ClassVar[dict[str, Any]] = {"window_days": 30}

    async def run(self, params: LoyaltyParams, ctx: StepContext) -> LoyaltyOutput:
        now = ctx.clock.now()
        if params.refresh:
            await ctx.store.customers.refresh(ctx.org_id, now)
        stats = await ctx.store.customers.stats(ctx.org_id, now - timedelta(days=params.window_days))
        rows = []
        for tier in reversed(LOYALTY_TIERS):
            members = [c for c in stats if c.tier == tier]
            spend = round(sum(c.spend for c in members), 2)
            rows.append(TierRow(tier=tier, floor=TIER_FLOORS[tier], members=len(members),
                                active=sum(1 for c in members if c.orders), spend=spend,
                                orders=sum(c.orders for c in members),
                                avg_spend=round(spend / len(members), 2) if members else 0.0))
        new = sum(1 for c in stats if c.first_seen_at and (now - c.first_seen_at).days < params.window_days)
        lapsed = sum(1 for c in stats if (d := days_since(c, now)) is not None and d >= params.lapsed_days)
        top = [TopMember(name=c.name, tier=c.tier, spend=c.spend, orders=c.orders)
               for c in sorted(stats, key=lambda c: (-c.spend, c.name))[:params.top] if c.spend > 0]
        total = round(sum(r.spend for r in rows), 2)
        active = sum(r.active for r in rows)
        lines = [f"Loyalty programme, last {params.window_days} days: {len(stats)} members, {active} active, "
                 f"${total:,.2f} spent; {new} new, {lapsed} lapsed ({params.lapsed_days}+ days away)."]
        lines += [f"- {r.tier.capitalize()}: {r.members} members ({r.active} active), ${r.spend:,.2f} over {r.orders} orders, "
                  f"${r.avg_spend:,.2f} each" for r in rows]
        if top:
            lines.append("Top members: " + "; ".join(f"{m.name} ({m.tier}, ${m.spend:,.2f})" for m in top))
        html = ("<table><tr><th>Tier</th><th>Members</th><th>Active</th><th>Spend</th><th>Orders</th></tr>"
                + "".join(f"<tr><td>{escape(r.tier)}</td><td>{r.members}</td><td>{r.active}</td>"
                          f"<td>${r.spend:,.2f}</td><td>{r.orders}</td></tr>" for r in rows)
                + "</table>" + (f"<p>Top members: {escape('; '.join(m.name for m in top))}</p>" if top else ""))
        return LoyaltyOutput(tiers=rows, total_members=len(stats), active_members=active, new_members=new,
                             lapsed_members=lapsed, spend=total, top_members=top, text="\n".join(lines), html=html,
                             summary=lines[0])
