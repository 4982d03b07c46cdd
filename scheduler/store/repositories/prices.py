"""Our prices over time: what order lines were charged, and the price changes approvals applied; one organisation's only."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from scheduler.store.repositories.base import Repository
from scheduler.store.tables import Order, OrderItem, Product, SideEffect


@dataclass(frozen=True)
class Charged:
    """A product sold at a unit price at an instant (one order line)."""

    product_id: str
    placed_at: datetime
    unit_price: float


@dataclass(frozen=True)
class SetPrice:
    """A price an approved suggestion set (services.approvals records it as a `price_change` side effect)."""

    product_id: str
    at: datetime
    old_price: float
    new_price: float


class PriceRepository(Repository):
    """The prices the price history and a change's impact are read from."""

    async def charged(self, org_id: str, start: datetime, end: datetime) -> list[Charged]:
        """Every order line in [start, end) as (product, when, unit price), oldest first."""
        return await self._off_loop(self._charged, org_id, start, end)

    async def approved_changes(self, org_id: str, start: datetime, end: datetime) -> list[SetPrice]:
        """Price changes approvals applied in [start, end), oldest first."""
        return await self._off_loop(self._approved, org_id, start, end)

    def _charged(self, org_id: str, start: datetime, end: datetime) -> list[Charged]:
        with Session(self._engine) as session:
            rows = session.exec(
                select(OrderItem.product_id, Order.placed_at, OrderItem.unit_price)
                .join(Order, col(Order.id) == col(OrderItem.order_id))
                .join(Product, col(Product.id) == col(OrderItem.product_id))
                .where(Order.org_id == org_id, Product.org_id == org_id, Order.placed_at >= start, Order.placed_at < end)
                .order_by(col(Order.placed_at), col(Order.id), col(OrderItem.id))
            ).all()
        return [Charged(pid, placed, float(price)) for pid, placed, price in rows]

    def _approved(self, org_id: str, start: datetime, end: datetime) -> list[SetPrice]:
        with Session(self._engine) as session:
            rows = session.exec(
                select(SideEffect)
                .where(SideEffect.org_id == org_id, SideEffect.kind == "price_change",
                       SideEffect.created_at >= start, SideEffect.created_at < end)
                .order_by(col(SideEffect.created_at), col(SideEffect.key))
            ).all()
        changes = []
        for row in rows:
            data = row.result or {}
            try:
                changes.append(SetPrice(str(data["product_id"]), row.created_at.astimezone(UTC), float(data["old_price"]),
                                        float(data["new_price"])))
            except (KeyError, TypeError, ValueError):
                continue  # a record written by an older version without prices: nothing to show
        return changes
