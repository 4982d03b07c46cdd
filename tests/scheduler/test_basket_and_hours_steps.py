"""basket_analysis and busiest_hours on the demo's orders (real SQLite and PostgreSQL), against figures computed here."""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from scheduler.store.tables import Order, OrderItem, Product
from tests.conftest import running
from tests.scheduler.test_margins_and_stock_steps import NOW, catalogue, clock, run_steps

NY = ZoneInfo("America/New_York")


async def test_basket_analysis_counts_pairs_bought_together_with_support_confidence_and_lift(store_settings):
    async with running(store_settings, clock=clock()) as runtime:
        with Session(runtime.engine) as session:  # a real affinity: rolling papers go with every 7g bag of Blue Dream
            products = {p.name: p for p in session.exec(select(Product).where(Product.org_id == "demo"))}
            for day in range(12):
                order = Order(org_id="demo", placed_at=NOW - timedelta(days=day, hours=2), total=0.0)
                session.add(order)
                session.flush()
                for name in ("Blue Dream 7g", "House Shake 7g"):
                    session.add(OrderItem(order_id=order.id, product_id=products[name].id, quantity=1, unit_price=1.0))
            session.commit()
        found, strict = await run_steps(runtime, [
            {"action": "basket_analysis", "params": {"days": 30, "min_orders": 3, "min_lift": 0, "top": 100}},
            {"action": "basket_analysis", "params": {"days": 30}},
        ])
        names = {p.id: p.name for p in catalogue(runtime.engine)}
        with Session(runtime.engine) as session:
            rows = session.exec(select(OrderItem, Order).where(OrderItem.order_id == Order.id)).all()
    baskets: dict[str, set[str]] = defaultdict(set)
    for item, order in rows:
        if NOW - timedelta(days=30) <= order.placed_at < NOW:
            baskets[order.id].add(names[item.product_id])
    single = Counter(n for b in baskets.values() for n in b)
    pairs = Counter(frozenset(p) for b in baskets.values() for p in ((x, y) for x in b for y in b if x < y))
    expected = {pair: n for pair, n in pairs.items() if n >= 3}
    assert {frozenset((p["first"], p["second"])): p["orders"] for p in found["pairs"]} == expected
    assert found["pair_count"] == len(expected) and found["orders"] == len(baskets)
    assert found["multi_item_orders"] == sum(1 for b in baskets.values() if len(b) > 1)
    top = found["pairs"][0]
    assert {top["first"], top["second"]} == {"Blue Dream 7g", "House Shake 7g"} and top["orders"] == max(expected.values())
    a, b, n = top["first"], top["second"], top["orders"]
    assert single[a] >= single[b]  # read from the more common product
    assert top["support_pct"] == round(n / len(baskets) * 100, 2) and top["confidence_pct"] == round(n / single[a] * 100, 1)
    assert top["lift"] == round(n * len(baskets) / (single[a] * single[b]), 2) > 1.2
    assert strict["top_pair"] == f"{a} + {b}"
    assert all(p["orders"] >= 5 and p["lift"] >= 1.2 for p in strict["pairs"])
    assert [p["orders"] for p in found["pairs"]] == sorted((p["orders"] for p in found["pairs"]), reverse=True)


async def test_busiest_hours_groups_the_orders_by_local_hour_and_weekday(settings):
    async with running(settings, clock=clock()) as runtime:
        (hours,) = await run_steps(runtime, [{"action": "busiest_hours", "params": {"days": 28}}])
        with Session(runtime.engine) as session:
            orders = list(session.exec(select(Order).where(Order.org_id == "demo")))
    today = NOW.astimezone(NY).date()
    start, end = datetime.combine(today - timedelta(days=28), time(0), NY), datetime.combine(today, time(0), NY)
    chosen = [o for o in orders if start <= o.placed_at < end]
    per_hour = Counter(o.placed_at.astimezone(NY).hour for o in chosen)
    per_weekday = Counter(o.placed_at.astimezone(NY).weekday() for o in chosen)
    assert hours["orders"] == len(chosen)
    assert {h["hour"]: h["orders"] for h in hours["by_hour"]} == dict(per_hour)
    busiest = max(per_hour, key=lambda h: (per_hour[h], -h))
    assert hours["busiest_hour"] == busiest and hours["quietest_hour"] == min(per_hour, key=lambda h: (per_hour[h], h))
    fri = hours["by_weekday"][4]
    assert fri["weekday"] == "Fri" and fri["orders"] == per_weekday[4] and fri["orders_per_day"] == round(per_weekday[4] / 4, 2)
    revenue = round(sum(o.total for o in chosen if o.placed_at.astimezone(NY).hour == busiest), 2)
    assert next(h for h in hours["by_hour"] if h["hour"] == busiest)["revenue"] == revenue
    assert hours["busiest_weekday"] in ("Fri", "Sat")  # the demo is busier at the end of the week
    assert hours["summary"].startswith(f"Busiest hours over 28 days ({len(chosen)} orders): {busiest:02d}:00 is the busiest hour")
