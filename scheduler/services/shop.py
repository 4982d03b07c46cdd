"""Writes to the shop that emit events in their own transaction: stock levels, orders, customers."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from scheduler.domain.clock import SYSTEM_CLOCK, Clock
from scheduler.events.bus import Emitted, EventBus
from scheduler.events.log import Event
from scheduler.events.stock import crossings
from scheduler.runs.start import RunBatch
from scheduler.services.playbooks import NotFound
from scheduler.store.tables import Customer, Order, OrderItem, Product, new_id

PR, CU = Product.__table__, Customer.__table__  # type: ignore[attr-defined]
OR, OI = Order.__table__, OrderItem.__table__  # type: ignore[attr-defined]


# Built once (a stock write is on the hot path of every POS sale): read an item, and set it only if unchanged.
_ITEM = select(PR).where(PR.c.id == bindparam("item"), PR.c.org_id == bindparam("org"))
_SET_STOCK = (update(PR).where(PR.c.id == bindparam("item"), PR.c.quantity == bindparam("q0"),
                               PR.c.reorder_point == bindparam("rp0"))
              .values(quantity=bindparam("q1"), reorder_point=bindparam("rp1")).returning(*PR.c))


class ShopInvalid(ValueError):
    """A write the shop cannot take (a product of another shop, a negative quantity...): said in one line."""


class CustomerExists(ValueError):
    """A customer with this email is already on file."""


@dataclass
class Written:
    """What a write stored, and the events it emitted with it (each with the runs it started)."""

    record: dict[str, Any]
    events: list[Emitted] = field(default_factory=list)


class ShopService:
    """Stock, orders and customers; each write and its events commit together (EventBus.emit_in)."""

    def __init__(self, bus: EventBus, clock: Clock = SYSTEM_CLOCK) -> None:
        self.bus, self.clock = bus, clock

    def set_stock(self, org_id: str, item_id: str, quantity: int, reorder_point: int | None = None) -> Written:
        """Set an item's quantity (and reorder point); a crossing of the reorder point or of zero emits its event."""
        if quantity < 0 or (reorder_point is not None and reorder_point < 0):
            raise ShopInvalid("quantity and reorderPoint must be 0 or more")
        with self.bus.runs.batch() as batch:
            product, before = _set_stock(batch.conn, org_id, item_id, lambda q: quantity, reorder_point)
            events = self._stock_events(batch, product, before)
        return Written(product, events)

    def create_customer(self, org_id: str, name: str, email: str | None = None, phone: str | None = None) -> Written:
        """A new customer; emits customer.created."""
        try:
            with self.bus.runs.batch() as batch:
                customer, emitted = self._new_customer(batch, org_id, name, email, phone)
        except IntegrityError:  # another request took the email meanwhile
            raise CustomerExists(f"a customer with email {email!r} is already on file") from None
        return Written(customer, [emitted])

    def create_order(self, org_id: str, items: list[dict[str, Any]], total: float | None = None,
                     customer_id: str | None = None, customer: dict[str, Any] | None = None) -> Written:
        """A new order: its lines take stock (crossings emit), a new customer is made; emits order.created with the total."""
        if not items and total is None:
            raise ShopInvalid("an order needs items or a total")
        now = self.clock.now()
        with self.bus.runs.batch() as batch:
            conn, events = batch.conn, []
            buyer = None
            if customer_id is not None:
                buyer = conn.execute(select(CU).where(CU.c.id == customer_id, CU.c.org_id == org_id)).mappings().first()
                if buyer is None:
                    raise NotFound(f"no customer {customer_id!r}")
                buyer = dict(buyer)
            elif customer:
                email = customer.get("email")
                found = email and conn.execute(select(CU).where(CU.c.org_id == org_id, CU.c.email == email)).mappings().first()
                if found:
                    buyer = dict(found)
                else:
                    buyer, made = self._new_customer(batch, org_id, str(customer.get("name") or email or "Customer"),
                                                     email, customer.get("phone"))
                    events.append(made)
            order_id, lines, sum_of_lines = new_id("ord"), [], 0.0
            for item in items:
                count = int(item["quantity"])
                if count <= 0:
                    raise ShopInvalid("each item's quantity must be 1 or more")
                product, before = _set_stock(conn, org_id, item["productId"], lambda q, n=count: max(0, q - n), None)
                price = float(item["unitPrice"]) if item.get("unitPrice") is not None else float(product["price"])
                lines.append({"id": new_id("oi"), "order_id": order_id, "product_id": product["id"], "quantity": count,
                              "unit_price": price})
                sum_of_lines += price * count
                events += self._stock_events(batch, product, before)
            amount = round(float(total) if total is not None else sum_of_lines, 2)
            if amount < 0:
                raise ShopInvalid("an order's total must be 0 or more")
            conn.execute(insert(OR).values(id=order_id, org_id=org_id, customer_id=buyer["id"] if buyer else None,
                                           placed_at=now, total=amount))
            if lines:
                conn.execute(insert(OI), lines)
            if buyer is not None:
                conn.execute(update(CU).where(CU.c.id == buyer["id"]).values(
                    last_seen_at=now, first_seen_at=func.coalesce(CU.c.first_seen_at, now)))
            data = {"order_id": order_id, "total": amount, "item_count": sum(line["quantity"] for line in lines),
                    "customer": _customer_data(buyer) if buyer else None}
            events.append(self.bus.emit_in(batch, Event.new(org_id, "order.created", data, source="orders")))
        return Written({"id": order_id, "org_id": org_id, "total": amount, "customer_id": buyer["id"] if buyer else None,
                        "placed_at": now, "items": [{k: v for k, v in line.items() if k != "order_id"} for line in lines]},
                       events)

    def _new_customer(self, batch: RunBatch, org_id: str, name: str, email: str | None,
                      phone: str | None) -> tuple[dict[str, Any], Emitted]:
        if not name.strip():
            raise ShopInvalid("a customer needs a name")
        row = {"id": new_id("cus"), "org_id": org_id, "name": name.strip(), "email": email or None, "phone": phone or None,
               "loyalty_tier": "bronze", "first_seen_at": None, "last_seen_at": None, "created_at": self.clock.now()}
        if email and batch.conn.execute(select(CU.c.id).where(CU.c.org_id == org_id, CU.c.email == email)).first():
            raise CustomerExists(f"a customer with email {email!r} is already on file")
        batch.conn.execute(insert(CU).values(**row))
        event = Event.new(org_id, "customer.created", {"customer": _customer_data(row)}, source="customers")
        return row, self.bus.emit_in(batch, event)

    def _stock_events(self, batch: RunBatch, product: dict[str, Any], before: tuple[int, int]) -> list[Emitted]:
        after = (product["quantity"], product["reorder_point"])
        data = {"product_id": product["id"], "product_name": product["name"], "sku": product["sku"],
                "quantity": after[0], "reorder_point": after[1], "previous_quantity": before[0]}
        return [self.bus.emit_in(batch, Event.new(product["org_id"], name, data, source="inventory"))
                for name in crossings(before, after)]


def _set_stock(conn: Connection, org_id: str, item_id: str, new_quantity: Any,
               reorder_point: int | None) -> tuple[dict[str, Any], tuple[int, int]]:
    """Compare-and-set one item's stock; answers the item as written and its (quantity, reorder point) before.

    The UPDATE only lands if the row still holds what was read, so two writers racing on one item
    each see the state the other left, and a crossing is emitted once, by the write that made it.
    """
    while True:
        old = conn.execute(_ITEM, {"item": item_id, "org": org_id}).mappings().first()
        if old is None:
            raise NotFound(f"no inventory item {item_id!r}")
        point = old["reorder_point"] if reorder_point is None else reorder_point
        new = conn.execute(_SET_STOCK, {"item": item_id, "q0": old["quantity"], "rp0": old["reorder_point"],
                                        "q1": new_quantity(old["quantity"]), "rp1": point}).mappings().first()
        if new is not None:
            return dict(new), (old["quantity"], old["reorder_point"])


def _customer_data(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "name": row["name"], "email": row.get("email"), "phone": row.get("phone")}
