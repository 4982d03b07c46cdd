"""Event triggers end to end: crossings, fan-out, dedupe, filters, tenants, listeners following status, guards."""
from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import func, insert, select
from sqlmodel import Session

from scheduler.events.log import Event
from scheduler.events.stock import LOW, OUT, RESTOCKED, crossings
from scheduler.runs.history import get_execution
from scheduler.store.db import MIGRATIONS, make_engine, migrate
from scheduler.store.event_tables import EventListener, EventRecord
from scheduler.store.tables import Execution, Notification, Organization, Playbook, Product, User
from tests.conftest import run_now, running, until


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request):
    """Settings on SQLite, then on PostgreSQL (skipped without a server unless CI=true)."""
    return request.getfixturevalue("settings" if request.param == "sqlite" else "pg_settings")


def _shop(engine, org_id: str, products: dict[str, tuple[int, int]]) -> dict[str, str]:
    """An organisation with an owner and products {name: (quantity, reorder point)}; their ids by name."""
    with Session(engine) as session:
        session.add(Organization(id=org_id, name=org_id.title(), timezone="UTC"))
        session.add(User(org_id=org_id, email=f"owner@{org_id}.example", name="Owner"))
        rows = {name: Product(org_id=org_id, name=name, price=10.0, quantity=q, reorder_point=rp)
                for name, (q, rp) in products.items()}
        session.add_all(rows.values())
        session.commit()
        return {name: p.id for name, p in rows.items()}


def _listener(runtime, org_id: str, event: str, message: str = "{{event.product_name}} has {{event.quantity}} left",
              when: str | None = None, status: str = "active", name: str = "Alert", steps: list | None = None) -> Any:
    trigger: dict[str, Any] = {"type": "event", "event": event}
    if when:
        trigger["filter"] = when
    return runtime.playbooks.create(org_id, {
        "name": name, "agent": "pops", "status": status, "triggers": [trigger],
        "steps": steps or [{"action": "notify", "params": {"title": name, "message": message}}]})


def _runs(engine, playbook_id: str) -> list[Execution]:
    with Session(engine) as session:
        return list(session.exec(select(Execution).where(Execution.playbook_id == playbook_id)).scalars())


def _listeners(engine) -> list[tuple[str, str]]:
    with Session(engine) as session:
        return sorted((r.playbook_id, r.event_name) for r in session.exec(select(EventListener)).scalars())


def test_crossing_rules():
    assert crossings((12, 10), (9, 10)) == [LOW]  # below
    assert crossings((12, 10), (10, 10)) == [LOW]  # at the reorder point counts as low
    assert crossings((9, 10), (5, 10)) == []  # further writes below: nothing
    assert crossings((5, 10), (0, 10)) == [OUT]  # at zero
    assert crossings((0, 10), (0, 10)) == []
    assert crossings((20, 10), (0, 10)) == [LOW, OUT]  # one write that does both
    assert crossings((0, 10), (4, 10)) == []  # back from zero but still low: no restock yet
    assert crossings((4, 10), (11, 10)) == [RESTOCKED]  # back over
    assert crossings((11, 10), (30, 10)) == []
    assert crossings((8, 5), (8, 10)) == [LOW]  # the reorder point moved up past the stock


async def test_stock_writes_emit_on_crossings_only_and_the_run_sees_the_event(store):
    async with running(store, demo=False) as runtime:
        ids = _shop(runtime.engine, "acme", {"Blue Dream": (20, 10)})
        low = _listener(runtime, "acme", "inventory.low_stock", name="Low")
        out = _listener(runtime, "acme", "inventory.out_of_stock", name="Out")
        back = _listener(runtime, "acme", "inventory.restocked", name="Back")
        item = ids["Blue Dream"]

        def write(q: int) -> list[str]:
            return [e.name for e in runtime.shop.set_stock("acme", item, q).events]

        assert write(15) == []
        assert write(8) == ["inventory.low_stock"]
        assert write(6) == [] and write(3) == []  # repeated writes below start nothing
        assert write(0) == ["inventory.out_of_stock"]
        assert write(0) == []
        assert write(12) == ["inventory.restocked"]
        assert write(14) == []
        await runtime.dispatcher.drain()
        assert [len(_runs(runtime.engine, p.id)) for p in (low, out, back)] == [1, 1, 1]
        run = get_execution(runtime.engine, "acme", _runs(runtime.engine, low.id)[0].id)
        assert run["status"] == "completed" and run["triggeredBy"] == "event"
        with Session(runtime.engine) as session:
            bodies = sorted(n.body for n in session.exec(select(Notification)).scalars())
        assert "Blue Dream has 8 left" in bodies and "Blue Dream has 0 left" in bodies


async def test_fan_out_one_run_per_playbook_and_a_repeated_id_starts_nothing(store):
    async with running(store, demo=False) as runtime:
        _shop(runtime.engine, "acme", {})
        playbooks = [_listener(runtime, "acme", "order.created", "order {{event.order_id}}", name=f"P{i}") for i in range(5)]
        _listener(runtime, "acme", "customer.created", "not this one", name="Other event")
        first = runtime.events.emit(Event.new("acme", "order.created", {"order_id": "o-1", "total": 5}, "pos-1"))
        assert len(first.execution_ids) == 5 and first.created
        again = runtime.events.emit(Event.new("acme", "order.created", {"order_id": "o-1", "total": 5}, "pos-1"))
        assert not again.created and sorted(again.execution_ids) == sorted(first.execution_ids)
        await runtime.dispatcher.drain()
        for playbook in playbooks:
            runs = _runs(runtime.engine, playbook.id)
            assert len(runs) == 1 and runs[0].dedupe_key == "event:pos-1" and runs[0].status == "completed"
        with Session(runtime.engine) as session:
            assert session.exec(select(func.count()).select_from(EventRecord)).one() == (1,)


async def test_another_organisations_events_never_start_our_playbooks(settings):
    async with running(settings, demo=False) as runtime:
        ours = _shop(runtime.engine, "acme", {"Gummies": (50, 10)})
        theirs = _shop(runtime.engine, "rival", {"Gummies": (50, 10)})
        mine = _listener(runtime, "acme", "inventory.low_stock")
        # The same event id in two organisations: two events, each for its own listeners.
        assert runtime.events.emit(Event.new("rival", "inventory.low_stock", {}, "same")).execution_ids == []
        assert runtime.shop.set_stock("rival", theirs["Gummies"], 1).events[0].execution_ids == []
        with pytest.raises(LookupError):
            runtime.shop.set_stock("rival", ours["Gummies"], 1)  # our item is not theirs to write
        assert _runs(runtime.engine, mine.id) == []
        assert len(runtime.events.emit(Event.new("acme", "inventory.low_stock", {}, "same")).execution_ids) == 1


async def test_a_filter_decides_per_event(settings):
    async with running(settings, demo=False) as runtime:
        _shop(runtime.engine, "acme", {})
        big = _listener(runtime, "acme", "order.created", "big order {{event.total}}", when="{{event.total}} > 500")
        assert runtime.events.emit(Event.new("acme", "order.created", {"order_id": "a", "total": 120.0})).execution_ids == []
        assert len(runtime.events.emit(Event.new("acme", "order.created", {"order_id": "b", "total": 640.0})).execution_ids) == 1
        # An event without the field the filter reads does not match (and does not fail).
        assert runtime.events.emit(Event.new("acme", "order.created", {"order_id": "c"})).filtered == [big.id]


async def test_listeners_follow_the_playbook_status(settings):
    async with running(settings, demo=False) as runtime:
        _shop(runtime.engine, "acme", {})
        playbook = _listener(runtime, "acme", "order.created", "x")
        draft = _listener(runtime, "acme", "order.created", "x", status="draft", name="Draft")

        def fire() -> int:
            return len(runtime.events.emit(Event.new("acme", "order.created", {"total": 1})).execution_ids)

        assert _listeners(runtime.engine) == [(playbook.id, "order.created")] and fire() == 1
        runtime.playbooks.set_status("acme", playbook.id, "paused")
        assert _listeners(runtime.engine) == [] and fire() == 0
        runtime.playbooks.set_status("acme", playbook.id, "active")
        assert _listeners(runtime.engine) == [(playbook.id, "order.created")] and fire() == 1
        runtime.playbooks.update("acme", playbook.id, {"triggers": [{"type": "event", "event": "customer.created"}]})
        assert _listeners(runtime.engine) == [(playbook.id, "customer.created")] and fire() == 0
        runtime.playbooks.set_status("acme", playbook.id, "archived")
        assert _listeners(runtime.engine) == []
        runtime.playbooks.set_status("acme", draft.id, "active")
        assert _listeners(runtime.engine) == [(draft.id, "order.created")]
        runtime.playbooks.delete("acme", draft.id)
        assert _listeners(runtime.engine) == [] and fire() == 0


async def test_a_run_that_emits_its_own_event_stops_with_the_reason(settings):
    async with running(settings, demo=False) as runtime:
        _shop(runtime.engine, "acme", {})
        looping = _listener(runtime, "acme", "order.created", name="Echo", steps=[
            {"action": "emit_event", "params": {"name": "order.created", "data": {"total": "{{event.total}}"}}}])
        runtime.events.emit(Event.new("acme", "order.created", {"total": 3}))
        await runtime.dispatcher.drain()
        runs = _runs(runtime.engine, looping.id)
        assert len(runs) == 1 and runs[0].status == "failed"
        assert "loop guard" in runs[0].error and "order.created" in runs[0].error


async def test_a_chain_deeper_than_the_cap_is_cut(store):
    async with running(store.model_copy(update={"event_chain_limit": 2}), demo=False) as runtime:
        _shop(runtime.engine, "acme", {})
        chain = ["customer.created", "order.created", "inventory.restocked", "inventory.low_stock"]
        links = [_listener(runtime, "acme", a, name=f"{a} -> {b}", steps=[{"action": "emit_event", "params": {"name": b}}])
                 for a, b in itertools.pairwise(chain)]
        runtime.events.emit(Event.new("acme", chain[0], {}))
        for _ in range(4):
            await runtime.dispatcher.drain()
        statuses = [[r.status for r in _runs(runtime.engine, p.id)] for p in links]
        assert statuses == [["completed"], ["completed"], ["failed"]]
        assert "deeper than 2" in _runs(runtime.engine, links[2].id)[0].error


async def test_a_failed_run_emits_playbook_failed_once(store):
    async with running(store, demo=False) as runtime:
        _shop(runtime.engine, "acme", {})
        broken = runtime.playbooks.create("acme", {"name": "Broken", "agent": "pops", "triggers": [{"type": "manual"}],
                                                   "steps": [{"action": "notify", "params": {"message": "{{org.nope}}"}}]})
        watcher = _listener(runtime, "acme", "playbook.failed", "{{event.playbook_name}} failed: {{event.error}}", name="Watch")
        run_id = await run_now(runtime, broken)
        await runtime.dispatcher.drain()
        assert get_execution(runtime.engine, "acme", run_id)["status"] == "failed"
        runs = _runs(runtime.engine, watcher.id)
        assert len(runs) == 1 and runs[0].status == "completed" and runs[0].dedupe_key == f"event:{run_id}:failed"
        with Session(runtime.engine) as session:
            body = session.exec(select(Notification.body)).one()[0]
        assert body.startswith("Broken failed: steps[0] (notify)")


def test_the_migration_gives_live_event_playbooks_their_listeners(settings):
    engine = make_engine(settings)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")  # a store from before events (whatever revisions come between)
    stamp = datetime.now(UTC)
    order = {"type": "event", "event": "order.created", "filter": "{{event.total}} > 500"}
    shapes = {"live": ("active", [{"type": "manual"}, order], None), "paused": ("paused", [order], None),
              "deleted": ("active", [order], stamp), "scheduled": ("active", [{"type": "schedule", "cron": "0 9 * * *"}], None)}
    with engine.begin() as conn:
        conn.execute(insert(Organization.__table__), {"id": "acme", "name": "Acme", "timezone": "UTC", "created_at": stamp})
        conn.execute(insert(Playbook.__table__), [
            {"id": f"pb_{name}", "org_id": "acme", "name": name, "agent": "pops", "category": "operations", "status": status,
             "triggers": triggers, "steps": [], "version": 2, "created_by": None, "created_at": stamp, "updated_at": stamp,
             "deleted_at": deleted} for name, (status, triggers, deleted) in shapes.items()])
    migrate(engine)
    with Session(engine) as session:
        rows = session.exec(select(EventListener)).scalars().all()
    assert [(r.org_id, r.playbook_id, r.trigger_index, r.event_name, r.filter, r.playbook_version) for r in rows] == [
        ("acme", "pb_live", 1, "order.created", "{{event.total}} > 500", 2)]
    engine.dispose()


async def test_racing_writes_emit_a_crossing_once(store):
    async with running(store, demo=False) as runtime:
        ids = _shop(runtime.engine, "acme", {"Pre-Roll": (20, 10)})
        low = _listener(runtime, "acme", "inventory.low_stock")
        writes = await asyncio.gather(*[asyncio.to_thread(runtime.shop.set_stock, "acme", ids["Pre-Roll"], q)
                                        for q in (5, 4, 3, 2, 6, 7, 8, 9)])
        assert sum(len(w.events) for w in writes) == 1
        await runtime.dispatcher.drain()
        assert len(_runs(runtime.engine, low.id)) == 1


async def test_a_pause_until_ends_with_the_listener_back(settings):
    async with running(settings, demo=False) as runtime:
        _shop(runtime.engine, "acme", {})
        playbook = _listener(runtime, "acme", "order.created", "x")
        resume_at = runtime.clock.now() + timedelta(seconds=1)
        runtime.playbooks.set_status("acme", playbook.id, "paused", resume_at=resume_at)
        assert _listeners(runtime.engine) == []
        assert runtime.events.emit(Event.new("acme", "order.created", {"total": 1})).execution_ids == []
        # Nobody calls anything: at resumeAt the engine makes it active again, and it listens again.
        await until(lambda: _listeners(runtime.engine) == [(playbook.id, "order.created")], timeout=30)
        assert len(runtime.events.emit(Event.new("acme", "order.created", {"total": 2})).execution_ids) == 1
