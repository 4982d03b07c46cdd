"""Catch-up and overlap policies and pause-until, in the engine, on a real SQLite file, with a shifted clock.

No test waits for real minutes: a Clock with an offset puts "now" just before a slot, or after an
outage; the SQLite file is reopened by a second engine as a restarted service would.
"""
from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from scheduler.domain.clock import Clock
from scheduler.runtime import Runtime
from scheduler.store.tables import Execution, Playbook
from scheduler.timing.cron import next_fire_times
from tests.conftest import running, until

NOTIFY = [{"action": "notify", "params": {"title": "Tick", "message": "a slot ran"}}]


def _spec(cron: str, **policy: object) -> dict:
    spec = {"name": "Ticker", "agent": "pops", "category": "operations", "steps": NOTIFY,
            "triggers": [{"type": "schedule", "cron": cron, "timezone": "UTC"}]}
    return {**spec, "policy": policy} if policy else spec


def _clock_before(cron: str, seconds: float) -> tuple[Clock, datetime]:
    """A clock `seconds` before the cron's next slot (at least a minute ahead of real time), and that slot."""
    slot = next_fire_times(cron, "UTC", datetime.now(UTC) + timedelta(minutes=1), 1)[0].astimezone(UTC)
    return Clock(offset=slot - timedelta(seconds=seconds) - datetime.now(UTC)), slot


def _later(clock: Clock, by: timedelta) -> Clock:
    return Clock(offset=clock.offset + by)


def _runs(runtime: Runtime, playbook_id: str) -> list[Execution]:
    with Session(runtime.engine) as session:
        rows = session.exec(select(Execution).where(Execution.playbook_id == playbook_id)).all()
    return sorted(rows, key=lambda e: (e.scheduled_for, e.created_at))


def _statuses(runtime: Runtime, playbook_id: str) -> list[tuple[int, str]]:
    """(minutes after the first run's slot, status) of each run, in slot order."""
    runs = _runs(runtime, playbook_id)
    first = runs[0].scheduled_for
    return [(int((r.scheduled_for - first).total_seconds() // 60), r.status) for r in runs]


OUTAGE = {
    # Down 7 minutes across the four slots of an every-2-minutes schedule, back 80 s after the last one.
    "latest": [(0, "missed"), (2, "missed"), (4, "missed"), (6, "completed")],
    "skip": [(0, "missed"), (2, "missed"), (4, "missed"), (6, "missed")],
    "all": [(0, "completed"), (2, "completed"), (4, "completed"), (6, "completed")],
}


@pytest.mark.parametrize("catch_up", sorted(OUTAGE))
async def test_a_restart_across_slots_records_every_slot_once_as_the_catch_up_policy_says(settings, catch_up):
    before, slot = _clock_before("*/2 * * * *", 30)
    async with running(settings, clock=before) as first:
        playbook = first.playbooks.create("demo", _spec("*/2 * * * *", catchUp=catch_up))
    # The service is stopped; the SQLite file is opened again by a new engine 7m50s later.
    back = _later(before, timedelta(minutes=7, seconds=50))
    async with running(settings, clock=back) as second:
        await until(lambda: all(r.status not in ("queued", "running") for r in _runs(second, playbook.id)) and _runs(second, playbook.id))
        await second.dispatcher.drain()
        assert _runs(second, playbook.id)[0].scheduled_for == slot
        assert _statuses(second, playbook.id) == OUTAGE[catch_up]
        missed = [r for r in _runs(second, playbook.id) if r.status == "missed"]
        assert all(r.error for r in missed)
        if catch_up == "all":
            # Oldest first, one after the other: each started once the one before had finished.
            runs = _runs(second, playbook.id)
            assert all(a.completed_at <= b.started_at for a, b in itertools.pairwise(runs))
    # Started again: nothing is filed twice, nothing is lost.
    async with running(settings, clock=_later(back, timedelta(seconds=5))) as third:
        await third.dispatcher.drain()
        assert _statuses(third, playbook.id) == OUTAGE[catch_up]


async def test_a_slot_while_the_last_run_goes_is_queued_behind_it_and_runs_when_it_ends(settings):
    async with running(settings) as runtime:
        playbook = runtime.playbooks.create("demo", _spec("*/5 * * * *", overlap="queue"))
        going = _still_running(runtime, playbook, datetime(2026, 11, 26, 14, 0, tzinfo=UTC))
        queued_id = runtime.jobs.fire_slot(playbook, datetime(2026, 11, 26, 14, 5, tzinfo=UTC))
        later_id = runtime.jobs.fire_slot(playbook, datetime(2026, 11, 26, 14, 10, tzinfo=UTC))
        await runtime.dispatcher.drain()
        with Session(runtime.engine) as session:
            queued, later = session.get(Execution, queued_id), session.get(Execution, later_id)
        # In line, each behind the one before; the sweep does not take them for orphans.
        assert (queued.status, queued.waits_for) == ("queued", going)
        assert (later.status, later.waits_for) == ("queued", queued_id)
        assert runtime.sweep() == []
        _finish(runtime, going)
        # Another process finished it: the sweep releases the next in line, which runs, then releases its follower.
        assert runtime.sweep() == [queued_id]
        await until(lambda: [r.status for r in _runs(runtime, playbook.id)] == ["completed"] * 3)
        runs = {r.id: r for r in _runs(runtime, playbook.id)}
        assert runs[queued_id].completed_at <= runs[later_id].started_at


async def test_a_slot_while_the_last_run_goes_runs_beside_it_when_overlap_allows(settings):
    async with running(settings) as runtime:
        playbook = runtime.playbooks.create("demo", _spec("*/5 * * * *", overlap="allow"))
        going = _still_running(runtime, playbook, datetime(2026, 11, 26, 14, 0, tzinfo=UTC))
        beside = runtime.jobs.fire_slot(playbook, datetime(2026, 11, 26, 14, 5, tzinfo=UTC))
        await runtime.dispatcher.drain()
        statuses = {r.id: r.status for r in _runs(runtime, playbook.id)}
        assert statuses == {going: "running", beside: "completed"}


async def test_overlap_skip_is_the_default_and_names_the_run_still_going(settings):
    async with running(settings) as runtime:
        playbook = runtime.playbooks.create("demo", _spec("*/5 * * * *"))
        assert playbook.policy_spec.overlap == "skip" and playbook.policy_spec.catch_up == "latest"
        going = _still_running(runtime, playbook, datetime(2026, 11, 26, 14, 0, tzinfo=UTC))
        skipped = runtime.jobs.fire_slot(playbook, datetime(2026, 11, 26, 14, 5, tzinfo=UTC))
        with Session(runtime.engine) as session:
            row = session.get(Execution, skipped)
        assert row.status == "skipped" and going in row.error


async def test_the_overlap_policy_holds_for_a_scheduler_calling_execute_too(settings):
    clock, slot = _clock_before("*/5 * * * *", -1)  # one second after the slot
    async with running(settings, clock=clock) as runtime:
        playbook = runtime.playbooks.create("demo", _spec("*/5 * * * *", overlap="queue"))
        _backdate(runtime, playbook.id)
        playbook = runtime.playbooks.get("demo", playbook.id)
        going = _still_running(runtime, playbook, slot - timedelta(minutes=5))
        firing = runtime.runs.firing_for_call(playbook, caller="cron", said=None, idempotency_key=None, user_id=None)
        opened = runtime.runs.start_run(playbook, firing)
        assert opened.execution.scheduled_for == slot and opened.execution.waits_for == going


async def test_a_pause_until_records_the_slots_it_covers_as_paused_and_ends_by_itself(settings):
    clock, slot = _clock_before("* * * * *", 2)
    async with running(settings, clock=clock) as runtime:
        playbook = runtime.playbooks.create("demo", _spec("* * * * *"))
        resume_at = slot + timedelta(seconds=1)
        paused = runtime.playbooks.set_status("demo", playbook.id, "paused", resume_at=resume_at)
        assert paused.resume_at == resume_at and runtime.playbooks.next_runs(paused, 1) == [slot + timedelta(minutes=1)]
        # The slot that comes during the pause is written down as paused, not run and not missed.
        runs = await until(lambda: _runs(runtime, playbook.id))
        assert [(r.scheduled_for, r.status) for r in runs] == [(slot, "paused")]
        assert resume_at.isoformat()[:19] in runs[0].error.replace("Z", "+00:00")
        # At resumeAt the engine makes it active again: nobody calls anything.
        back = await until(lambda: (p := _playbook(runtime, playbook.id)).status == "active" and p)
        assert back.resume_at is None
        assert runtime.jobs.job_ids() == [f"pb:{playbook.id}:0:v1"]


async def test_a_pause_until_that_ends_while_the_service_is_down_is_caught_up_on_start(settings):
    before, slot = _clock_before("* * * * *", 30)
    async with running(settings, clock=before) as first:
        playbook = first.playbooks.create("demo", _spec("* * * * *"))
        first.playbooks.set_status("demo", playbook.id, "paused", resume_at=slot + timedelta(minutes=3))
    # Back 10 s after the slot at +4 minutes: slots +0..+2 came while paused, +3 and +4 after it ended.
    async with running(settings, clock=_later(before, timedelta(minutes=4, seconds=40))) as second:
        await second.dispatcher.drain()
        assert _statuses(second, playbook.id) == [
            (0, "paused"), (1, "paused"), (2, "paused"), (3, "missed"), (4, "completed")]
        assert _playbook(second, playbook.id).status == "active"


async def test_pausing_without_an_instant_or_reactivating_ends_a_pause_until(settings):
    async with running(settings) as runtime:
        playbook = runtime.playbooks.create("demo", _spec("0 9 * * *"))
        soon = runtime.clock.now() + timedelta(hours=2)
        runtime.playbooks.set_status("demo", playbook.id, "paused", resume_at=soon)
        assert runtime.jobs.job_ids() == [f"pb:{playbook.id}:0:v1"]  # its slots keep coming, to be recorded
        # The doorbell rings to end the pause, if no slot comes before it.
        await until(lambda: (armed := runtime.jobs.doorbell.armed_at) is not None and armed <= soon)
        plain = runtime.playbooks.set_status("demo", playbook.id, "paused")
        assert plain.resume_at is None and runtime.jobs.job_ids() == []
        runtime.playbooks.set_status("demo", playbook.id, "paused", resume_at=soon)
        active = runtime.playbooks.set_status("demo", playbook.id, "active")
        assert active.resume_at is None and runtime.jobs.job_ids() == [f"pb:{playbook.id}:0:v1"]


def test_resume_at_needs_a_pause_and_a_future_instant(settings):
    from scheduler.services.validation import PlaybookInvalid

    runtime = Runtime.build(settings, demo=True)
    try:
        playbook = runtime.playbooks.create("demo", _spec("0 9 * * *"))
        with pytest.raises(PlaybookInvalid, match="only a paused playbook"):
            runtime.playbooks.update("demo", playbook.id, {"resumeAt": runtime.clock.now() + timedelta(hours=1)})
        with pytest.raises(PlaybookInvalid, match="not in the future"):
            runtime.playbooks.update("demo", playbook.id, {"status": "paused", "resumeAt": runtime.clock.now() - timedelta(hours=1)})
        with pytest.raises(PlaybookInvalid, match=r"policy\.catchUp"):
            runtime.playbooks.update("demo", playbook.id, {"policy": {"catchUp": "sometimes"}})
        changed = runtime.playbooks.update("demo", playbook.id, {"policy": {"catchUp": "all", "catchUpLimit": 3}})
        assert changed.policy_spec.catch_up == "all" and changed.policy_spec.catch_up_limit == 3
        with Session(runtime.engine) as session:
            from scheduler.store.tables import Schedule

            row = session.exec(select(Schedule).where(Schedule.playbook_id == playbook.id)).one()
        assert (row.catch_up, row.catch_up_limit, row.overlap, row.grace_seconds) == ("all", 3, "skip", 3600)
    finally:
        runtime.engine.dispose()


def _still_running(runtime: Runtime, playbook: Playbook, slot: datetime) -> str:
    """A scheduled run of `slot` that some executor holds (a live lease): the previous run, still going."""
    with Session(runtime.engine) as session:
        row = Execution(org_id="demo", playbook_id=playbook.id, triggered_by="schedule",
                        dedupe_key=f"schedule:{slot.isoformat()}", scheduled_for=slot, status="running",
                        lease_owner="elsewhere", lease_expires_at=runtime.clock.now() + timedelta(minutes=5),
                        created_at=runtime.clock.now())
        session.add(row)
        session.commit()
        return row.id


def _finish(runtime: Runtime, execution_id: str) -> None:
    with Session(runtime.engine) as session:
        row = session.get(Execution, execution_id)
        row.status, row.lease_owner, row.lease_expires_at = "completed", None, None
        row.completed_at = runtime.clock.now()
        session.add(row)
        session.commit()


def _backdate(runtime: Runtime, playbook_id: str) -> None:
    with Session(runtime.engine) as session:
        row = session.get(Playbook, playbook_id)
        row.updated_at -= timedelta(minutes=10)
        session.add(row)
        session.commit()


def _playbook(runtime: Runtime, playbook_id: str) -> Playbook:
    return runtime.playbooks.get("demo", playbook_id)


@pytest.fixture(params=["sqlite", "postgres"])
def store(request, settings):
    """Settings on SQLite, then on PostgreSQL."""
    return settings if request.param == "sqlite" else request.getfixturevalue("pg_settings")


def test_the_queue_holds_across_processes_through_the_ledger(store):
    from scheduler.demo.seed import seed_demo
    from scheduler.runs.ledger import release_waiting
    from scheduler.runs.start import RunStarter
    from scheduler.services.playbooks import PlaybookService
    from scheduler.steps.registry import default_registry
    from scheduler.store.db import make_engine, migrate
    from scheduler.triggers.schedule import ScheduleJobs

    first, second = make_engine(store), make_engine(store)
    try:
        migrate(first)
        seed_demo(first)
        playbook = PlaybookService(first, default_registry()).create("demo", _spec("*/5 * * * *", overlap="queue"))
        # Two processes' schedule parts, each with its own engine; what they dispatch is written down.
        dispatched: dict[str, list[str]] = {"a": [], "b": []}
        jobs = {name: ScheduleJobs(engine, RunStarter(engine, dispatched[name].append))
                for name, engine in (("a", first), ("b", second))}
        slot = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
        going = jobs["a"].fire_slot(playbook, slot)
        assert dispatched["a"] == [going]
        _claim(first, going)
        # The next slot, fired by the other process, queues behind the run the first one holds.
        waiting = jobs["b"].fire_slot(playbook, slot + timedelta(minutes=5))
        behind = jobs["a"].fire_slot(playbook, slot + timedelta(minutes=10))
        assert dispatched == {"a": [going], "b": []}
        with first.begin() as conn:
            assert release_waiting(conn) == []  # the run it waits for is still going
        _end(second, going)
        with second.begin() as conn:
            assert release_waiting(conn) == [waiting]  # the third still waits for the second
        with first.begin() as conn:
            assert release_waiting(conn) == []
        rows = {r.id: r for r in _ledger(first, playbook.id)}
        assert (rows[waiting].waits_for, rows[behind].waits_for) == (None, waiting)
    finally:
        first.dispose()
        second.dispose()


def _claim(engine, execution_id: str) -> None:
    with Session(engine) as session:
        row = session.get(Execution, execution_id)
        row.status, row.lease_owner = "running", "elsewhere"
        row.lease_expires_at = datetime.now(UTC) + timedelta(minutes=5)
        session.add(row)
        session.commit()


def _end(engine, execution_id: str) -> None:
    with Session(engine) as session:
        row = session.get(Execution, execution_id)
        row.status, row.lease_owner, row.lease_expires_at = "completed", None, None
        session.add(row)
        session.commit()


def _ledger(engine, playbook_id: str) -> list[Execution]:
    with Session(engine) as session:
        return list(session.exec(select(Execution).where(Execution.playbook_id == playbook_id)).all())
