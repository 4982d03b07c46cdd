"""price_history and discount_impact: a price approved through the real approval flow, prices charged in real orders."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from scheduler.domain.clock import Clock
from scheduler.runs.history import get_execution
from scheduler.store.tables import Order, OrderItem, Product, SideEffect
from tests.conftest import run_now, running
from tests.scheduler.test_approvals import waiting_suggestion
from tests.scheduler.test_margins_and_stock_steps import NOW, clock, run_steps

LATER = NOW + timedelta(days=7)


def lines_of(engine, product_id: str) -> list[tuple[OrderItem, Order]]:
    with Session(engine) as session:
        rows = session.exec(select(OrderItem, Order).where(OrderItem.order_id == Order.id, OrderItem.product_id == product_id))
        return sorted(rows, key=lambda r: (r[1].placed_at, r[1].id, r[0].id))


async def test_price_history_and_the_impact_of_an_approved_price_cut(store_settings):
    async with running(store_settings, clock=clock()) as runtime:  # today: a suggestion approved, the price cut
        target, _, _, approval = await waiting_suggestion(runtime)
        decided = runtime.approvals.decide("demo", approval.id, "approve", by="owner")
        new_price = decided.price_change["new_price"]
        with Session(runtime.engine, expire_on_commit=False) as session:
            changed_at = session.get(SideEffect, f"approval:{approval.id}").created_at
            other = session.exec(select(Product).where(Product.org_id == "demo", Product.name == "Sour Diesel 3.5g")).one()
            # Sour Diesel was sold for $2 less from 20 days ago (an import changed it; no approval says so).
            for item, order in lines_of(runtime.engine, other.id):
                if order.placed_at >= NOW - timedelta(days=20):
                    session.get(OrderItem, item.id).unit_price = other.price - 2
            session.commit()
    async with running(store_settings, clock=Clock(LATER - datetime.now(UTC))) as runtime:  # a week on: sold at the new price
        with Session(runtime.engine) as session:
            for day in range(7):
                for hour in (15, 19):
                    order = Order(org_id="demo", placed_at=NOW + timedelta(days=day, hours=hour - 13), total=new_price)
                    session.add(order)
                    session.flush()
                    session.add(OrderItem(order_id=order.id, product_id=target.id, quantity=1, unit_price=new_price))
            session.commit()
        history, one, impact, sour, missing = await run_steps(runtime, [
            {"action": "price_history", "params": {"days": 30}},
            {"action": "price_history", "params": {"product": target.sku or target.name}},
            {"action": "discount_impact", "params": {"product": target.name}},
            {"action": "discount_impact", "params": {"product": "sour diesel 3.5G", "days": 7}},
            {"action": "discount_impact", "params": {"product": "Gorilla Glue #4 28g"}},
        ], key="later")
        target_lines = lines_of(runtime.engine, target.id)
        sour_lines = lines_of(runtime.engine, other.id)
    first_cut = next(o.placed_at for i, o in sour_lines if i.unit_price == other.price - 2)
    expected = sorted([(first_cut, "Sour Diesel 3.5g", other.price, other.price - 2, "sales"),
                       (changed_at, target.name, target.price, new_price, "approval")])
    got = [(datetime.fromisoformat(c["at"]), c["product"], c["old_price"], c["new_price"], c["source"]) for c in history["changes"]]
    assert got == expected  # the week at the new price is the approval's change, not a second one
    assert history["change_count"] == 2 and history["products_changed"] == 2
    assert history["changes"][1]["change_pct"] == round((new_price - target.price) / target.price * 100, 1)
    assert [c["product"] for c in one["changes"]] == [target.name]

    def side(lines, start, end):
        sold = [(i.quantity, i.unit_price) for i, o in lines if start <= o.placed_at < end]
        return sum(q for q, _ in sold), round(sum(q * p for q, p in sold), 2)

    units_before, revenue_before = side(target_lines, changed_at - timedelta(days=14), changed_at)
    units_after, revenue_after = side(target_lines, changed_at, LATER + timedelta(hours=1))
    assert (impact["old_price"], impact["new_price"]) == (target.price, new_price)
    assert datetime.fromisoformat(impact["changed_at"]) == changed_at
    assert (impact["before"]["units"], impact["before"]["revenue"], impact["before"]["days"]) == (units_before, revenue_before, 14)
    assert (impact["after"]["units"], impact["after"]["revenue"]) == (units_after, revenue_after) == (14, round(14 * new_price, 2))
    days_after = impact["after"]["days"]
    assert 7 <= days_after < 7.01
    per_day_before, per_day_after = round(units_before / 14, 2), round(14 / days_after, 2)
    assert impact["units_change_pct"] == round((per_day_after - per_day_before) / per_day_before * 100, 1)
    price_move = round((new_price - target.price) / target.price * 100, 1)
    assert impact["elasticity"] == round(impact["units_change_pct"] / price_move, 2)
    assert impact["summary"].startswith(f"{target.name}: price changed from ${target.price:,.2f} to ${new_price:,.2f}")
    assert datetime.fromisoformat(sour["changed_at"]) == first_cut and sour["before"]["days"] == 7
    assert sour["before"]["average_price"] == other.price and sour["after"]["average_price"] == other.price - 2
    assert missing["changed_at"] is None and missing["before"] is None and "no price change" in missing["summary"]


async def test_an_unknown_product_fails_the_step_naming_some_that_exist(settings):
    async with running(settings, clock=clock()) as runtime:
        playbook = runtime.playbooks.create("demo", {"name": "Impact", "agent": "money_mike", "triggers": [{"type": "manual"}],
                                                     "steps": [{"action": "discount_impact", "params": {"product": "Unobtainium"}}]})
        run = get_execution(runtime.engine, "demo", await run_now(runtime, playbook))
    assert run["status"] == "failed" and "no product named 'Unobtainium' (for example: " in run["stepResults"][0]["error"]
