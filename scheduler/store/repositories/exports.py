"""Rows an export writes: order lines, customers who bought, for a period; one organisation's only."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from scheduler.store.repositories.base import Repository
from scheduler.store.tables import Customer, Order, OrderItem, Product


class ExportRepository(Repository):
    """What `export_csv` reads that other repositories do not already answer."""

    async def order_lines(self, org_id: str, start: datetime, end: datetime, limit: int) -> list[dict[str, Any]]:
        """One dict per order line placed in [start, end), oldest first, at most `limit`."""
        return await self._off_loop(self._order_lines, org_id, start, end, limit)

    async def customers(self, org_id: str, start: datetime, end: datetime, limit: int) -> list[dict[str, Any]]:
        """Customers who ordered in [start, end), with their orders and spend in it, biggest spenders first."""
        return await self._off_loop(self._customers, org_id, start, end, limit)

    def _order_lines(self, org_id: str, start: datetime, end: datetime, limit: int) -> list[dict[str, Any]]:
        with Session(self._engine) as session:
            rows = session.exec(
                select(Order.id, Order.placed_at, Order.total, Customer.name, Product.name, Product.sku, Product.category,
                       OrderItem.quantity, OrderItem.unit_price)
                .join(OrderItem, col(OrderItem.order_id) == col(Order.id))
                .join(Product, col(Product.id) == col(OrderItem.product_id))
                .outerjoin(Customer, col(Customer.id) == col(Order.customer_id))
                .where(Order.org_id == org_id, Order.placed_at >= start, Order.placed_at < end)
                .order_by(col(Order.placed_at), col(Order.id), col(OrderItem.id))
                .limit(limit)
            ).all()
        return [{"order_id": oid, "placed_at": placed, "customer": customer or "", "product": product, "sku": sku or "",
                 "category": category, "quantity": qty, "unit_price": price, "line_total": round(qty * price, 2),
                 "order_total": total}
                for oid, placed, total, customer, product, sku, category, qty, price in rows]

    def _customers(self, org_id: str, start: datetime, end: datetime, limit: int) -> list[dict[str, Any]]:
        spend = func.sum(Order.total)
        with Session(self._engine) as session:
            rows = session.exec(
                select(Customer.id, Customer.name, Customer.email, Customer.phone, Customer.loyalty_tier,
                       Customer.first_seen_at, Customer.last_seen_at, func.count(Order.id), spend)
                .join(Order, col(Order.customer_id) == col(Customer.id))
                .where(Customer.org_id == org_id, Order.org_id == org_id, Order.placed_at >= start, Order.placed_at < end)
                .group_by(Customer.id, Customer.name, Customer.email, Customer.phone, Customer.loyalty_tier,
                          Customer.first_seen_at, Customer.last_seen_at)
                .order_by(spend.desc(), col(Customer.name))
                .limit(limit)
            ).all()
        return [{"customer_id": cid, "name": name, "email": email or "", "phone": phone or "", "loyalty_tier": tier,
                 "first_seen": first, "last_seen": last, "orders": int(count), "spend": round(float(total), 2)}
                for cid, name, email, phone, tier, first, last, count, total in rows]
