"""Sales figures over the organisation's orders: totals, per product, rates of sale; where the last report left off."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, func, select

from scheduler.domain.status import ExecutionStatus, TriggeredBy
from scheduler.store.repositories.base import Repository
from scheduler.store.tables import Execution, Order, OrderItem, Product


@dataclass(frozen=True)
class ProductSales:
    """One product's sales in a period."""

    name: str
    quantity: int
    revenue: float
    product_id: str = ""
    sku: str | None = None
    category: str = ""
    orders: int = 0


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

    async def by_product(self, org_id: str, start: datetime, end: datetime) -> list[ProductSales]:
        """Every product sold in [start, end): units, revenue and orders, by revenue then name."""
        return await self._off_loop(self._by_product, org_id, start, end)

    async def daily_rates(self, org_id: str, end: datetime, days: int) -> dict[str, float]:
        """Units sold per day over the `days` days before `end`, by product id (products that sold nothing are absent)."""
        sold = await self.by_product(org_id, end - timedelta(days=days), end)
        return {p.product_id: p.quantity / days for p in sold}

    async def last_report_end(self, execution_id: str) -> datetime | None:
        """Where the previous completed scheduled run of this run's playbook left off; None for the first.

        Only scheduled runs mark where a report left off: a manual or event run at 08:55 reports the same
        period without emptying the 9:00 report.
        """
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

    def _by_product(self, org_id: str, start: datetime, end: datetime) -> list[ProductSales]:
        revenue_of = func.sum(OrderItem.quantity * OrderItem.unit_price)
        with Session(self._engine) as session:
            rows = session.exec(
                select(Product.id, Product.name, Product.sku, Product.category, func.sum(OrderItem.quantity), revenue_of,
                       func.count(func.distinct(Order.id)))
                .join(OrderItem, col(OrderItem.product_id) == col(Product.id))
                .join(Order, col(Order.id) == col(OrderItem.order_id))
                .where(Order.org_id == org_id, Product.org_id == org_id, Order.placed_at >= start, Order.placed_at < end)
                .group_by(Product.id, Product.name, Product.sku, Product.category)
                .order_by(revenue_of.desc(), col(Product.name))
            ).all()
        return [ProductSales(name, int(units), float(revenue), pid, sku, category or "", int(orders))
                for pid, name, sku, category, units, revenue, orders in rows]

    def _last_report_end(self, execution_id: str) -> datetime | None:
        with Session(self._engine) as session:
            current = session.get(Execution, execution_id)
            if current is None:
                return None
            query = (select(Execution.scheduled_for)
                     .where(Execution.org_id == current.org_id, Execution.playbook_id == current.playbook_id,
                            Execution.status == ExecutionStatus.completed, Execution.triggered_by == TriggeredBy.schedule,
                            col(Execution.scheduled_for).is_not(None), Execution.id != current.id))
            if current.scheduled_for is not None:  # a late or resumed slot looks only at the slots before it
                query = query.where(col(Execution.scheduled_for) < current.scheduled_for)
            return session.exec(query.order_by(col(Execution.scheduled_for).desc())).first()
