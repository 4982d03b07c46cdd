"""sales_forecast, order_anomalies, daily_summary on the demo shop (real SQLite), against figures computed here."""
from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from statistics import median
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from scheduler.store.tables import Customer, Order, OrderItem, Product
from tests.conftest import running
from tests.scheduler.test_margins_and_stock_steps import NOW, catalogue, clock, run_steps

NY = ZoneInfo("America/New_York")


def lines(engine) -> list[tuple[OrderItem, Order]]:
    with Session(engine) as session:
        return list(session.exec(select(OrderItem, Order).where(OrderItem.order_id == Order.id)))


async def test_sales_forecast_is_each_products_rate_times_the_weekday_pattern_of_the_coming_days(store_settings):
    async with running(store_settings, clock=clock()) as runtime:
        (forecast,) = await run_steps(runtime, [{"action": "sales_forecast", "params": {"days": 7, "history_days": 28, "top": 50}}])
        rows = lines(runtime.engine)
        products = {p.id: p for p in catalogue(runtime.engine)}
    today = NOW.astimezone(NY).date()
    first = today - timedelta(days=28)
    start, end = datetime.combine(first, time(0), NY), datetime.combine(today, time(0), NY)
    per_day: dict[date, int] = defaultdict(int)
    per_product: dict[str, int] = defaultdict(int)
    for item, order in rows:
        if start <= order.placed_at < end:
            per_day[order.placed_at.astimezone(NY).date()] += item.quantity
            per_product[item.product_id] += item.quantity
    mean = sum(per_day.values()) / 28
    factor = {w: sum(u for d, u in per_day.items() if d.weekday() == w) / 4 / mean for w in range(7)}  # 4 of each weekday
    shape = sum(factor[(today + timedelta(days=i)).weekday()] for i in range(1, 8))
    assert factor[4] > 1 and factor[5] > 1  # the demo is busier on Fridays and Saturdays
    assert forecast["weekday_factors"]["Fri"] == round(factor[4], 2) and forecast["start"] == "2026-11-27"
    assert forecast["end"] == "2026-12-03"
    for f in forecast["forecasts"]:
        pid = next(k for k, p in products.items() if p.name == f["product"])
        assert f["forecast_units"] == round(per_product[pid] / 28 * shape, 1)
        assert f["short"] is (f["forecast_units"] > products[pid].quantity)
    units = [f["forecast_units"] for f in forecast["forecasts"]]
    assert units == sorted(units, reverse=True) and len(units) == 41
    assert forecast["total_units"] == round(sum(units), 1)
    assert forecast["short_count"] == sum(f["short"] for f in forecast["forecasts"]) > 0  # Pineapple Express is out


async def test_order_anomalies_flags_orders_far_from_the_median_by_a_robust_z_score(store_settings):
    async with running(store_settings, clock=clock()) as runtime:
        with Session(runtime.engine) as session:
            product = session.exec(select(Product).where(Product.org_id == "demo")).first()
            big = Order(org_id="demo", placed_at=NOW - timedelta(hours=3), total=2400.0)
            session.add(big)
            session.flush()
            session.add(OrderItem(order_id=big.id, product_id=product.id, quantity=40, unit_price=60.0))
            session.commit()
            big_id = big.id
        (found,) = await run_steps(runtime, [{"action": "order_anomalies", "params": {"days": 7, "baseline_days": 90}}])
        with Session(runtime.engine) as session:
            orders = [o for o in session.exec(select(Order)) if NOW - timedelta(days=90) <= o.placed_at < NOW]
    totals = [o.total for o in orders]
    centre = median(totals)
    mad = median(abs(t - centre) for t in totals)
    recent = [o for o in orders if o.placed_at >= NOW - timedelta(days=7)]
    expected = {o.id for o in recent if abs(0.6745 * (o.total - centre) / mad) > 3.5}
    assert {a["order_id"] for a in found["anomalies"]} == expected and big_id in expected
    assert found["anomalies"][0]["order_id"] == big_id and found["anomalies"][0]["direction"] == "high"
    assert found["anomalies"][0]["z"] == round(0.6745 * (2400 - centre) / mad, 2)
    assert (found["median_total"], found["mad"]) == (round(centre, 2), round(mad, 2))
    assert (found["orders_checked"], found["baseline_orders"], found["anomaly_count"]) == (len(recent), len(orders), len(expected))
    assert f"{big_id}: $2,400.00 (high" in found["summary"]


async def test_daily_summary_gives_yesterdays_orders_revenue_new_customers_and_low_stock(store_settings):
    async with running(store_settings, clock=clock()) as runtime:
        with Session(runtime.engine) as session:  # a first-time customer yesterday
            newcomer = Customer(org_id="demo", name="New Person", email="new@example.net")
            session.add(newcomer)
            session.flush()
            session.add(Order(org_id="demo", customer_id=newcomer.id, placed_at=datetime(2026, 11, 25, 20, 0, tzinfo=UTC),
                              total=0.0))
            session.commit()
        (day,) = await run_steps(runtime, [{"action": "daily_summary", "params": {}}])
        with Session(runtime.engine) as session:
            orders = list(session.exec(select(Order)))
        products = catalogue(runtime.engine)
    start, end = datetime(2026, 11, 25, tzinfo=NY), datetime(2026, 11, 26, tzinfo=NY)
    that_day = [o for o in orders if start <= o.placed_at < end]
    first_order: dict[str, datetime] = {}
    for o in orders:
        if o.customer_id:
            first_order[o.customer_id] = min(first_order.get(o.customer_id, o.placed_at), o.placed_at)
    assert day["date"] == "2026-11-25" and day["order_count"] == len(that_day)
    assert day["revenue"] == round(sum(o.total for o in that_day), 2)
    assert day["average_order"] == round(day["revenue"] / len(that_day), 2)
    assert day["new_customers"] == sum(start <= t < end for t in first_order.values()) >= 1
    low = [p for p in products if p.quantity <= p.reorder_point]
    assert day["low_stock_count"] == len(low) and day["low_stock"][0] == "Pineapple Express 3.5g"
    assert day["summary"].startswith(f"Wednesday Nov 25: {len(that_day)} orders")
