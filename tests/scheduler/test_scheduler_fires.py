"""The schedule really fires: rows in the schedules table, one doorbell, once per slot."""
from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from scheduler.domain.clock import Clock
from scheduler.runtime import Runtime
from scheduler.store.tables import Execution, Schedule
from scheduler.timing.cron import next_fire_times
from tests.conftest import running, sales_report_spec, until


def _clock_just_before(cron: str, zone: str, seconds: float) -> tuple[Clock, datetime]:
    """A clock that reads `seconds` before the cron's next slot, and that slot."""
    slot = next_fire_times(cron, zone, datetime.now(UTC), 1)[0]
    offset = (slot - timedelta(seconds=seconds)) - datetime.now(UTC)
    return Clock(offset=offset), slot


def _executions(runtime: Runtime) -> list[Execution]:
    with Session(runtime.engine) as session:
        return list(session.exec(select(Execution)).all())


def _schedules(runtime: Runtime) -> list[Schedule]:
    with Session(runtime.engine) as session:
        return list(session.exec(select(Schedule).order_by(Schedule.playbook_id, Schedule.trigger_index)).all())


async def test_active_playbook_fires_once_for_its_slot(settings):
    clock, slot = _clock_just_before("0 9 * * *", "America/New_York", 1.5)
    async with running(settings, clock=clock) as runtime:
        playbook = runtime.playbooks.create("demo", sales_report_spec())
        assert runtime.playbooks.next_runs(playbook, 1) == [slot]
        runs = await until(lambda: [e for e in _executions(runtime) if e.status == "completed"])
        assert len(runs) == 1
        assert runs[0].triggered_by == "schedule"
        assert runs[0].scheduled_for == slot.astimezone(UTC)
        assert runs[0].scheduled_for.astimezone(slot.tzinfo).hour == 9
        # The same slot fired again (a second scheduler, a retried call) finds the run and runs nothing.
        assert runtime.jobs.fire_slot(playbook, slot) == runs[0].id
        await runtime.dispatcher.drain()
        assert len(_executions(runtime)) == 1
        assert len(list((settings.home / "outbox").glob("*.eml"))) == 1
        # After firing, the row and the doorbell already point at the next day's 9:00.
        (row,) = _schedules(runtime)
        tomorrow = slot.astimezone(slot.tzinfo) + timedelta(days=1)
        assert row.next_fire_at.astimezone(slot.tzinfo) == tomorrow and row.last_slot_at == slot
        await until(lambda: runtime.jobs.doorbell.armed_at == tomorrow)


async def test_same_slot_fired_concurrently_makes_one_execution(settings):
    async with running(settings) as runtime:
        playbook = runtime.playbooks.create("demo", sales_report_spec())
        slot = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
        ids = await asyncio.gather(*[asyncio.to_thread(runtime.jobs.fire_slot, playbook, slot) for _ in range(8)])
        assert len(set(ids)) == 1
        await runtime.dispatcher.drain()
        assert len(_executions(runtime)) == 1


async def test_job_set_follows_status_and_triggers(settings):
    async with running(settings) as runtime:
        playbook = runtime.playbooks.create("demo", sales_report_spec())
        assert runtime.jobs.job_ids() == [f"pb:{playbook.id}:0:v1"]
        runtime.playbooks.update("demo", playbook.id, {"triggers": [
            {"type": "schedule", "cron": "30 8 * * 1-5", "timezone": "America/Chicago"},
            {"type": "schedule", "cron": "0 12 * * 6"},
        ]})
        assert runtime.jobs.job_ids() == [f"pb:{playbook.id}:0:v2", f"pb:{playbook.id}:1:v2"]
        runtime.playbooks.set_status("demo", playbook.id, "paused")
        assert runtime.jobs.job_ids() == []
        runtime.playbooks.set_status("demo", playbook.id, "active")
        assert len(runtime.jobs.job_ids()) == 2
        runtime.playbooks.set_status("demo", playbook.id, "archived")
        assert runtime.jobs.job_ids() == []
        runtime.playbooks.set_status("demo", playbook.id, "active")
        runtime.playbooks.delete("demo", playbook.id)
        assert runtime.jobs.job_ids() == []


async def test_jobs_are_rebuilt_from_the_store_on_start(settings):
    first = Runtime.build(settings, demo=True)
    await first.start()
    kept = first.playbooks.create("demo", sales_report_spec())
    paused = first.playbooks.create("demo", sales_report_spec(status="paused"))
    await first.stop()
    async with running(settings) as second:
        assert second.jobs.job_ids() == [f"pb:{kept.id}:0:v1"]
        assert paused.id not in "".join(second.jobs.job_ids())


async def test_changes_made_by_another_process_are_picked_up(settings):
    from scheduler.services.playbooks import PlaybookService
    from scheduler.steps.registry import default_registry

    clock, slot = _clock_just_before("0 9 * * *", "America/New_York", 2)
    async with running(settings, clock=clock) as runtime:
        # e.g. `playbooks chat` in a terminal: no doorbell of its own, the rows are written all the same.
        elsewhere = PlaybookService(runtime.engine, default_registry(), clock=clock)
        playbook = elsewhere.create("demo", sales_report_spec())
        paused = elsewhere.create("demo", sales_report_spec(name="Paused Elsewhere"))
        elsewhere.set_status("demo", paused.id, "paused")
        assert runtime.jobs.job_ids() == [f"pb:{playbook.id}:0:v1"]
        assert runtime.jobs.doorbell.armed_at is None
        runtime.jobs.reconcile()  # what the periodic sweep does
        await until(lambda: runtime.jobs.doorbell.armed_at == slot)
        runs = await until(lambda: [e for e in _executions(runtime) if e.status == "completed"])
        assert [(r.playbook_id, r.scheduled_for) for r in runs] == [(playbook.id, slot.astimezone(UTC))]


async def test_names_that_match_several_playbooks_are_not_guessed(settings):
    import pytest

    from scheduler.services.playbooks import AmbiguousName, NotFound

    async with running(settings) as runtime:
        runtime.playbooks.create("demo", sales_report_spec(name="Daily Sales Report"))
        runtime.playbooks.create("demo", sales_report_spec(name="Weekly Sales Report"))
        with pytest.raises(AmbiguousName) as asked:  # both named, best score first
            runtime.playbooks.find("demo", "the sales report")
        assert "Daily Sales Report" in str(asked.value) and "Weekly Sales Report" in str(asked.value)
        assert runtime.playbooks.find("demo", "weekly sales report").name == "Weekly Sales Report"
        with pytest.raises(NotFound):
            runtime.playbooks.find("demo", "inventory alert")


async def test_a_slot_missed_while_down_is_caught_up_on_start(settings):
    before_slot, slot = _clock_just_before("0 9 * * *", "America/New_York", 600)
    async with running(settings, clock=before_slot) as first:
        owed = first.playbooks.create("demo", sales_report_spec())
    # Back up two minutes after the slot: within the grace window, so the slot is still owed.
    after_slot = Clock(offset=before_slot.offset + timedelta(seconds=720))
    async with running(settings, clock=after_slot) as second:
        late = second.playbooks.create("demo", sales_report_spec(name="Created After The Slot"))
        await second.dispatcher.drain()
        runs = _executions(second)
        assert [(r.playbook_id, r.scheduled_for) for r in runs] == [(owed.id, slot.astimezone(UTC))]
        assert second.jobs.catch_up() == []  # again: the row has moved on, nothing is due
        assert second.jobs.fire_slot(owed, slot) == runs[0].id  # the slot fired again is found, not run twice
        await second.dispatcher.drain()
        assert len(_executions(second)) == 1
        assert late.id not in {r.playbook_id for r in _executions(second)}


async def test_slots_missed_beyond_grace_leave_a_record(settings):
    before_slot, slot = _clock_just_before("0 9 * * *", "America/New_York", 600)
    async with running(settings, clock=before_slot) as first:
        playbook = first.playbooks.create("demo", sales_report_spec())
    # Down for two days and a bit: the 9:00 slots of all three days are past the hour's grace window.
    later = Clock(offset=before_slot.offset + timedelta(days=2, minutes=100))
    async with running(settings, clock=later) as second:
        rows = sorted(_executions(second), key=lambda e: e.scheduled_for)
        assert [(r.status, r.scheduled_for) for r in rows] == [
            ("missed", slot.astimezone(UTC)), ("missed", (slot + timedelta(days=1)).astimezone(UTC)),
            ("missed", (slot + timedelta(days=2)).astimezone(UTC)),
        ]
        assert "not running" in rows[0].error
        second.jobs.catch_up()
        assert len(_executions(second)) == 3
        items = second.playbooks.list("demo")[0]
        assert items[0].id == playbook.id


async def test_a_slot_that_comes_while_the_last_run_is_still_going_is_skipped_with_the_reason(settings):
    async with running(settings) as runtime:
        playbook = runtime.playbooks.create("demo", sales_report_spec(cron="*/5 * * * *"))
        first_slot = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
        with Session(runtime.engine) as session:
            # The 14:00 run is still going: a live lease held by some executor.
            session.add(Execution(org_id="demo", playbook_id=playbook.id, triggered_by="schedule",
                                  dedupe_key=f"schedule:{first_slot.isoformat()}", scheduled_for=first_slot,
                                  status="running", lease_owner="busy", lease_expires_at=runtime.clock.now() + timedelta(minutes=1)))
            session.commit()
        skipped_id = runtime.jobs.fire_slot(playbook, first_slot + timedelta(minutes=5))
        await runtime.dispatcher.drain()
        with Session(runtime.engine) as session:
            skipped = session.get(Execution, skipped_id)
            running_id = session.exec(select(Execution.id).where(Execution.status == "running")).one()
        assert skipped.status == "skipped" and running_id in skipped.error
        assert not _steps_of(runtime, skipped_id)


def _steps_of(runtime, execution_id):
    from scheduler.store.tables import StepRun

    with Session(runtime.engine) as session:
        return session.exec(select(StepRun).where(StepRun.execution_id == execution_id)).all()


async def test_the_start_up_warm_fire_keeps_nothing(settings):
    """The dry fire that compiles the fire's statements at start files no run and moves no row."""
    async with running(settings) as runtime:
        runtime.playbooks.create("demo", sales_report_spec())
        (before,) = _schedules(runtime)
        runtime.jobs.warm()
        runtime.executor.checkpoints.warm()
        await runtime.dispatcher.drain()
        (after,) = _schedules(runtime)
        assert _executions(runtime) == []
        assert (after.next_fire_at, after.last_slot_at) == (before.next_fire_at, before.last_slot_at)
        assert runtime.jobs.earliest() == before.next_fire_at
