"""Pops's steps on the demo shop: check_inventory, create_reorder_list, top_sellers, export_csv (real SQLite, real files)."""
from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from scheduler.domain.clock import Clock
from scheduler.runs.history import get_execution
from scheduler.store.action_tables import Draft
from scheduler.store.repositories.organizations import OrganizationRepository
from scheduler.store.tables import Customer, Order, OrderItem, Product
from tests.conftest import run_now, running

NOW = datetime(2026, 11, 26, 13, 55, tzinfo=UTC)  # 08:55 in New York, a Thursday
NY = ZoneInfo("America/New_York")


@pytest.fixture(params=["sqlite", "postgres"])
def store_settings(request):
    """The embedded SQLite file, and PostgreSQL (skipped without a server unless CI=true)."""
    return request.getfixturevalue("settings" if request.param == "sqlite" else "pg_settings")


def clock() -> Clock:
    return Clock(NOW - datetime.now(UTC))


async def run_steps(runtime, steps, org="demo", key="ops") -> list[dict]:
    playbook = runtime.playbooks.create(org, {"name": f"Ops {key}", "agent": "pops", "triggers": [{"type": "manual"}],
                                              "steps": steps})
    done = get_execution(runtime.engine, org, await run_now(runtime, playbook, key))
    assert done["status"] == "completed", done
    return [s["output"] for s in done["stepResults"]]


def units_sold(engine, start: datetime, end: datetime, org="demo") -> dict[str, tuple[int, float]]:
    """Product id -> (units, revenue) in [start, end), added up here from the order lines."""
    sold: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    with Session(engine) as session:
        for item, order in session.exec(select(OrderItem, Order).where(OrderItem.order_id == Order.id, Order.org_id == org)):
            if start <= order.placed_at < end:
                sold[item.product_id][0] += item.quantity
                sold[item.product_id][1] += item.quantity * item.unit_price
    return {k: (int(u), r) for k, (u, r) in sold.items()}


def products(engine, org="demo") -> dict[str, Product]:
    with Session(engine) as session:
        return {p.name: p for p in session.exec(select(Product).where(Product.org_id == org))}


async def test_check_inventory_lists_low_and_out_of_stock_items_with_days_of_cover_from_recent_sales(store_settings):
    async with running(store_settings, clock=clock()) as runtime:
        low, out, every, under_20 = await run_steps(runtime, [
            {"action": "check_inventory", "params": {"filter": "low_stock"}},
            {"action": "check_inventory", "params": {"filter": "out_of_stock"}},
            {"action": "check_inventory", "params": {"filter": "all"}},
            {"action": "check_inventory", "params": {"filter": "low_stock", "threshold": 20}},
        ])
        catalogue = products(runtime.engine)
        sold = units_sold(runtime.engine, NOW - timedelta(days=28), NOW)
    assert [i["product"] for i in low["items"]] == ["Pineapple Express 3.5g", "Granddaddy Purple 3.5g"]  # out first
    assert (low["low_stock_count"], low["out_of_stock_count"], low["product_count"]) == (2, 1, 41)
    purple = low["items"][1]
    rate = sold[catalogue["Granddaddy Purple 3.5g"].id][0] / 28
    assert (purple["quantity"], purple["reorder_point"], purple["status"]) == (3, 8, "low_stock")
    assert purple["daily_sales"] == round(rate, 2) and purple["days_of_cover"] == round(3 / rate, 1)
    assert low["items"][0]["days_of_cover"] == 0 and low["items"][0]["status"] == "out_of_stock"
    assert [i["product"] for i in out["items"]] == ["Pineapple Express 3.5g"]
    assert len(every["items"]) == 41 and [i["status"] for i in every["items"][:2]] == ["out_of_stock", "low_stock"]
    assert {i["product"] for i in under_20["items"]} == {n for n, p in catalogue.items() if p.quantity <= 20}
    assert "Granddaddy Purple 3.5g: 3 left (reorder at 8; about" in low["summary"]


async def test_the_reorder_list_is_sized_by_sales_velocity_and_lead_time_and_only_drafted(store_settings):
    async with running(store_settings, clock=clock()) as runtime:
        before = {n: p.quantity for n, p in products(runtime.engine).items()}
        [reorder] = await run_steps(runtime, [{"action": "create_reorder_list",
                                               "params": {"lead_time_days": 5, "cover_days": 10,
                                                          "lead_time_by_category": {"Flower": 12}}}])
        catalogue = products(runtime.engine)
        sold = units_sold(runtime.engine, NOW - timedelta(days=28), NOW)
        with Session(runtime.engine) as session:
            [draft] = session.exec(select(Draft).where(Draft.kind == "reorder_list")).all()
    assert {n: p.quantity for n, p in catalogue.items()} == before  # a draft, not an order
    assert [i["product"] for i in reorder["items"]] == ["Pineapple Express 3.5g", "Granddaddy Purple 3.5g"]
    for item in reorder["items"]:
        p = catalogue[item["product"]]
        rate = sold[p.id][0] / 28
        assert item["lead_time_days"] == 12  # both are Flower
        assert item["order_quantity"] == math.ceil(rate * (12 + 10)) + p.reorder_point - p.quantity
        assert item["basis"] == "sales velocity"
    assert reorder["total_units"] == sum(i["order_quantity"] for i in reorder["items"])
    assert draft.id == reorder["draft_id"] and draft.data["items"] == reorder["items"]
    assert "Pineapple Express 3.5g: order" in draft.body
    first = reorder["items"][0]
    assert reorder["summary"].splitlines()[1] == (f"  - Pineapple Express 3.5g: order {first['order_quantity']} (have 0, "
                                                  f"sells {first['daily_sales']:g} a day, 12 days lead time)")


async def test_top_sellers_rank_by_units_or_revenue_and_the_slowest_include_what_sold_nothing(store_settings):
    async with running(store_settings, clock=clock()) as runtime:
        by_units, by_revenue, slowest = await run_steps(runtime, [
            {"action": "top_sellers", "params": {"period": "last week", "top": 3}},  # `top`, as the planner writes it
            {"action": "top_sellers", "params": {"period": "last_week", "count": 3, "by": "revenue"}},
            {"action": "top_sellers", "params": {"period": "yesterday", "count": 41, "rank": "slowest"}},
        ])
        names = {p.id: p.name for p in products(runtime.engine).values()}
        week = units_sold(runtime.engine, datetime(2026, 11, 16, tzinfo=NY), datetime(2026, 11, 23, tzinfo=NY))
        yesterday = units_sold(runtime.engine, datetime(2026, 11, 25, tzinfo=NY), datetime(2026, 11, 26, tzinfo=NY))
    ranked = sorted(week.items(), key=lambda kv: (-kv[1][0], names[kv[0]]))
    assert [(s["product"], s["units"]) for s in by_units["sellers"]] == [(names[k], u) for k, (u, _) in ranked[:3]]
    assert by_units["best"] == names[ranked[0][0]] and by_units["total_units"] == sum(u for u, _ in week.values())
    assert by_units["sellers"][0]["share_pct"] == round(100 * ranked[0][1][0] / by_units["total_units"], 1)
    ranked = sorted(week.items(), key=lambda kv: (-kv[1][1], names[kv[0]]))
    assert [s["product"] for s in by_revenue["sellers"]] == [names[k] for k, _ in ranked[:3]]
    assert len(slowest["sellers"]) == 41  # every product, those that sold nothing first
    unsold = sorted(n for k, n in names.items() if k not in yesterday)
    assert unsold and [s["product"] for s in slowest["sellers"][:len(unsold)]] == unsold
    assert all(s["units"] == 0 for s in slowest["sellers"][:len(unsold)])
    assert by_units["summary"].startswith("Top sellers last week, by units:\n  1. ")


def read_csv(settings, output) -> list[dict]:
    path = settings.home / "files" / output["file"]["path"]
    data = path.read_bytes()
    assert output["file"]["bytes"] == len(data) and path.parent == settings.home / "files" / "demo"
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert output["row_count"] == len(rows) and list(rows[0]) == output["columns"] if rows else True
    return rows


async def test_export_csv_writes_each_data_set_for_its_period_as_a_file(store_settings):
    async with running(store_settings, clock=clock()) as runtime:
        with Session(runtime.engine) as session:  # a name typed by a customer, which a spreadsheet would run
            customer = session.exec(select(Customer).where(Customer.org_id == "demo").order_by(Customer.name)).first()
            customer.name = '=HYPERLINK("http://evil.example","click")'
            session.add(customer)
            session.commit()
            yesterday_orders = [o for o in session.exec(select(Order).where(Order.org_id == "demo"))
                                if datetime(2026, 11, 25, tzinfo=NY) <= o.placed_at < datetime(2026, 11, 26, tzinfo=NY)]
        orders, sales, customers, stock, catalogue = await run_steps(runtime, [
            {"action": "export_csv", "params": {"dataset": "orders", "period": "yesterday"}},
            {"action": "export_csv", "params": {"dataset": "sales", "period": "yesterday"}},  # the planner's word
            {"action": "export_csv", "params": {"dataset": "customers", "period": "last_90_days"}},
            {"action": "export_csv", "params": {"dataset": "inventory"}},
            {"action": "export_csv", "params": {"dataset": "products", "period": "last_30_days"}},
        ])
        with Session(runtime.engine) as session:
            lines = session.exec(select(OrderItem).where(OrderItem.order_id.in_([o.id for o in yesterday_orders]))).all()
        sold = units_sold(runtime.engine, datetime(2026, 10, 27, tzinfo=NY), datetime(2026, 11, 26, tzinfo=NY))
        by_name = products(runtime.engine)
    rows = read_csv(store_settings, orders)
    assert orders["dataset"] == sales["dataset"] == "orders" and len(rows) == len(lines) > 0
    assert {r["order_id"] for r in rows} == {o.id for o in yesterday_orders}
    assert all(r["placed_at"].startswith("2026-11-25T") and r["placed_at"].endswith("-05:00") for r in rows)
    assert orders["file"]["name"].startswith("orders-2026-11-25-") and orders["file"]["content_type"] == "text/csv"
    people = read_csv(store_settings, customers)
    assert "'=HYPERLINK(\"http://evil.example\",\"click\")" in {r["name"] for r in people}  # kept as text
    assert all(r["phone"].startswith("+1") for r in people if r["phone"])  # a number is not a formula
    spend = [float(r["spend"]) for r in people]
    assert spend == sorted(spend, reverse=True)
    inventory = {r["product"]: r for r in read_csv(store_settings, stock)}
    assert len(inventory) == 41 and inventory["Pineapple Express 3.5g"]["status"] == "out_of_stock"
    products_rows = {r["product"]: r for r in read_csv(store_settings, catalogue)}
    for name, row in products_rows.items():
        assert int(row["units_sold"]) == sold.get(by_name[name].id, (0, 0.0))[0]
    assert catalogue["summary"].startswith("Exported 41 rows of products (last 30 days) to products-")


async def test_another_organisations_steps_see_none_of_the_demo_shop(store_settings):
    async with running(store_settings, clock=clock()) as runtime:
        await OrganizationRepository(runtime.engine).create("acme", "Acme", "America/Chicago", "me@acme.example")
        inventory, sellers, export = await run_steps(runtime, [
            {"action": "check_inventory", "params": {"filter": "all"}},
            {"action": "top_sellers", "params": {"period": "last_30_days"}},
            {"action": "export_csv", "params": {"dataset": "orders", "period": "last_90_days"}},
        ], org="acme")
    assert inventory["items"] == [] and inventory["product_count"] == 0
    assert sellers["sellers"] == [] and sellers["best"] is None and sellers["summary"].endswith("no sales.")
    assert export["row_count"] == 0 and export["file"]["path"].startswith("acme/")
    assert (store_settings.home / "files" / export["file"]["path"]).read_bytes().decode("utf-8-sig").startswith("order_id,")


@pytest.mark.parametrize("params", [{"dataset": "payroll"}, {"dataset": "orders", "period": "fortnight"}])
async def test_an_export_of_something_we_do_not_keep_is_refused_on_save(settings, params):
    from scheduler.services.validation import PlaybookInvalid
    async with running(settings) as runtime:
        with pytest.raises(PlaybookInvalid, match=r"steps\[0\]\.params\.(dataset|period)"):
            runtime.playbooks.create("demo", {"name": "x", "agent": "pops", "triggers": [{"type": "manual"}],
                                              "steps": [{"action": "export_csv", "params": params}]})
