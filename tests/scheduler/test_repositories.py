"""Steps reach the store through repositories, off the event loop; the repositories answer right."""
from __future__ import annotations

import ast
import dataclasses
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlmodel import Session, select

import scheduler.steps
from agents.delegate import PersonaDelegate
from agents.models import model_factory
from scheduler.demo.seed import seed_demo
from scheduler.domain.keys import DedupeKey
from scheduler.domain.status import ExecutionStatus, TriggeredBy
from scheduler.runs.ledger import open_execution
from scheduler.services.playbooks import PlaybookService
from scheduler.steps.base import StepContext
from scheduler.steps.registry import default_registry
from scheduler.store.db import make_engine, migrate
from scheduler.store.repositories import Repositories
from scheduler.store.tables import Execution, Notification, Order
from tests.conftest import running, sales_report_spec
from tests.scheduler.delivery_helpers import connect_example_receivers

STEPS_DIR = Path(scheduler.steps.__file__).parent
REGISTRY = default_registry()


@pytest.fixture
def store(settings):
    """The repositories over a migrated demo store, with the engine for checking their answers."""
    engine = make_engine(settings)
    migrate(engine)
    seed_demo(engine)
    yield Repositories.on(engine), engine
    engine.dispose()


@pytest.mark.parametrize("path", sorted(STEPS_DIR.rglob("*.py")), ids=lambda p: str(p.relative_to(STEPS_DIR)))
def test_step_code_never_touches_the_engine(path):
    tree = ast.parse(path.read_text())
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not {m for m in imported if m.split(".")[0] in ("sqlalchemy", "sqlmodel")}, path
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == "Session"], path
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr == "engine"], path


def test_the_step_context_carries_repositories_not_the_engine():
    fields = {f.name: f.type for f in dataclasses.fields(StepContext)}
    assert "engine" not in fields and fields["store"] in ("Repositories", Repositories)


@pytest.mark.parametrize("name", REGISTRY.names())
async def test_a_run_of_every_step_type_sends_no_sql_from_the_event_loop_thread(settings, web, name):
    settings = settings.model_copy(update={"allow_loopback_fetch": True})  # the example site is on loopback
    async with running(settings) as runtime:
        step = REGISTRY.get(name)
        await connect_example_receivers(runtime, web)
        runtime.use_delegate(PersonaDelegate(model_factory(settings), runtime))  # as the app does (delegate)
        runtime.playbooks.create("demo", {  # what run_playbook's example starts
            "name": "Contract target", "agent": "pops", "triggers": [{"type": "manual"}],
            "steps": [{"action": "notify", "params": {"title": "target"}}]})
        playbook = runtime.playbooks.create("demo", {
            "name": f"Loop {name}", "agent": "pops", "triggers": [{"type": "manual"}],
            "steps": [{"action": name, "params": web.localise(step.example)}],
        })
        run_id = open_execution(runtime.engine, playbook, triggered_by=TriggeredBy.manual,
                                dedupe_key=DedupeKey.manual()).execution.id
        loop_thread, on_loop = threading.get_ident(), []

        def spy(conn, cursor, statement, *args):
            if threading.get_ident() == loop_thread:
                on_loop.append(statement)

        event.listen(runtime.engine, "before_cursor_execute", spy)
        try:
            runtime.dispatcher.dispatch(run_id)
            await runtime.dispatcher.drain()
        finally:
            event.remove(runtime.engine, "before_cursor_execute", spy)
        with Session(runtime.engine) as session:
            # request_approval stops the run until someone decides (tests/scheduler/test_approvals.py); wait parks it
            stopped = {"request_approval": "waiting_approval", "wait": "waiting"}
            assert session.get(Execution, run_id).status == stopped.get(name, "completed")
        assert on_loop == []


async def test_sales_totals_add_up_the_orders_of_the_period(store):
    repos, engine = store
    end = datetime.now(UTC)
    start = end - timedelta(days=7)
    with Session(engine) as session:
        orders = session.exec(select(Order).where(Order.org_id == "demo", Order.placed_at >= start, Order.placed_at < end)).all()
    totals = await repos.sales.totals("demo", start, end, top=3)
    assert totals.order_count == len(orders) > 0
    assert totals.revenue == pytest.approx(sum(o.total for o in orders))
    assert len(totals.top_products) == 3
    assert [p.revenue for p in totals.top_products] == sorted((p.revenue for p in totals.top_products), reverse=True)
    assert (await repos.sales.totals("other-org", start, end, top=3)).order_count == 0


async def test_the_last_report_ends_where_the_previous_completed_run_of_the_playbook_was_due(store):
    repos, engine = store
    playbook = PlaybookService(engine, REGISTRY).create("demo", sales_report_spec())
    slot = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
    earlier = open_execution(engine, playbook, triggered_by=TriggeredBy.schedule, dedupe_key=DedupeKey.schedule(slot),
                             scheduled_for=slot).execution
    now = open_execution(engine, playbook, triggered_by=TriggeredBy.manual, dedupe_key=DedupeKey.manual()).execution
    assert await repos.sales.last_report_end(now.id) is None  # the earlier run has not completed
    with Session(engine) as session:
        row = session.get(Execution, earlier.id)
        row.status = ExecutionStatus.completed
        session.add(row)
        session.commit()
    assert await repos.sales.last_report_end(now.id) == slot
    assert await repos.sales.last_report_end("ex_missing") is None


async def test_tenants_and_notifications(store):
    repos, engine = store
    assert await repos.tenants.timezone("demo") == "America/New_York"
    assert await repos.tenants.timezone("nope") is None
    owner = await repos.tenants.user_id_by_email("demo", "owner@example.com")
    assert owner and await repos.tenants.user_id_by_email("other", "owner@example.com") is None
    note_id = await repos.notifications.add("demo", owner, "Title", "Body", None)
    with Session(engine) as session:
        note = session.get(Notification, note_id)
    assert (note.org_id, note.user_id, note.title, note.body) == ("demo", owner, "Title", "Body")
