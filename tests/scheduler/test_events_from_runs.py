"""Events that runs emit: the competitor steps' events start their listeners; a crash before the fan-out is caught up."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlmodel import Session

from scheduler.domain.clock import Clock
from scheduler.events.lapsed import LapsedCustomers
from scheduler.events.log import PENDING
from scheduler.store.event_tables import EventRecord
from scheduler.store.tables import Customer, Execution
from tests.conftest import running
from tests.scheduler.test_competitor_changes import SITES
from tests.scheduler.test_competitor_scan import add, page, run_steps

WATCH = [{"action": "scan_competitors"}, {"action": "detect_price_changes"}, {"action": "track_new_products"}]


def _listen(runtime, event: str, message: str, steps: list | None = None) -> str:
    return runtime.playbooks.create("demo", {
        "name": f"On {event}", "agent": "ezal", "triggers": [{"type": "event", "event": event}],
        "steps": steps or [{"action": "notify", "params": {"title": event, "message": message}}]}).id


def _runs(engine, playbook_id: str) -> list[Execution]:
    with Session(engine) as session:
        return list(session.exec(select(Execution).where(Execution.playbook_id == playbook_id)).scalars())


def _ids(engine, name: str) -> list[str]:
    with Session(engine) as session:
        return list(session.exec(select(Customer.id).where(Customer.name == name)).scalars())


async def test_competitor_steps_emit_and_their_listeners_run_once_per_change(loopback, site):
    for file in SITES.values():
        site.page(f"/{file}", page(file))
    async with running(loopback) as runtime:
        for name, file in SITES.items():
            await add(runtime, name, f"{site.url}/{file}")
        drops = _listen(runtime, "competitor.price_drop", "{{event.competitor}} cut {{event.product_name}} by {{event.drop_pct}}%")
        new = _listen(runtime, "competitor.new_product", "{{event.competitor}} added {{event.product_name}}")
        changes = _listen(runtime, "competitor.price_change", "{{event.product_name}}: {{event.change_percent}}%")
        await run_steps(runtime, WATCH, "day1")
        assert _runs(runtime.engine, drops) == []  # a first scan is a baseline: nothing changed
        for file in SITES.values():
            site.page(f"/{file}", page(f"day2/{file}"))
        run = await run_steps(runtime, WATCH, "day2")
        await runtime.dispatcher.drain()
        assert run["stepResults"][1]["output"]["events_emitted"] == 18  # 9 changes, all drops
        assert run["stepResults"][2]["output"]["events_emitted"] == 4
        assert [len(_runs(runtime.engine, p)) for p in (drops, new, changes)] == [9, 4, 9]
        assert {r.status for p in (drops, new, changes) for r in _runs(runtime.engine, p)} == {"completed"}
        cut = next(r for r in _runs(runtime.engine, drops) if r.context["event"]["product_name"] == "SOUR DIESEL SHATTER 1G")
        assert cut.context["event"]["drop_pct"] == 12.0 and cut.context["trigger"]["depth"] == 1

        # A playbook started by a price drop that scans again logs its own drops as suppressed, and goes on.
        echo = _listen(runtime, "competitor.price_drop", "", steps=WATCH[1:2])
        opened = runtime.runs.start_run(runtime.playbooks.get("demo", echo), runtime.events.hand_firing(
            runtime.playbooks.get("demo", echo), None, None, None))
        await runtime.dispatcher.drain()
        with Session(runtime.engine) as session:
            done = session.get(Execution, opened.execution.id)
            suppressed = session.exec(select(EventRecord).where(EventRecord.cause_execution_id == done.id)).scalars().all()
        assert done.status == "completed"
        assert {e.status for e in suppressed if e.name == "competitor.price_drop"} == {"suppressed"}
        assert all("loop guard" in e.reason for e in suppressed if e.name == "competitor.price_drop")


@pytest.mark.parametrize("store", ["settings", pytest.param("pg_settings", marks=pytest.mark.postgres)])
async def test_events_left_pending_by_a_crash_are_fanned_out_by_the_sweep(store, request):
    async with running(request.getfixturevalue(store)) as runtime:
        listener = _listen(runtime, "order.created", "order {{event.total}}")
        # As a run's commit leaves them, when the process dies before its relay runs.
        with runtime.engine.begin() as conn:
            conn.execute(EventRecord.__table__.insert(), [
                {"org_id": "demo", "event_id": "ex_dead:0:order.created:0", "name": "order.created", "data": {"total": 9},
                 "source": "run", "depth": 1, "chain": [], "status": PENDING, "created_at": runtime.clock.now()}])
        runtime.sweep()
        runtime.sweep()  # a second sweep finds nothing left to deliver
        await runtime.dispatcher.drain()
        runs = _runs(runtime.engine, listener)
        assert len(runs) == 1 and runs[0].status == "completed" and runs[0].context["event"] == {"total": 9}


async def test_customers_not_seen_for_n_days_lapse_once(settings):
    async with running(settings) as runtime:
        listener = _listen(runtime, "customer.lapsed", "{{event.customer.name}}: {{event.days_since_last_order}} days")
        now = runtime.clock.now()
        with Session(runtime.engine) as session:
            session.add(Customer(org_id="demo", name="Gone Greta", last_seen_at=now - timedelta(days=61)))
            session.add(Customer(org_id="demo", name="Recent Rita", last_seen_at=now - timedelta(days=59)))
            session.commit()
            before = {c.id for c in session.exec(select(Customer)).scalars() if c.last_seen_at
                      and timedelta(days=60) <= now - c.last_seen_at < timedelta(days=67)}
        check = LapsedCustomers(runtime.events, 60, runtime.clock)
        emitted = check.check_due()
        assert {e.event_id.split(":")[1] for e in emitted} == before
        assert check.check_due() == []  # once a day
        assert [e.created for e in check.check()] == [False] * len(before)  # the same lapse never twice
        await runtime.dispatcher.drain()
        greta = [r for r in _runs(runtime.engine, listener) if r.context["event"]["customer"]["name"] == "Gone Greta"]
        assert len(greta) == 1 and greta[0].context["event"]["days_since_last_order"] == 61
        # Two days on, Rita's 60 days are up too.
        later = [e.event_id for e in LapsedCustomers(runtime.events, 60, Clock(offset=timedelta(days=2))).check() if e.created]
        assert set(_ids(runtime.engine, "Recent Rita")) <= {i.split(":")[1] for i in later}
