"""Orders and their lines as rows for analyses (forecasts, anomalies, summaries); one organisation's only."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session, col, func, select

from scheduler.store.repositories.base import Repository
from scheduler.store.tables import Customer, Order, OrderItem, Product


@dataclass(frozen=True)
class OrderRow:
    """One order: when, who (None for a walk-in), its total and how many lines it had."""

    id: str
    placed_at: datetime
    customer_id: str | None
    total: float
    lines: int


@dataclass(frozen=True)
class LineRow:
    """One order line: which product, how many, at what price, when."""

    order_id: str
    placed_at: datetime
    product_id: str
    quantity: int
    unit_price: float


class OrderRepository(Repository):
    """The order history the analysis steps read."""

    async def orders(self, org_id: str, start: datetime, end: datetime) -> list[OrderRow]:
        """Orders placed in [start, end), oldest first."""
        return await self._off_loop(self._orders, org_id, start, end)

    async def lines(self, org_id: str, start: datetime, end: datetime) -> list[LineRow]:
        """Order lines of orders placed in [start, end), oldest first."""
        return await self._off_loop(self._lines, org_id, start, end)

    async def last_sold(self, org_id: str, before: datetime) -> dict[str, datetime]:
        """Product id -> when it last sold before `before` (products never sold are absent)."""
        return await self._off_loop(self._last_sold, org_id, before)

    async def new_customers(self, org_id: str, start: datetime, end: datetime) -> int:
        """Customers whose first order fell in [start, end)."""
        return await self._off_loop(self._new_customers, org_id, start, end)

    def _orders(self, org_id: str, start: datetime, end: datetime) -> list[OrderRow]:
        with Session(self._engine) as session:
            rows = session.exec(
                select(Order.id, Order.placed_at, Order.customer_id, Order.total, func.count(OrderItem.id))
                .outerjoin(OrderItem, col(OrderItem.order_id) == col(Order.id))
                .where(Order.org_id == org_id, Order.placed_at >= start, Order.placed_at < end)
                .group_by(Order.id, Order.placed_at, Order.customer_id, Order.total)
                .order_by(col(Order.placed_at), col(Order.id))
            ).all()
        return [OrderRow(oid, placed, customer, float(total), int(lines)) for oid, placed, customer, total, lines in rows]

    def _lines(self, org_id: str, start: datetime, end: datetime) -> list[LineRow]:
        with Session(self._engine) as session:
            rows = session.exec(
                select(Order.id, Order.placed_at, OrderItem.product_id, OrderItem.quantity, OrderItem.unit_price)
                .join(OrderItem, col(OrderItem.order_id) == col(Order.id))
                .join(Product, col(Product.id) == col(OrderItem.product_id))
                .where(Order.org_id == org_id, Product.org_id == org_id, Order.placed_at >= start, Order.placed_at < end)
                .order_by(col(Order.placed_at), col(Order.id), col(OrderItem.id))
            ).all()
        return [LineRow(oid, placed, pid, int(qty), float(price)) for oid, placed, pid, qty, price in rows]

    def _last_sold(self, org_id: str, before: datetime) -> dict[str, datetime]:
        with Session(self._engine) as session:
            rows = session.exec(
                select(OrderItem.product_id, func.max(Order.placed_at))
                .join(Order, col(Order.id) == col(OrderItem.order_id))
                .where(Order.org_id == org_id, Order.placed_at < before)
                .group_by(OrderItem.product_id)
            ).all()
        return {pid: _aware(last) for pid, last in rows if last is not None}

    def _new_customers(self, org_id: str, start: datetime, end: datetime) -> int:
        first = (select(Order.customer_id, func.min(Order.placed_at).label("first"))
                 .where(Order.org_id == org_id, col(Order.customer_id).is_not(None))
                 .group_by(Order.customer_id).subquery())
        with Session(self._engine) as session:
            count = session.exec(
                select(func.count()).select_from(first)
                .join(Customer, col(Customer.id) == first.c.customer_id)
                .where(Customer.org_id == org_id, first.c.first >= start, first.c.first < end)
            ).one()
        return int(count)


def _aware(value: datetime | str) -> datetime:
    # Aggregates keep the column's type, but a driver may still hand back a naive or string value.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
