"""analyze_margins, inventory_value, dead_stock on the demo shop (real SQLite), checked against figures computed here."""
from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from scheduler.domain.clock import Clock
from scheduler.runs.history import get_execution
from scheduler.store.tables import Order, OrderItem, Product
from tests.conftest import run_now, running

NOW = datetime(2026, 11, 26, 13, 55, tzinfo=UTC)  # 08:55 in New York, a Thursday


def clock() -> Clock:
    return Clock(NOW - datetime.now(UTC))


async def run_steps(runtime, steps, key="more") -> list[dict]:
    playbook = runtime.playbooks.create("demo", {"name": f"More {key}", "agent": "pops", "triggers": [{"type": "manual"}],
                                                 "steps": steps})
    done = get_execution(runtime.engine, "demo", await run_now(runtime, playbook, key))
    assert done["status"] == "completed", done
    return [s["output"] for s in done["stepResults"]]


def catalogue(engine) -> list[Product]:
    with Session(engine) as session:
        return list(session.exec(select(Product).where(Product.org_id == "demo")))


def sold_since(engine, since: datetime) -> dict[str, tuple[int, float]]:
    """Product id -> (units, revenue) of orders placed since `since`, added up here from the lines."""
    sold: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    with Session(engine) as session:
        for item, order in session.exec(select(OrderItem, Order).where(OrderItem.order_id == Order.id)):
            if since <= order.placed_at < NOW:
                sold[item.product_id][0] += item.quantity
                sold[item.product_id][1] += item.quantity * item.unit_price
    return {k: (int(u), r) for k, (u, r) in sold.items()}


async def test_analyze_margins_gives_each_category_its_margin_and_lists_the_products_under_the_floor(store_settings):
    async with running(store_settings, clock=clock()) as runtime:
        with Session(runtime.engine) as session:  # one product with no cost: left out, named
            session.add(Product(org_id="demo", name="Mystery Tin", category="Accessories", price=12.0, cost=0.0, quantity=3))
            session.commit()
        every, flower = await run_steps(runtime, [
            {"action": "analyze_margins", "params": {"floor_pct": 55}},
            {"action": "analyze_margins", "params": {"floor_pct": 0, "categories": ["flower"], "sales_days": 7}},
        ])
        products = [p for p in catalogue(runtime.engine) if p.cost > 0]
        sold = sold_since(runtime.engine, NOW - timedelta(days=30))
        sold_7 = sold_since(runtime.engine, NOW - timedelta(days=7))
    groups: dict[str, list[Product]] = defaultdict(list)
    for p in products:
        groups[p.category].append(p)
    expected = {c: round((sum(p.price for p in ps) - sum(p.cost for p in ps)) / sum(p.price for p in ps) * 100, 1)
                for c, ps in groups.items()}
    got = {c["category"]: c["margin_pct"] for c in every["categories"]}
    assert got == expected and len(got) > 3
    assert every["min_margin_pct"] == min(expected.values()) and every["max_margin_pct"] == max(expected.values())
    assert [c["margin_pct"] for c in every["categories"]] == sorted(expected.values())
    assert every["lowest_category"] == min(expected, key=lambda c: (expected[c], c))
    under = {p.name for p in products if (p.price - p.cost) / p.price * 100 < 55}
    assert {m["product"] for m in every["below_floor"]} == under and every["below_floor_count"] == len(under) > 0
    assert every["no_cost"] == ["Mystery Tin"] and "Mystery Tin" not in every["summary"]
    one = next(c for c in every["categories"] if c["category"] == "Flower")
    revenue = sum(sold[p.id][1] for p in groups["Flower"] if p.id in sold)
    profit = revenue - sum(sold[p.id][0] * p.cost for p in groups["Flower"] if p.id in sold)
    assert one["revenue"] == round(revenue, 2) and one["gross_profit"] == round(profit, 2)
    assert one["realised_margin_pct"] == round(round(profit, 2) / round(revenue, 2) * 100, 1)
    assert [c["category"] for c in flower["categories"]] == ["Flower"] and flower["below_floor"] == []
    assert flower["categories"][0]["units_sold"] == sum(sold_7[p.id][0] for p in groups["Flower"] if p.id in sold_7)
    assert "No product is below 0%." in flower["summary"]


async def test_inventory_value_prices_the_stock_on_hand_at_cost_and_at_retail_by_category(store_settings):
    async with running(store_settings, clock=clock()) as runtime:
        (value,) = await run_steps(runtime, [{"action": "inventory_value", "params": {}}])
        products = [p for p in catalogue(runtime.engine) if p.quantity > 0]
    assert value["total_units"] == sum(p.quantity for p in products)
    assert value["total_cost_value"] == round(sum(p.quantity * p.cost for p in products), 2)
    assert value["total_retail_value"] == round(sum(p.quantity * p.price for p in products), 2)
    flower = next(c for c in value["categories"] if c["category"] == "Flower")
    assert flower["retail_value"] == round(sum(p.quantity * p.price for p in products if p.category == "Flower"), 2)
    assert [c["retail_value"] for c in value["categories"]] == sorted((c["retail_value"] for c in value["categories"]), reverse=True)
    assert f"${value['total_retail_value']:,.2f} at retail" in value["summary"]


async def test_dead_stock_lists_stocked_products_with_no_sale_in_the_window_and_never_sold_ones_first(store_settings):
    async with running(store_settings, clock=clock()) as runtime:
        with Session(runtime.engine) as session:
            session.add(Product(org_id="demo", name="Dusty Bong", category="Accessories", price=60.0, cost=25.0, quantity=4))
            session.add(Product(org_id="demo", name="Gone Grinder", category="Accessories", price=20.0, cost=8.0, quantity=0))
            session.commit()
        month, three = await run_steps(runtime, [
            {"action": "dead_stock", "params": {"days": 30}},
            {"action": "dead_stock", "params": {"days": 3}},
        ])
        products = {p.id: p for p in catalogue(runtime.engine)}
        last: dict[str, datetime] = {}
        with Session(runtime.engine) as session:
            for item, order in session.exec(select(OrderItem, Order).where(OrderItem.order_id == Order.id)):
                if order.placed_at < NOW:
                    last[item.product_id] = max(last.get(item.product_id, order.placed_at), order.placed_at)
    def dead(days: int) -> set[str]:
        return {p.name for pid, p in products.items()
                if p.quantity > 0 and (pid not in last or (NOW - last[pid]).days >= days)}
    assert {i["product"] for i in month["items"]} == dead(30) and "Dusty Bong" in dead(30)
    assert {i["product"] for i in three["items"]} == dead(3) and len(dead(3)) > len(dead(30))
    assert month["items"][0] == {"product": "Dusty Bong", "sku": None, "category": "Accessories", "quantity": 4,
                                 "last_sold": None, "days_since_sale": None, "cost_value": 100.0}
    assert three["tied_up_cost"] == round(sum(p.quantity * p.cost for p in products.values() if p.name in dead(3)), 2)
    idle = [i["days_since_sale"] for i in three["items"][1:]]
    assert idle == sorted(idle, reverse=True) and all(d >= 3 for d in idle)
    assert "Gone Grinder" not in {i["product"] for i in three["items"]}
