"""The demo organisation: a shop in New York with its catalogue (a bundled CSV), stock levels and a month of orders."""
from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from scheduler.domain.clock import SYSTEM_CLOCK, Clock
from scheduler.store.repositories.products import parse_catalogue
from scheduler.store.tables import Order, OrderItem, Organization, Product, User

DEMO_ORG = "demo"
DEMO_EMAIL = "owner@example.com"
# The catalogue a demo shop imports, as an owner would (`playbooks products import`); its competitors'
# pages (scheduler/demo/pages) sell many of the same items, so a price comparison finds real gaps.
CATALOGUE = Path(__file__).with_name("products.csv")


def seed_demo(engine: Engine, clock: Clock = SYSTEM_CLOCK) -> bool:
    """Create the demo org on a database that has none; returns whether it seeded anything."""
    with Session(engine) as session:
        if session.exec(select(Organization)).first() is not None:
            return False
        session.add(Organization(id=DEMO_ORG, name="Demo Dispensary", timezone="America/New_York"))
        session.add(User(org_id=DEMO_ORG, email=DEMO_EMAIL, name="Demo Owner"))
        products = [
            Product(org_id=DEMO_ORG, sku=row.sku, name=row.name, category=row.category, price=row.price, cost=row.cost,
                    quantity=row.quantity, reorder_point=row.reorder_point)
            for row in parse_catalogue(CATALOGUE.read_text(encoding="utf-8"))
        ]
        session.add_all(products)
        session.flush()
        rng = random.Random(42)  # the same demo data every time
        now = clock.now()
        for day in range(30, -1, -1):
            for _ in range(rng.randint(6, 14)):
                placed = now - timedelta(days=day, hours=rng.randint(0, 12), minutes=rng.randint(0, 59))
                order = Order(org_id=DEMO_ORG, placed_at=placed, total=0.0)
                session.add(order)
                total = 0.0
                for product in rng.sample(products, rng.randint(1, 3)):
                    qty = rng.randint(1, 3)
                    session.add(OrderItem(order_id=order.id, product_id=product.id, quantity=qty, unit_price=product.price))
                    total += qty * product.price
                order.total = round(total, 2)
        session.commit()
    return True
