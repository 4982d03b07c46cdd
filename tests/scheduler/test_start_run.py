"""start_run: the one place that holds the run policy, and the dedupe keys it files runs under."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from langchain_core.tools import ToolException
from langgraph.prebuilt import ToolRuntime
from sqlmodel import Session

from scheduler.demo.seed import seed_demo
from scheduler.domain.clock import Clock
from scheduler.domain.keys import DedupeKey
from scheduler.domain.status import ExecutionStatus, TriggeredBy
from scheduler.runs.start import Firing, Refusal, RunRefused, RunStarter
from scheduler.services.playbooks import PlaybookService
from scheduler.steps.registry import default_registry
from scheduler.store.db import make_engine, migrate
from scheduler.store.tables import Execution
from tests.conftest import running, sales_report_spec
from tools.context import ChatContext
from tools.run_tools import run_playbook

SLOT = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)


@pytest.fixture
def parts(settings):
    """A migrated demo store, a playbook service, and a starter whose dispatches are written down."""
    engine = make_engine(settings)
    migrate(engine)
    seed_demo(engine)
    dispatched: list[str] = []
    yield PlaybookService(engine, default_registry()), RunStarter(engine, dispatched.append), dispatched, engine
    engine.dispose()


def _stored(engine, execution_id: str) -> Execution:
    with Session(engine) as session:
        return session.get(Execution, execution_id)


def test_dedupe_keys_keep_their_stored_format():
    local = SLOT.astimezone(ZoneInfo("America/New_York"))
    assert DedupeKey.schedule(local) == "schedule:2026-11-26T14:00:00+00:00"
    assert DedupeKey.schedule(local).kind == "schedule"
    assert DedupeKey.idempotency("daily-1") == "idempotency:daily-1"
    assert DedupeKey.event("evt_1") == "event:evt_1"
    manual = DedupeKey.manual()
    assert manual.kind == "manual" and len(manual.value) == 32 and manual != DedupeKey.manual()
    with pytest.raises(ValueError):
        DedupeKey.schedule(datetime(2026, 11, 26, 14, 0))
    with pytest.raises(ValueError):
        DedupeKey.idempotency("")


def test_a_manual_firing_gets_a_fresh_key_and_is_dispatched(parts):
    service, starter, dispatched, engine = parts
    playbook = service.create("demo", sales_report_spec())
    first = starter.start_run(playbook, Firing(TriggeredBy.manual))
    second = starter.start_run(playbook, Firing(TriggeredBy.manual))
    assert first.created and second.created and dispatched == [first.execution.id, second.execution.id]
    stored = _stored(engine, first.execution.id)
    assert stored.dedupe_key.startswith("manual:") and stored.triggered_by == "manual"


def test_a_repeated_idempotency_key_returns_the_run_it_made(parts):
    service, starter, dispatched, engine = parts
    playbook = service.create("demo", sales_report_spec())
    firing = Firing(TriggeredBy.agent, key=DedupeKey.idempotency("k1"))
    first, again = starter.start_run(playbook, firing), starter.start_run(playbook, firing)
    assert (first.created, again.created) == (True, False)
    assert again.execution.id == first.execution.id and dispatched == [first.execution.id]
    assert _stored(engine, first.execution.id).dedupe_key == "idempotency:k1"


def test_an_archived_playbook_is_refused_whatever_fires_it(parts):
    service, starter, dispatched, _ = parts
    playbook = service.create("demo", sales_report_spec(status="archived"))
    for firing in (Firing(TriggeredBy.manual), Firing.of_slot(SLOT), Firing.of_event("e1", {})):
        with pytest.raises(RunRefused) as refused:
            starter.start_run(playbook, firing)
        assert refused.value.reason == Refusal.archived
    assert dispatched == []


def test_a_playbook_deleted_after_it_was_read_is_refused(parts):
    service, starter, dispatched, _ = parts
    playbook = service.create("demo", sales_report_spec())
    gone = service.delete("demo", playbook.id)
    with pytest.raises(RunRefused) as refused:
        starter.start_run(gone, Firing(TriggeredBy.manual))
    assert refused.value.reason == Refusal.deleted and dispatched == []


def test_a_schedule_firing_needs_an_active_playbook_but_a_manual_run_does_not(parts):
    service, starter, dispatched, _ = parts
    playbook = service.create("demo", sales_report_spec(status="paused"))
    with pytest.raises(RunRefused) as refused:
        starter.start_run(playbook, Firing.of_slot(SLOT))
    assert refused.value.reason == Refusal.not_active and "paused" in str(refused.value)
    assert starter.start_run(playbook, Firing(TriggeredBy.manual)).created and len(dispatched) == 1


def test_a_schedule_firing_without_a_slot_needs_a_key(parts):
    service, starter, dispatched, engine = parts
    playbook = service.create("demo", sales_report_spec())
    with pytest.raises(RunRefused) as refused:
        starter.start_run(playbook, Firing(TriggeredBy.schedule))
    assert refused.value.reason == Refusal.no_slot
    opened = starter.start_run(playbook, Firing(TriggeredBy.schedule, key=DedupeKey.idempotency("retry-safe")))
    assert opened.created and _stored(engine, opened.execution.id).scheduled_for is None
    assert dispatched == [opened.execution.id]  # the refusal dispatched nothing


def test_a_slot_is_its_own_key_whatever_key_comes_with_it(parts):
    service, starter, dispatched, engine = parts
    playbook = service.create("demo", sales_report_spec())
    local = SLOT.astimezone(ZoneInfo("Europe/Paris"))
    first = starter.start_run(playbook, Firing(TriggeredBy.schedule, key=DedupeKey.idempotency("a"), slot=local))
    again = starter.start_run(playbook, Firing.of_slot(SLOT))
    assert again.execution.id == first.execution.id and not again.created and dispatched == [first.execution.id]
    stored = _stored(engine, first.execution.id)
    assert stored.dedupe_key == f"schedule:{SLOT.isoformat()}" and stored.scheduled_for == SLOT
    assert stored.context["trigger"] == {"type": "schedule", "scheduledFor": SLOT.isoformat()}


def test_a_slot_while_the_last_scheduled_run_is_going_is_skipped_naming_it(parts):
    service, starter, dispatched, engine = parts
    playbook = service.create("demo", sales_report_spec(cron="*/5 * * * *"))
    going = starter.start_run(playbook, Firing.of_slot(SLOT))
    # Queued a moment ago (by the starter's clock) and not picked up yet: still going.
    skipped = starter.start_run(playbook, Firing.of_slot(SLOT + timedelta(minutes=5)))
    assert skipped.created and dispatched == [going.execution.id]
    row = _stored(engine, skipped.execution.id)
    assert row.status == ExecutionStatus.skipped and going.execution.id in row.error and row.completed_at
    # A manual run is no slot: the overlap policy leaves it alone.
    assert starter.start_run(playbook, Firing(TriggeredBy.manual)).execution.id == dispatched[-1]


def test_an_event_firing_keys_on_the_event_and_carries_its_payload(parts):
    service, starter, dispatched, engine = parts
    playbook = service.create("demo", sales_report_spec())
    opened = starter.start_run(playbook, Firing.of_event("evt_9", {"sku": "A1"}))
    assert not starter.start_run(playbook, Firing.of_event("evt_9", {"sku": "A1"})).created
    stored = _stored(engine, opened.execution.id)
    assert stored.dedupe_key == "event:evt_9" and stored.triggered_by == "event"
    assert stored.context["event"] == {"sku": "A1"} and dispatched == [opened.execution.id]


def test_the_execute_call_of_the_cron_secret_means_the_slot_due_now(parts):
    service, _, _, engine = parts
    # Half a minute past SLOT: an every-minute schedule is due, a yearly one is not.
    starter = RunStarter(engine, lambda _: None, Clock(offset=SLOT + timedelta(seconds=30) - datetime.now(UTC)))
    # Made an hour before SLOT: a slot before a playbook existed is never owed.
    before = PlaybookService(engine, default_registry(), clock=Clock(offset=SLOT - timedelta(hours=1) - datetime.now(UTC)))
    playbook = before.create("demo", sales_report_spec(cron="* * * * *"))
    made_after = service.create("demo", sales_report_spec(cron="* * * * *"))
    assert starter.due_slot(made_after) is None
    firing = starter.firing_for_call(playbook, caller="cron", said=None, idempotency_key="x", user_id=None)
    assert firing.triggered_by == TriggeredBy.schedule and firing.slot == SLOT
    agent = starter.firing_for_call(playbook, caller="agent", said=None, idempotency_key=None, user_id="u")
    assert (agent.triggered_by, agent.slot, agent.key, agent.user_id) == (TriggeredBy.agent, None, None, "u")
    daily = service.create("demo", sales_report_spec(cron="0 3 1 1 *"))
    # Nothing due: the cron secret's call is a manual run (keyed by its Idempotency-Key).
    quiet = starter.firing_for_call(daily, caller="cron", said=None, idempotency_key="x", user_id=None)
    assert (quiet.triggered_by, quiet.slot, quiet.key) == (TriggeredBy.manual, None, "idempotency:x")


async def test_the_chat_tool_starts_runs_through_the_same_policy(settings):
    async with running(settings) as runtime:
        playbook = runtime.playbooks.create("demo", sales_report_spec())
        tool_runtime = ToolRuntime(state={}, context=ChatContext(runtime, "demo", agent="pops"), config={},
                                   stream_writer=lambda _: None, tool_call_id="call_1", store=None)
        answer = (await run_playbook.coroutine(name="daily sales report", tool_runtime=tool_runtime))[1].model_dump(by_alias=True)
        await runtime.dispatcher.drain()
        with Session(runtime.engine) as session:
            row = session.get(Execution, answer["executionId"])
        assert row.status == "completed" and row.triggered_by == "agent" and row.dedupe_key.startswith("manual:")
        runtime.playbooks.set_status("demo", playbook.id, "archived")
        with pytest.raises(ToolException, match="archived; resume it first"):
            await run_playbook.coroutine(name="daily sales report", tool_runtime=tool_runtime)
