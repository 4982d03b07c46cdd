"""Schedules are rows and one doorbell rings for all: bursts filed once, changes move one row, on SQLite and PostgreSQL."""
from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import func, insert, select, text
from sqlmodel import Session

from scheduler.demo.seed import seed_demo
from scheduler.domain.clock import Clock
from scheduler.runs.start import Firing, RunStarter
from scheduler.services.playbooks import PlaybookService
from scheduler.steps.registry import default_registry
from scheduler.store.db import MIGRATIONS, make_engine, migrate
from scheduler.store.tables import Execution, Organization, Playbook, Schedule
from scheduler.timing.slots import plan_due
from scheduler.triggers import rows
from scheduler.triggers.schedule import ScheduleJobs
from tests.conftest import running, sales_report_spec, until

NOTIFY_SPEC = {
    "name": "Burst", "agent": "pops", "category": "operations",
    "steps": [{"action": "notify", "params": {"title": "t", "message": "m"}}],
}


def _clock_at(instant: datetime) -> Clock:
    """A clock that reads `instant` now."""
    return Clock(offset=instant - datetime.now(UTC))


def _next_minute(after: timedelta) -> datetime:
    now = datetime.now(UTC) + after
    return now.replace(second=0, microsecond=0) + timedelta(minutes=1)


def _seed(settings, n: int, slot: datetime) -> list[str]:
    """n active playbooks due at `slot`, created through the service an hour before it; their ids."""
    engine = make_engine(settings)
    migrate(engine)
    seed_demo(engine)
    service = PlaybookService(engine, default_registry(), clock=_clock_at(slot - timedelta(hours=1)))
    cron = f"{slot.minute} {slot.hour} * * *"
    first = service.create("demo", {**NOTIFY_SPEC, "triggers": [{"type": "schedule", "cron": cron, "timezone": "UTC"}]})
    # The rest as copies of the first row and its schedule row: a thousand service calls would test nothing more.
    with engine.begin() as conn:
        base = conn.execute(select(Playbook.__table__).where(Playbook.id == first.id)).one()._asdict()
        row = conn.execute(select(Schedule.__table__).where(Schedule.playbook_id == first.id)).one()._asdict()
        ids = [first.id] + [f"pb_{i:020x}" for i in range(1, n)]
        if n > 1:
            conn.execute(insert(Playbook.__table__), [{**base, "id": i} for i in ids[1:]])
            del row["id"]
            conn.execute(insert(Schedule.__table__), [{**row, "playbook_id": i} for i in ids[1:]])
    engine.dispose()
    return ids


def _doorbell(settings, clock: Clock) -> tuple[ScheduleJobs, list[str]]:
    """A schedule doorbell on its own engine (as another process would have), recording what it dispatches."""
    engine = make_engine(settings)
    dispatched: list[str] = []
    return ScheduleJobs(engine, RunStarter(engine, dispatched.append, clock=clock), clock=clock), dispatched


@pytest.fixture(params=["sqlite", "postgres"])
def store(request, settings):
    """Settings on SQLite, then on PostgreSQL."""
    return settings if request.param == "sqlite" else request.getfixturevalue("pg_settings")


async def test_a_thousand_schedules_due_the_same_minute_are_each_filed_once_by_two_doorbells(store):
    slot = _next_minute(timedelta(seconds=10))
    ids = _seed(store, 1000, slot)
    # Two processes on the same database, both ringing at the slot.
    clock = _clock_at(slot - timedelta(seconds=0.5))
    (first, sent_first), (second, sent_second) = _doorbell(store, clock), _doorbell(store, clock)
    first.start()
    second.start()
    assert first.doorbell.armed_at == second.doorbell.armed_at == slot
    try:
        # Both have rung (the one that found the rows taken too) and wait for tomorrow's slot.
        tomorrow = slot + timedelta(days=1)
        await until(lambda: first.doorbell.armed_at == second.doorbell.armed_at == tomorrow, timeout=60)
    finally:
        first.shutdown()
        second.shutdown()
    with Session(first.engine) as session:
        runs = session.exec(select(Execution.playbook_id, Execution.status, Execution.scheduled_for)).all()
        moved = session.execute(select(func.count()).select_from(Schedule).where(Schedule.next_fire_at == tomorrow)).scalar()
    assert sorted(r.playbook_id for r in runs) == sorted(ids)  # every schedule once: none missed, none doubled
    assert {(r.status, r.scheduled_for) for r in runs} == {("queued", slot)}
    assert moved == 1000
    dispatched = sent_first + sent_second
    assert len(dispatched) == len(set(dispatched)) == 1000
    for jobs in (first, second):
        jobs.engine.dispose()


async def test_two_servers_catching_up_at_once_file_each_slot_once(store):
    slot = _next_minute(timedelta(seconds=10))
    ids = _seed(store, 300, slot)
    clock = _clock_at(slot + timedelta(minutes=1))  # both start a minute after the slot: within grace, owed
    (first, sent_first), (second, sent_second) = _doorbell(store, clock), _doorbell(store, clock)
    opened = await asyncio.gather(asyncio.to_thread(first.catch_up), asyncio.to_thread(second.catch_up))
    assert sorted(opened[0] + opened[1]) == sorted(sent_first + sent_second)
    assert len(sent_first + sent_second) == len(set(sent_first + sent_second)) == len(ids)
    with Session(first.engine) as session:
        assert session.execute(select(func.count()).select_from(Execution)).scalar() == len(ids)
    for jobs in (first, second):
        jobs.engine.dispose()


async def test_changing_one_schedule_moves_only_its_row_and_rearms_only_when_earlier(store):
    async with running(store) as runtime:
        service = runtime.playbooks
        hour = (datetime.now(UTC).astimezone(ZoneInfo("America/New_York")).hour + 2) % 24  # never within the next minute
        made = [service.create("demo", sales_report_spec(cron=f"{i} {hour} * * *", name=f"Report {i}")) for i in range(20)]
        before = _rows(runtime)
        armed = await until(lambda: runtime.jobs.doorbell.armed_at)  # re-armed on the loop, from any thread
        assert armed == min(r[2] for r in before.values())
        changed, renamed = made[7], made[8]
        service.update("demo", changed.id, {"triggers": [{"type": "schedule", "cron": f"59 {hour} * * *"}]})
        service.update("demo", renamed.id, {"name": "Renamed Report"})
        after = _rows(runtime)
        assert {k for k in before if before[k] != after[k]} == {changed.id}
        assert after[changed.id][0] == f"59 {hour} * * *" and after[changed.id][3] == 2
        await asyncio.sleep(0.05)  # a re-arm would be on the loop by now
        assert runtime.jobs.doorbell.armed_at == armed  # later than the earliest: the bell stays as it was
        soon = service.create("demo", sales_report_spec(cron="* * * * *", name="Every Minute"))
        soonest = _rows(runtime)[soon.id][2]
        assert soonest < armed
        await until(lambda: runtime.jobs.doorbell.armed_at == soonest)
        service.set_status("demo", soon.id, "paused")
        service.delete("demo", made[0].id)
        assert soon.id not in _rows(runtime) and made[0].id not in _rows(runtime)


def _rows(runtime) -> dict[str, tuple]:
    """Each playbook's schedule row: (cron, zone, next fire, version, last slot)."""
    with Session(runtime.engine) as session:
        return {r.playbook_id: (r.cron, r.timezone, r.next_fire_at, r.playbook_version, r.last_slot_at)
                for r in session.scalars(select(Schedule)).all()}


async def test_two_triggers_due_together_run_once_and_the_other_is_skipped_naming_it(settings):
    slot = _next_minute(timedelta(seconds=10))
    engine = make_engine(settings)
    migrate(engine)
    seed_demo(engine)
    cron = f"{slot.minute} {slot.hour} * * *"
    service = PlaybookService(engine, default_registry(), clock=_clock_at(slot - timedelta(hours=1)))
    service.create("demo", {**NOTIFY_SPEC, "triggers": [
        {"type": "schedule", "cron": cron, "timezone": "UTC"},
        {"type": "schedule", "cron": f"{(slot.minute + 1) % 60} {slot.hour if slot.minute < 59 else (slot.hour + 1) % 24} * * *",
         "timezone": "UTC"},
    ]})
    jobs, dispatched = _doorbell(settings, _clock_at(slot + timedelta(minutes=1, seconds=30)))
    jobs.catch_up()
    with Session(engine) as session:
        runs = {r.status: r for r in session.scalars(select(Execution)).all()}
    assert sorted(runs) == ["queued", "skipped"] and dispatched == [runs["queued"].id]
    assert runs["skipped"].scheduled_for > runs["queued"].scheduled_for
    assert runs["queued"].id in runs["skipped"].error
    engine.dispose()
    jobs.engine.dispose()


def test_the_migration_fills_the_table_from_live_playbooks(settings):
    engine = make_engine(settings)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    stamp = datetime.now(UTC)
    with engine.begin() as conn:
        # Today's demo seed writes columns later migrations add: an organisation row as 0001 knew it.
        conn.execute(insert(Organization.__table__), {"id": "demo", "name": "Demo", "timezone": "America/New_York",
                                                      "created_at": stamp})
    daily = {"type": "schedule", "cron": "0 9 * * *", "timezone": "America/New_York"}
    shapes = {"live": ("active", [daily, {"type": "manual"}, {**daily, "cron": "0 18 * * 5"}], None),
              "paused": ("paused", [daily], None), "deleted": ("active", [daily], stamp),
              "events": ("active", [{"type": "event", "event": "order.created"}], None)}
    with engine.begin() as conn:
        conn.execute(insert(Playbook.__table__), [
            {"id": f"pb_{name}", "org_id": "demo", "name": name, "agent": "pops", "category": "operations", "status": status,
             "triggers": triggers, "steps": [], "version": 3, "created_by": None, "created_at": stamp,
             "updated_at": stamp, "deleted_at": deleted}
            for name, (status, triggers, deleted) in shapes.items()
        ])
    migrate(engine)
    with Session(engine) as session:
        rows = session.scalars(select(Schedule).order_by(Schedule.trigger_index)).all()
    assert [(r.playbook_id, r.trigger_index, r.cron, r.playbook_version) for r in rows] == [
        ("pb_live", 0, "0 9 * * *", 3), ("pb_live", 2, "0 18 * * 5", 3)]
    assert all(r.next_fire_at > stamp and r.catch_up == "latest" and r.overlap == "skip" for r in rows)
    engine.dispose()


def test_a_due_row_on_time_runs_its_slot_and_moves_to_the_next():
    due = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
    plan = plan_due("0 9 * * *", "America/New_York", due, due + timedelta(milliseconds=3))
    assert (plan.run, plan.missed, plan.more_missed, plan.next_fire_at) == (due, [], False, due + timedelta(days=1))


def test_after_downtime_the_latest_slot_within_grace_runs_and_older_ones_are_missed():
    due = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
    plan = plan_due("*/10 * * * *", "UTC", due, due + timedelta(minutes=42))
    assert plan.run == due + timedelta(minutes=40)
    assert plan.missed == [due + timedelta(minutes=m) for m in (0, 10, 20, 30)] and not plan.more_missed
    assert plan.next_fire_at == due + timedelta(minutes=50)
    # The default grace window is an hour: a slot 30 minutes late still runs, one 90 minutes late is missed.
    late = plan_due("0 9 * * *", "America/New_York", due, due + timedelta(days=2, minutes=30))
    assert late.run == due + timedelta(days=2) and late.missed == [due + timedelta(days=d) for d in range(2)]
    later = plan_due("0 9 * * *", "America/New_York", due, due + timedelta(days=2, minutes=90))
    assert later.run is None and later.missed == [due + timedelta(days=d) for d in range(3)]


def test_a_long_outage_of_a_frequent_cron_lists_a_bounded_number_of_missed_slots():
    due = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
    now = due + timedelta(days=1, seconds=30)
    plan = plan_due("* * * * *", "UTC", due, now, limit=100)
    assert plan.run == due + timedelta(days=1)
    assert plan.missed == [due + timedelta(minutes=m) for m in range(100)] and plan.more_missed
    assert plan.next_fire_at == due + timedelta(days=1, minutes=1)



async def test_a_change_made_while_a_fire_holds_its_rows_waits_for_it_without_deadlock(pg_settings):
    slot = _next_minute(timedelta(seconds=10))
    (playbook_id,) = _seed(pg_settings, 1, slot)
    jobs, dispatched = _doorbell(pg_settings, _clock_at(slot + timedelta(seconds=1)))
    service = PlaybookService(jobs.engine, default_registry())
    with jobs.runs.batch() as batch:
        (row,) = rows.claim_due(batch.conn, slot + timedelta(seconds=1), 10)
        # Another server changes the playbook now: it locks the playbook, then waits for the claimed row.
        change = asyncio.get_running_loop().run_in_executor(
            None, lambda: service.update("demo", playbook_id, {"triggers": [{"type": "schedule", "cron": "0 3 * * *"}]}))
        def lock_waits() -> int:
            # A fresh transaction per look: pg_stat_activity is a snapshot held for the whole transaction.
            with jobs.engine.connect() as watch:
                return watch.execute(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
                )).scalar()

        await until(lock_waits)
        # The fire goes on: its run's foreign key needs the playbook the change holds (KEY SHARE).
        (started,) = batch.start([(rows.playbooks_of(batch.conn, [playbook_id])[playbook_id], Firing.of_slot(slot))])
        rows.advance(batch.conn, [(row.id, slot + timedelta(days=1))], [])
    changed = await change
    assert started.created and dispatched == [started.execution_id]
    assert changed.version == 2 and [r.cron for r in _schedules_of(jobs.engine)] == ["0 3 * * *"]
    jobs.engine.dispose()


def _schedules_of(engine) -> list[Schedule]:
    with Session(engine) as session:
        return list(session.scalars(select(Schedule)).all())
