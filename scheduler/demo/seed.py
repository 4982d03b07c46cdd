"""The demo organisation: a shop in New York with products, stock levels and a month of orders."""
from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from scheduler.domain.clock import SYSTEM_CLOCK, Clock
from scheduler.store.tables import Order, OrderItem, Organization, Product, User

DEMO_ORG = "demo"
DEMO_EMAIL = "owner@example.com"
PRODUCTS = [
    # name, category, price, cost, quantity, reorder point
    ("Blue Dream 3.5g", "flower", 45.0, 22.0, 40, 15),
    ("OG Kush 3.5g", "flower", 50.0, 24.0, 8, 12),
    ("Sour Diesel Pre-roll", "pre-rolls", 12.0, 5.0, 120, 30),
    ("Gummies 10-pack", "edibles", 25.0, 10.0, 60, 20),
    ("Dark Chocolate Bar", "edibles", 20.0, 9.0, 0, 10),
    ("Vape Cartridge 1g", "vapes", 55.0, 30.0, 25, 10),
    ("CBD Tincture 30ml", "wellness", 60.0, 28.0, 18, 8),
    ("Rolling Papers", "accessories", 3.0, 1.0, 300, 50),
]


def seed_demo(engine: Engine, clock: Clock = SYSTEM_CLOCK) -> bool:
    """Create the demo org on a database that has none; returns whether it seeded anything."""
    with Session(engine) as session:
        if session.exec(select(Organization)).first() is not None:
            return False
        session.add(Organization(id=DEMO_ORG, name="Demo Dispensary", timezone="America/New_York"))
        session.add(User(org_id=DEMO_ORG, email=DEMO_EMAIL, name="Demo Owner"))
        products = [
            Product(org_id=DEMO_ORG, name=n, category=c, price=p, cost=k, quantity=q, reorder_point=r)
            for n, c, p, k, q, r in PRODUCTS
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
