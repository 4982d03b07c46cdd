"""The demo shop's customers: made-up names and contacts, and how often each one shops (a few regulars, many occasionals)."""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from scheduler.store.tables import new_id

FIRST = ("Alex", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie", "Avery", "Quinn", "Drew", "Sam", "Robin",
         "Maria", "James", "Aisha", "Wei", "Priya", "Diego", "Hannah", "Omar", "Grace", "Luis", "Nina", "Kenji",
         "Fatima", "Noah", "Chloe", "Marcus", "Elena", "Tariq")
LAST = ("Rivera", "Chen", "Patel", "Johnson", "Okafor", "Kowalski", "Nguyen", "Smith", "Garcia", "Murphy", "Kim",
        "Haddad", "Brooks", "Silva", "Novak", "Williams", "Sato", "Moreau", "Baker", "Ortiz")
COUNT = 150
WALK_IN_SHARE = 0.2  # orders from someone who gave no name


@dataclass(frozen=True)
class DemoCustomer:
    """One made-up customer as a row to insert, and how much more often than the least regular they shop."""

    row: dict[str, object]
    weight: float


def demo_customers(rng: random.Random, org_id: str, now: datetime) -> list[DemoCustomer]:
    """COUNT customers with unique emails, each seen first and last on the day they joined.

    Tiers and first/last seen are then widened by their orders (refresh_loyalty).
    """
    customers = []
    taken: set[str] = set()
    for i in range(COUNT):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        email = f"{first}.{last}".lower()
        while email + "@example.com" in taken:
            email += str(rng.randint(0, 9))
        email += "@example.com"
        taken.add(email)
        # 555-0100..0199 are the numbers set aside for fiction; the rest gave no phone.
        phone = f"+1 315 555 01{i:02d}" if i < 100 else None
        # When they joined the loyalty programme: a third before the demo's orders begin.
        signed_up = now - timedelta(days=rng.randint(91, 400) if rng.random() < 0.35 else rng.randint(0, 89))
        row = {"id": new_id("cus"), "org_id": org_id, "name": f"{first} {last}", "email": email, "phone": phone,
               "loyalty_tier": "bronze", "first_seen_at": signed_up, "last_seen_at": signed_up, "created_at": now}
        # A heavy tail: most shop now and then, a few come in every week.
        customers.append(DemoCustomer(row, rng.paretovariate(1.3)))
    return customers


def pick_customer(rng: random.Random, ids: list[str], cum_weights: list[float]) -> str | None:
    """The customer of one order (by their weight; `cum_weights` accumulated once), or None for a walk-in."""
    if rng.random() < WALK_IN_SHARE:
        return None
    return rng.choices(ids, cum_weights=cum_weights)[0]
