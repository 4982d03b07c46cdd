"""Sales figures over the organisation's orders, and where the last report left off."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, select

from scheduler.domain.status import ExecutionStatus
from scheduler.store.repositories.base import Repository
from scheduler.store.tables import Execution, Order, OrderItem, Product


@dataclass(frozen=True)
class ProductSales:
    """One product's sales in a period."""

    name: str
    quantity: int
    revenue: float


@dataclass(frozen=True)
class SalesTotals:
    """Orders and revenue in a period, with the best sellers by revenue."""

    order_count: int
    revenue: float
    top_products: list[ProductSales]


class SalesRepository(Repository):
    """The aggregates the sales report reads."""

    async def totals(self, org_id: str, start: datetime, end: datetime, top: int) -> SalesTotals:
        """Orders placed in [start, end): count, revenue, and the `top` products by revenue."""
        return await self._off_loop(self._totals, org_id, start, end, top)

    async def last_report_end(self, execution_id: str) -> datetime | None:
        """Where the previous completed run of this run's playbook left off; None for the first run."""
        return await self._off_loop(self._last_report_end, execution_id)

    def _totals(self, org_id: str, start: datetime, end: datetime, top: int) -> SalesTotals:
        in_period = (Order.org_id == org_id) & (Order.placed_at >= start) & (Order.placed_at < end)
        revenue_of = func.sum(OrderItem.quantity * OrderItem.unit_price)
        with Session(self._engine) as session:
            count, revenue = session.exec(
                select(func.count(Order.id), func.coalesce(func.sum(Order.total), 0.0)).where(in_period)
            ).one()
            rows = session.exec(
                select(Product.name, func.sum(OrderItem.quantity), revenue_of)
                .join(OrderItem, col(OrderItem.product_id) == col(Product.id))
                .join(Order, col(Order.id) == col(OrderItem.order_id))
                .where(in_period)
                .group_by(Product.name)
                .order_by(revenue_of.desc())
                .limit(top)
            ).all()
        return SalesTotals(
            order_count=int(count), revenue=float(revenue),
            top_products=[ProductSales(name, int(quantity), float(amount)) for name, quantity, amount in rows],
        )

    def _last_report_end(self, execution_id: str) -> datetime | None:
        with Session(self._engine) as session:
            current = session.get(Execution, execution_id)
            if current is None:
                return None
            previous = session.exec(
                select(Execution)
                .where(Execution.playbook_id == current.playbook_id, Execution.status == ExecutionStatus.completed,
                       Execution.id != current.id, Execution.created_at < current.created_at)
                .order_by(col(Execution.created_at).desc())
            ).first()
        if previous is None:
            return None
        return previous.scheduled_for or previous.started_at or previous.created_at
