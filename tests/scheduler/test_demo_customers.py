"""The demo shop's customers and 90 days of orders; loyalty tiers from spend; the customers migration up and down."""
from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import insert, inspect
from sqlmodel import Session, select

from scheduler.demo.seed import DAYS, seed_demo
from scheduler.store.db import MIGRATIONS, make_engine, migrate
from scheduler.store.repositories.customers import LOYALTY_TIERS, LOYALTY_WINDOW, CustomerRepository, loyalty_tier
from scheduler.store.tables import Customer, Order, OrderItem, Organization, Product


@pytest.fixture
def demo(settings):
    """A migrated store with the demo seeded, and the instant it was seeded at."""
    engine = make_engine(settings)
    migrate(engine)
    seeded_at = datetime.now(UTC)
    assert seed_demo(engine) is True
    yield engine, seeded_at
    engine.dispose()


def test_the_demo_shop_has_ninety_days_of_orders_that_add_up(demo):
    engine, seeded_at = demo
    with Session(engine) as session:
        products = {p.id: p for p in session.exec(select(Product))}
        orders = list(session.exec(select(Order)))
        items = list(session.exec(select(OrderItem)))
    assert len(products) == 41 and all(p.cost < p.price and p.reorder_point > 0 for p in products.values())
    assert 700 < len(orders) < 1600
    oldest, newest = min(o.placed_at for o in orders), max(o.placed_at for o in orders)
    assert seeded_at - timedelta(days=DAYS, hours=13) < oldest < seeded_at - timedelta(days=DAYS - 1)
    assert newest <= seeded_at + timedelta(seconds=5)
    assert len({o.placed_at.date() for o in orders}) >= DAYS - 1
    lines = defaultdict(list)
    for item in items:
        lines[item.order_id].append(item)
        assert item.unit_price == products[item.product_id].price
    for order in orders:
        assert 1 <= len(lines[order.id]) <= 3
        assert order.total == pytest.approx(sum(i.quantity * i.unit_price for i in lines[order.id]))


def test_demo_customers_have_contacts_and_the_tier_their_spend_earns(demo):
    engine, seeded_at = demo
    with Session(engine) as session:
        customers = {c.id: c for c in session.exec(select(Customer))}
        orders = list(session.exec(select(Order)))
    assert len(customers) == 150
    assert len({c.email for c in customers.values()}) == 150 and all(c.email.endswith("@example.com") for c in customers.values())
    assert sum(c.phone is not None for c in customers.values()) == 100
    walk_ins = [o for o in orders if o.customer_id is None]
    assert 0.1 < len(walk_ins) / len(orders) < 0.3
    spend: dict[str, float] = defaultdict(float)
    seen: dict[str, list[datetime]] = defaultdict(list)
    for order in orders:
        if order.customer_id is not None:
            assert order.customer_id in customers
            spend[order.customer_id] += order.total if order.placed_at >= seeded_at - LOYALTY_WINDOW else 0.0
            seen[order.customer_id].append(order.placed_at)
    for customer in customers.values():
        assert customer.loyalty_tier == loyalty_tier(spend[customer.id]), customer
        assert customer.first_seen_at is not None and customer.first_seen_at <= customer.last_seen_at
        if seen[customer.id]:
            assert customer.first_seen_at <= min(seen[customer.id]) and customer.last_seen_at >= max(seen[customer.id])
    # A realistic spread: a few big spenders, most in the lower tiers, every tier present.
    tiers = [c.loyalty_tier for c in customers.values()]
    assert all(tiers.count(t) for t in LOYALTY_TIERS)
    assert tiers.count("platinum") < tiers.count("gold") < tiers.count("silver")


def test_the_tier_floors():
    assert [loyalty_tier(s) for s in (0, 249.99, 250, 749.99, 750, 1499.99, 1500, 10_000)] == [
        "bronze", "bronze", "silver", "silver", "gold", "gold", "platinum", "platinum"]


async def test_the_repository_lists_counts_and_refreshes_tiers_from_new_orders(demo):
    engine, _ = demo
    customers = CustomerRepository(engine)
    counts = await customers.tier_counts("demo")
    assert list(counts) == list(LOYALTY_TIERS) and sum(counts.values()) == 150
    assert await customers.tier_counts("nobody") == dict.fromkeys(LOYALTY_TIERS, 0)
    bronze = await customers.list("demo", tier="bronze")
    assert len(bronze) == counts["bronze"] and {c.loyalty_tier for c in bronze} == {"bronze"}
    everyone = await customers.list("demo")
    assert [c.last_seen_at for c in everyone] == sorted((c.last_seen_at for c in everyone), reverse=True)
    # A bronze customer spends big today: the refresh makes them platinum and seen now.
    shopper, later = bronze[-1], datetime.now(UTC) + timedelta(minutes=1)
    with Session(engine) as session:
        session.add(Order(org_id="demo", customer_id=shopper.id, placed_at=later, total=1600.0))
        session.commit()
    assert await customers.refresh("demo", later) == 150
    (again,) = [c for c in await customers.list("demo", tier="platinum") if c.id == shopper.id]
    assert again.last_seen_at == later and again.first_seen_at == shopper.first_seen_at
    assert (await customers.tier_counts("demo"))["bronze"] == counts["bronze"] - 1


def _alembic(engine, *steps: tuple[str, str]) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        for verb, revision in steps:
            getattr(command, verb)(cfg, revision)


def _migrate_over_an_old_order(engine) -> None:
    _alembic(engine, ("upgrade", "0004"))
    stamp = datetime.now(UTC)
    with engine.begin() as conn:
        # Rows as 0004 knew them: no customers, an order with no customer column.
        conn.execute(insert(Organization.__table__), {"id": "acme", "name": "Acme", "timezone": "UTC", "created_at": stamp})
        conn.execute(insert(Order.__table__).values(  # only the columns named: none is new
            id="ord_old", org_id="acme", placed_at=stamp, total=12.5))
    migrate(engine)
    with Session(engine) as session:
        old = session.get(Order, "ord_old")
        assert old is not None and old.customer_id is None and old.total == 12.5
    assert {fk["referred_table"] for fk in inspect(engine).get_foreign_keys("orders")} == {"organizations", "customers"}
    _alembic(engine, ("downgrade", "0004"))
    assert "customers" not in inspect(engine).get_table_names()
    assert "customer_id" not in {c["name"] for c in inspect(engine).get_columns("orders")}
    migrate(engine)
    with Session(engine) as session:
        assert session.get(Order, "ord_old") is not None


def test_the_customers_migration_keeps_old_orders_and_goes_back_down(settings):
    engine = make_engine(settings)
    try:
        _migrate_over_an_old_order(engine)
    finally:
        engine.dispose()


def test_the_customers_migration_on_postgres(pg_settings):
    engine = make_engine(pg_settings)
    try:
        _migrate_over_an_old_order(engine)
        assert seed_demo(engine) is False  # an organisation exists: nothing seeded over it
    finally:
        engine.dispose()
