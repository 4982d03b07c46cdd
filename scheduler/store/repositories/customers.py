"""A shop's customers: listed by loyalty tier, and their tier and first/last seen brought up to date from their orders."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, case, update
from sqlmodel import Session, col, func, select

from scheduler.store.repositories.base import Repository
from scheduler.store.tables import Customer, Order

# Lowest first; a customer's tier is the highest whose spend floor their spend in the window reaches.
LOYALTY_TIERS = ("bronze", "silver", "gold", "platinum")
TIER_FLOORS = {"bronze": 0.0, "silver": 250.0, "gold": 750.0, "platinum": 1500.0}
LOYALTY_WINDOW = timedelta(days=90)  # spend older than this no longer counts towards a tier


def loyalty_tier(spend: float) -> str:
    """The tier that `spend` (dollars within the loyalty window) earns."""
    return max((t for t in LOYALTY_TIERS if spend >= TIER_FLOORS[t]), key=LOYALTY_TIERS.index)


def refresh_loyalty(session: Session, org_id: str, now: datetime) -> int:
    """Set every customer's tier from their spend in the window and widen first/last seen to their orders; answers how many.

    Runs in the caller's session (the demo seed calls it in its own transaction): one aggregate
    query and one batched UPDATE, however many customers there are.
    """
    since = now - LOYALTY_WINDOW
    in_window = func.coalesce(func.sum(case((col(Order.placed_at) >= since, Order.total), else_=0.0)), 0.0)
    rows = session.exec(
        select(Customer.id, Customer.first_seen_at, Customer.last_seen_at,
               func.min(Order.placed_at), func.max(Order.placed_at), in_window)
        .outerjoin(Order, col(Order.customer_id) == col(Customer.id))
        .where(Customer.org_id == org_id)
        .group_by(Customer.id, Customer.first_seen_at, Customer.last_seen_at)
    ).all()
    changes = [
        {"cid": cid, "tier": loyalty_tier(float(spend)),
         "first": min((t for t in (first, earliest) if t is not None), default=None),
         "last": max((t for t in (last, latest) if t is not None), default=None)}
        for cid, first, last, earliest, latest, spend in rows
    ]
    if changes:
        table = Customer.__table__  # type: ignore[attr-defined]
        session.connection().execute(
            update(table).where(table.c.id == bindparam("cid"))
            .values(loyalty_tier=bindparam("tier"), first_seen_at=bindparam("first"), last_seen_at=bindparam("last")),
            changes,
        )
    return len(changes)


@dataclass(frozen=True)
class CustomerStats:
    """One customer with their orders: recency (last order), frequency and spend in a window, and over all time."""

    id: str
    name: str
    email: str | None
    phone: str | None
    tier: str
    first_seen_at: datetime | None
    last_order_at: datetime | None
    orders: int  # in the window
    spend: float  # in the window (dollars)
    lifetime_orders: int
    lifetime_spend: float


class CustomerRepository(Repository):
    """The organisation's customers."""

    async def list(self, org_id: str, tier: str | None = None) -> list[Customer]:
        """The organisation's customers (of one loyalty tier when given), most recently seen first."""
        return await self._off_loop(self._list, org_id, tier)

    async def tier_counts(self, org_id: str) -> dict[str, int]:
        """How many customers each loyalty tier has, every tier named (0 when empty)."""
        return await self._off_loop(self._tier_counts, org_id)

    async def refresh(self, org_id: str, now: datetime) -> int:
        """Bring tiers and first/last seen up to date with the orders (refresh_loyalty in its own transaction)."""
        return await self._off_loop(self._refresh, org_id, now)

    async def stats(self, org_id: str, since: datetime) -> list[CustomerStats]:
        """Every customer with their recency, frequency and spend (orders since `since`, and lifetime): one query."""
        return await self._off_loop(self._stats, org_id, since)

    def _stats(self, org_id: str, since: datetime) -> list[CustomerStats]:
        recent = col(Order.placed_at) >= since
        query = (
            select(Customer.id, Customer.name, Customer.email, Customer.phone, Customer.loyalty_tier,
                   Customer.first_seen_at, func.max(Order.placed_at),
                   func.coalesce(func.sum(case((recent, 1), else_=0)), 0),
                   func.coalesce(func.sum(case((recent, Order.total), else_=0.0)), 0.0),
                   func.count(Order.id), func.coalesce(func.sum(Order.total), 0.0))
            .outerjoin(Order, (col(Order.customer_id) == col(Customer.id)) & (col(Order.org_id) == org_id))
            .where(Customer.org_id == org_id)
            .group_by(Customer.id, Customer.name, Customer.email, Customer.phone, Customer.loyalty_tier,
                      Customer.first_seen_at)
            .order_by(col(Customer.name), col(Customer.id))
        )
        with Session(self._engine) as session:
            rows = session.exec(query).all()
        return [CustomerStats(cid, name, email, phone, tier, first, last, int(n), round(float(spend), 2), int(n_all),
                              round(float(spend_all), 2))
                for cid, name, email, phone, tier, first, last, n, spend, n_all, spend_all in rows]

    def _list(self, org_id: str, tier: str | None) -> list[Customer]:
        query = select(Customer).where(Customer.org_id == org_id)
        if tier is not None:
            query = query.where(Customer.loyalty_tier == tier)
        # Never seen last on both databases (PostgreSQL puts NULLs first in a descending sort).
        never = col(Customer.last_seen_at).is_(None)
        with Session(self._engine, expire_on_commit=False) as session:
            return list(session.exec(query.order_by(never, col(Customer.last_seen_at).desc(), col(Customer.name), col(Customer.id))))

    def _tier_counts(self, org_id: str) -> dict[str, int]:
        with Session(self._engine) as session:
            rows = session.exec(
                select(Customer.loyalty_tier, func.count(Customer.id)).where(Customer.org_id == org_id).group_by(Customer.loyalty_tier)
            ).all()
        counts = dict.fromkeys(LOYALTY_TIERS, 0)
        counts.update({tier: int(n) for tier, n in rows})
        return counts

    def _refresh(self, org_id: str, now: datetime) -> int:
        with Session(self._engine) as session:
            done = refresh_loyalty(session, org_id, now)
            session.commit()
        return done
