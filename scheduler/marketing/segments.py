"""Customer segments by recency, frequency, spend and loyalty tier: named segments and filters, as data over CustomerStats."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from scheduler.store.repositories.customers import LOYALTY_TIERS, CustomerStats

Tier = Literal["bronze", "silver", "gold", "platinum"]
SegmentName = Literal["all", "loyalty", "vip", "lapsed", "inactive", "new", "frequent", "top_spenders"]

# What each named segment means; `criteria()` states it with the numbers a run used.
SEGMENTS: dict[str, str] = {
    "all": "every customer",
    "loyalty": "loyalty members above the base tier (silver and up)",
    "vip": "gold and platinum members",
    "lapsed": "customers who bought before but not in the last {inactive} days",
    "inactive": "customers with no order in the last {inactive} days (or none ever)",
    "new": "customers first seen in the last {new} days",
    "frequent": "customers with at least {min_orders} orders in the last {window} days",
    "top_spenders": "the top tenth of customers by spend in the last {window} days",
}
DEFAULT_INACTIVE = {"lapsed": 45, "inactive": 60}
DEFAULT_NEW_DAYS = 30
DEFAULT_FREQUENT = 4


class SegmentRule(BaseModel):
    """A segment: a named one, narrowed by optional filters (all must hold)."""

    segment: SegmentName = "all"
    min_tier: Tier | None = None
    tiers: list[Tier] | None = None
    inactive_days: int | None = Field(None, ge=1, le=3650)
    inactive_weeks: int | None = Field(None, ge=1, le=520)
    inactive_months: int | None = Field(None, ge=1, le=120)
    new_days: int | None = Field(None, ge=1, le=3650)
    min_orders: int | None = Field(None, ge=0, le=10_000)  # in the window
    min_spend: float | None = Field(None, ge=0)  # dollars in the window
    window_days: int = Field(90, ge=1, le=3650)  # frequency and spend count orders this recent
    contactable: Literal["any", "email", "sms"] = "any"  # only customers reachable this way

    def inactive(self) -> int | None:
        """Days without an order that make a customer lapsed or inactive, from whichever unit was given."""
        given = self.inactive_days or (self.inactive_weeks or 0) * 7 or (self.inactive_months or 0) * 30
        return given or DEFAULT_INACTIVE.get(self.segment)

    def criteria(self) -> str:
        """The segment in words, with the numbers this rule uses."""
        text = SEGMENTS[self.segment].format(inactive=self.inactive(), new=self.new_days or DEFAULT_NEW_DAYS,
                                             min_orders=self.min_orders or DEFAULT_FREQUENT, window=self.window_days)
        extra = []
        if self.min_tier:
            extra.append(f"tier {self.min_tier} and up")
        if self.tiers:
            extra.append("tier " + " or ".join(self.tiers))
        if self.inactive() and self.segment not in ("lapsed", "inactive"):
            extra.append(f"no order in {self.inactive()} days")
        if self.min_orders is not None and self.segment != "frequent":
            extra.append(f"at least {self.min_orders} orders in {self.window_days} days")
        if self.min_spend is not None:
            extra.append(f"at least ${self.min_spend:,.2f} spent in {self.window_days} days")
        if self.contactable != "any":
            extra.append("with an email address" if self.contactable == "email" else "with a phone number")
        return text + (f" ({'; '.join(extra)})" if extra else "")


def days_since(customer: CustomerStats, now: datetime) -> int | None:
    """Whole days since the customer's last order; None if they never ordered."""
    return None if customer.last_order_at is None else max((now - customer.last_order_at).days, 0)


def select_segment(customers: list[CustomerStats], rule: SegmentRule, now: datetime) -> list[CustomerStats]:
    """The customers in the segment, biggest spenders first (then most recent)."""
    rank = LOYALTY_TIERS.index
    inactive = rule.inactive()

    def keep(c: CustomerStats) -> bool:
        since = days_since(c, now)
        checks = {
            "loyalty": rank(c.tier) >= rank("silver"),
            "vip": rank(c.tier) >= rank("gold"),
            "lapsed": since is not None and inactive is not None and since >= inactive,
            "inactive": since is None or (inactive is not None and since >= inactive),
            "new": c.first_seen_at is not None and (now - c.first_seen_at).days < (rule.new_days or DEFAULT_NEW_DAYS),
            "frequent": c.orders >= (rule.min_orders if rule.min_orders is not None else DEFAULT_FREQUENT),
        }
        if not checks.get(rule.segment, True):
            return False
        if inactive and rule.segment not in ("lapsed", "inactive") and since is not None and since < inactive:
            return False
        return all((
            rule.min_tier is None or rank(c.tier) >= rank(rule.min_tier),
            not rule.tiers or c.tier in rule.tiers,
            rule.min_orders is None or c.orders >= rule.min_orders,
            rule.min_spend is None or c.spend >= rule.min_spend,
            rule.contactable != "email" or bool(c.email),
            rule.contactable != "sms" or bool(c.phone),
        ))

    chosen = [c for c in customers if keep(c)]
    if rule.segment == "top_spenders":
        spenders = sorted((c for c in chosen if c.spend > 0), key=lambda c: -c.spend)
        chosen = spenders[: max(1, len(customers) // 10)] if spenders else []
    return sorted(chosen, key=lambda c: (-c.spend, -(c.last_order_at.timestamp() if c.last_order_at else 0), c.name))
