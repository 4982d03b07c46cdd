"""The demo organisation: a shop in New York with its catalogue (a bundled CSV), customers and 90 days of orders."""
from __future__ import annotations

import itertools
import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from scheduler.demo.customers import demo_customers, pick_customer
from scheduler.domain.clock import SYSTEM_CLOCK, Clock
from scheduler.store.repositories.customers import refresh_loyalty
from scheduler.store.repositories.products import parse_catalogue
from scheduler.store.tables import Customer, Order, OrderItem, Organization, Product, User, new_id

DEMO_ORG = "demo"
DEMO_EMAIL = "owner@example.com"
DEMO_PHONE = "+15555550100"  # a number reserved for fiction: texts land in the SMS outbox
# The catalogue a demo shop imports, as an owner would (`playbooks products import`); its competitors'
# pages (scheduler/demo/pages) sell many of the same items, so a price comparison finds real gaps.
CATALOGUE = Path(__file__).with_name("products.csv")
DAYS = 90  # of order history, today included


def seed_demo(engine: Engine, clock: Clock = SYSTEM_CLOCK) -> bool:
    """Create the demo org on a database that has none; returns whether it seeded anything."""
    with Session(engine) as session:
        if session.exec(select(Organization)).first() is not None:
            return False
        session.add(Organization(id=DEMO_ORG, name="Demo Dispensary", timezone="America/New_York"))
        session.add(User(org_id=DEMO_ORG, email=DEMO_EMAIL, name="Demo Owner", phone=DEMO_PHONE))
        session.flush()
        rng = random.Random(42)  # the same demo data every time
        now = clock.now()
        products = [
            {"id": new_id("prd"), "org_id": DEMO_ORG, "sku": row.sku, "name": row.name, "category": row.category,
             "price": row.price, "cost": row.cost, "quantity": row.quantity, "reorder_point": row.reorder_point}
            for row in parse_catalogue(CATALOGUE.read_text(encoding="utf-8"))
        ]
        customers = demo_customers(rng, DEMO_ORG, now)
        orders, items = _orders(rng, now, products, [c.row["id"] for c in customers],  # type: ignore[misc]
                                list(itertools.accumulate(c.weight for c in customers)))
        # Core executemany inserts: about a thousand orders and two thousand lines in a few statements,
        # where ORM objects one by one made a server's first start wait.
        for table, rows in ((Product, products), (Customer, [c.row for c in customers]), (Order, orders), (OrderItem, items)):
            session.connection().execute(insert(table.__table__), rows)  # type: ignore[attr-defined]
        refresh_loyalty(session, DEMO_ORG, now)
        session.commit()
    return True


def _orders(rng: random.Random, now: datetime, products: list[dict[str, Any]], customer_ids: list[str],
            cum_weights: list[float]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """DAYS days of orders (busier on Fridays and Saturdays) and their lines, as rows to insert."""
    orders: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    for day in range(DAYS - 1, -1, -1):
        busy = 4 if (now - timedelta(days=day)).weekday() in (4, 5) else 0
        for _ in range(rng.randint(6, 14) + busy):
            placed = now - timedelta(days=day, hours=rng.randint(0, 12), minutes=rng.randint(0, 59))
            order_id = new_id("ord")
            total = 0.0
            for product in rng.sample(products, rng.randint(1, 3)):
                qty = rng.choices((1, 2, 3), (75, 20, 5))[0]  # mostly one of each
                items.append({"id": new_id("oi"), "order_id": order_id, "product_id": product["id"], "quantity": qty,
                              "unit_price": product["price"]})
                total += qty * product["price"]
            orders.append({"id": order_id, "org_id": DEMO_ORG, "customer_id": pick_customer(rng, customer_ids, cum_weights),
                           "placed_at": placed, "total": round(total, 2)})
    return orders, items
