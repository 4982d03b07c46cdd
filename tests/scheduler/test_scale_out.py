"""The scale-out for real: runs sent through Redis to `playbooks worker` processes, schedulers side by side on one store."""
from __future__ import annotations

import asyncio
import base64
import json
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx
import redis
from sqlmodel import Session, select

from scheduler.auth.tokens import issue_session_token
from scheduler.runs.history import get_execution
from scheduler.runs.ledger import open_execution
from scheduler.runtime import Runtime
from scheduler.scaleout.dispatch import CeleryDispatcher
from scheduler.store.db import make_engine, migrate
from scheduler.store.tables import Execution, Notification, Schedule
from tests.conftest import CRON_SECRET, REDIS_URL, auth, on_celery, running, until, wait_for
from tests.fakes.live import LiveServer
from tests.fakes.smtp import SmtpServer
from tests.scheduler.scale_out_helpers import scheduler, worker


def _child_spec() -> dict:
    return {"name": "Child report", "agent": "pops", "triggers": [{"type": "manual"}],
            "steps": [{"action": "notify", "params": {"title": "child ran"}}]}


def _parent_spec() -> dict:
    """A run that parks twice in the worker (a child it waits for, a short wait) and mails at the end."""
    return {
        "name": "Scaled out", "agent": "pops", "triggers": [{"type": "manual"}],
        "steps": [
            {"action": "notify", "params": {"title": "before"}},
            {"action": "run_playbook", "params": {"playbook": "Child report", "wait": True}},
            {"action": "wait", "params": {"minutes": 0.01}},
            {"action": "send_email", "params": {"to": "{{user.email}}", "subject": "Scaled out"}},
        ],
    }


def _notes(engine, run_id: str) -> list[str]:
    with Session(engine) as session:
        return list(session.exec(select(Notification.title).where(Notification.execution_id == run_id)).all())


def test_serve_with_celery_hands_runs_to_a_worker_that_runs_them_to_the_end(store_settings, celery_queue, tmp_path):
    settings = on_celery(store_settings, celery_queue)
    with LiveServer(settings) as server, worker(settings, tmp_path / "worker.log") as proc:
        token = issue_session_token(server.runtime.engine, "demo", "owner@example.com")
        for spec in (_child_spec(), _parent_spec()):
            assert httpx.post(f"{server.url}/api/playbooks", json=spec, headers=auth(token)).status_code == 201
        parent = next(p for p in httpx.get(f"{server.url}/api/playbooks", headers=auth(token)).json()["items"]
                      if p["name"] == "Scaled out")
        answer = httpx.post(f"{server.url}/api/playbooks/{parent['id']}/execute", json={}, headers=auth(CRON_SECRET))
        assert answer.status_code == 202, answer.text
        run_id = answer.json()["executionId"]
        engine = server.runtime.engine
        run = wait_for(lambda: (r := get_execution(engine, "demo", run_id))["status"] in ("completed", "failed") and r,
                       timeout=90, every=0.1)
        assert run["status"] == "completed", (run, proc.output())
        # Every step's result is in the ledger, each once: the child's outcome read into its step, the mail sent once.
        assert [(s["action"], s["status"]) for s in run["stepResults"]] == [
            ("notify", "completed"), ("run_playbook", "completed"), ("wait", "completed"), ("send_email", "completed")]
        child = run["stepResults"][1]["output"]
        assert child["status"] == "completed" and not child["timed_out"]
        assert _notes(engine, run_id) == ["before"] and _notes(engine, child["child_execution_id"]) == ["child ran"]
        assert len(list((settings.home / "outbox").glob("*.eml"))) == 1
        # The worker ran it: this process's dispatcher only sends.
        assert isinstance(server.runtime.dispatcher, CeleryDispatcher)
        wait_for(lambda: f"execution {run_id} completed" in proc.output(), timeout=10)
        assert proc.stop() == 0, proc.output()  # SIGTERM: a warm shutdown


async def test_a_worker_killed_mid_step_leaves_its_run_to_another_worker_which_ends_it_once(store_settings, celery_queue,
                                                                                           tmp_path):
    with SmtpServer() as smtp:
        settings = on_celery(store_settings, celery_queue, PLAYBOOKS_SMTP_URL=smtp.url, PLAYBOOKS_RECOVERY_INTERVAL=0.2)
        async with running(settings) as runtime:  # the scheduler's side: files runs, sweeps for orphans
            playbook = runtime.playbooks.create("demo", {
                "name": "Crash", "agent": "pops", "triggers": [{"type": "manual"}],
                "steps": [{"action": "notify", "params": {"title": "before"}},
                          {"action": "send_email", "params": {"to": "{{user.email}}", "subject": "Once"}},
                          {"action": "notify", "params": {"title": "after"}}]})
            smtp.stall()  # the send hangs before MAIL FROM is answered: the worker dies in the middle of step 1
            with worker(settings, tmp_path / "first.log") as first:
                run_id = runtime.runs.start_run(playbook, _manual()).execution.id
                assert await asyncio.to_thread(smtp.wait_until_stalled, 60), first.output()
                first.kill()
            smtp.release()
            with Session(runtime.engine) as session:
                assert session.get(Execution, run_id).status == "running"
            with worker(settings, tmp_path / "second.log") as second:
                # The lease runs out (2 s), the sweep sends the run again, the second worker resumes it at step 1.
                run = await until(lambda: (r := get_execution(runtime.engine, "demo", run_id))["status"] == "completed" and r,
                                  timeout=90, every=0.1)
                assert second.stop() == 0, second.output()
    assert [s["status"] for s in run["stepResults"]] == ["completed"] * 3
    assert run["stepResults"][0]["attempts"] == 1  # the step before the death is not run again
    with Session(runtime.engine) as session:
        assert session.get(Execution, run_id).attempts == 2
    assert sorted(_notes(runtime.engine, run_id)) == ["after", "before"]
    assert [m["Subject"] for m in smtp.messages] == ["Once"]


async def test_a_worker_told_to_stop_hands_a_stuck_run_back_to_the_queue_at_once(settings, celery_queue, tmp_path):
    with SmtpServer() as smtp:
        # No sweep in this test: only the requeued message can bring the run to the second worker.
        settings = on_celery(settings, celery_queue, PLAYBOOKS_SMTP_URL=smtp.url, PLAYBOOKS_RECOVERY_INTERVAL=3600)
        async with running(settings) as runtime:
            playbook = runtime.playbooks.create("demo", {
                "name": "Handed back", "agent": "pops", "triggers": [{"type": "manual"}],
                "steps": [{"action": "notify", "params": {"title": "before"}},
                          {"action": "send_email", "params": {"to": "{{user.email}}", "subject": "Once"}}]})
            smtp.stall()
            with worker(settings, tmp_path / "first.log", grace=0.5) as first:
                run_id = runtime.runs.start_run(playbook, _manual()).execution.id
                assert await asyncio.to_thread(smtp.wait_until_stalled, 60), first.output()
                assert await asyncio.to_thread(first.stop) == 0, first.output()  # SIGTERM: grace, then hand back
            with Session(runtime.engine) as session:
                row = session.get(Execution, run_id)
                assert (row.status, row.lease_owner, row.attempts) == ("running", None, 0), first.output()
            smtp.release()
            with worker(settings, tmp_path / "second.log") as second:
                run = await until(lambda: (r := get_execution(runtime.engine, "demo", run_id))["status"] == "completed" and r,
                                  timeout=90, every=0.1)
                assert second.stop() == 0, second.output()
    assert [s["status"] for s in run["stepResults"]] == ["completed"] * 2
    assert _notes(runtime.engine, run_id) == ["before"]
    assert [m["Subject"] for m in smtp.messages] == ["Once"]


def _manual():
    from scheduler.domain.status import TriggeredBy
    from scheduler.runs.start import Firing

    return Firing(TriggeredBy.manual)


class SharedClock:
    """One movable clock for both schedulers (the Clock of the engine is frozen): real time plus `offset`."""

    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self.offset = offset

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


async def test_two_schedulers_on_one_store_file_each_slot_once_and_send_it_once(store_settings, celery_queue):
    settings = on_celery(store_settings, celery_queue, PLAYBOOKS_RECOVERY_INTERVAL=3600)
    clock = SharedClock()
    first = Runtime.build(settings, clock=clock, demo=True)
    second = Runtime.build(settings, clock=clock)
    spec = {"agent": "pops", "steps": [{"action": "notify", "params": {"title": "tick"}}],
            "triggers": [{"type": "schedule", "cron": "* * * * *", "timezone": "UTC"}],
            "policy": {"catchUp": "all", "overlap": "allow"}}
    playbooks = [first.playbooks.create("demo", {**spec, "name": f"Every minute {i}"}) for i in range(12)]
    with Session(first.engine) as session:
        start = min(session.exec(select(Schedule.next_fire_at)).all())
    # Half a minute after the third slot: three are due at start-up (catch-up all), one more per minute moved.
    clock.offset = start + timedelta(minutes=2, seconds=30) - datetime.now(UTC)
    try:
        await asyncio.gather(first.start(), second.start())
        for _ in range(3):
            clock.offset += timedelta(minutes=1)
            await asyncio.gather(*[asyncio.to_thread(r.jobs.fire_due) for r in (first, second, first, second)])
    finally:
        await asyncio.gather(first.stop(), second.stop())
    with Session(first.engine) as session:
        runs = session.exec(select(Execution.playbook_id, Execution.scheduled_for, Execution.status)).all()
    per_slot = Counter((playbook_id, slot) for playbook_id, slot, _ in runs)
    assert len(per_slot) == 12 * 6 and set(per_slot.values()) == {1}, per_slot
    assert {status for _, _, status in runs} == {"queued"}
    assert {p.id for p in playbooks} == {playbook_id for playbook_id, _ in per_slot}
    # Each run was sent once, by whichever scheduler filed it: no second message for a slot.
    client = redis.Redis.from_url(REDIS_URL)
    assert sorted(_queued_ids(client, celery_queue)) == sorted(_ids(first))
    client.close()


def _ids(runtime: Runtime) -> list[str]:
    with Session(runtime.engine) as session:
        return list(session.exec(select(Execution.id)).all())


def _queued_ids(client: redis.Redis, queue: str) -> list[str]:
    """The execution ids of the messages waiting in the queue, oldest first (kombu pushes left, pops right)."""
    ids = []
    for raw in reversed(client.lrange(queue, 0, -1)):
        message = json.loads(raw)
        assert message["headers"]["task"] == "playbooks.run" and message["content-type"] == "application/json"
        args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        ids.append(args[0])
    return ids


def test_the_dispatcher_sends_in_order_and_the_sweep_resends_a_run_once_a_window(settings, celery_queue):
    dispatcher = CeleryDispatcher.from_settings(on_celery(settings, celery_queue))
    client = redis.Redis.from_url(REDIS_URL)
    try:
        dispatcher.dispatch_many([f"ex_{i}" for i in range(50)])
        dispatcher.dispatch("ex_last")
        assert _queued_ids(client, celery_queue) == [f"ex_{i}" for i in range(50)] + ["ex_last"]
        client.delete(celery_queue)
        # Two sweeping processes find the same orphans: one message each, not one per sweep.
        other = CeleryDispatcher.from_settings(on_celery(settings, celery_queue))
        assert dispatcher.recover(["ex_a", "ex_b"]) == ["ex_a", "ex_b"]
        assert other.recover(["ex_b", "ex_c"]) == ["ex_c"]
        assert dispatcher.recover(["ex_a"]) == []
        assert _queued_ids(client, celery_queue) == ["ex_a", "ex_b", "ex_c"]
        other.close()
    finally:
        dispatcher.close()
        client.close()


def test_scheduler_and_worker_processes_run_a_due_slot_once_and_stop_cleanly(pg_settings, celery_queue, tmp_path):
    settings = on_celery(pg_settings, celery_queue, PLAYBOOKS_RECOVERY_INTERVAL=0.5)
    runtime = Runtime.build(settings, demo=True)
    # A daily slot a minute or two ago, owed because no scheduler ran then: caught up at start. Its next
    # slot is tomorrow, so a slow run of this test crossing a minute cannot file a second one.
    slot = (datetime.now(UTC) - timedelta(minutes=1)).replace(second=0, microsecond=0)
    playbook = runtime.playbooks.create("demo", {
        "name": "Due", "agent": "pops", "steps": [{"action": "notify", "params": {"title": "slot"}}],
        "triggers": [{"type": "schedule", "cron": f"{slot.minute} {slot.hour} * * *", "timezone": "UTC"}]})
    with Session(runtime.engine) as session:
        row = session.exec(select(Schedule).where(Schedule.playbook_id == playbook.id)).one()
        row.next_fire_at = slot
        session.add(row)
        session.commit()
    with (scheduler(settings, tmp_path / "s1.log") as one, scheduler(settings, tmp_path / "s2.log") as two,
          worker(settings, tmp_path / "w.log", concurrency=2) as proc):
        def done() -> list[Execution]:
            with Session(runtime.engine) as session:
                return [e for e in session.exec(select(Execution).where(Execution.playbook_id == playbook.id)).all()
                        if e.status == "completed"]

        runs = wait_for(done, timeout=90, every=0.1)
        assert [(r.triggered_by, r.scheduled_for) for r in runs] == [("schedule", slot)], (one.output(), two.output())
        assert _notes(runtime.engine, runs[0].id) == ["slot"]
        assert one.stop() == 0 and two.stop() == 0, (one.output(), two.output())
        assert proc.stop() == 0, proc.output()
    runtime.engine.dispose()


def test_processes_starting_together_on_a_fresh_postgres_database_migrate_it_once(pg_settings):
    failures: list[BaseException] = []

    def start() -> None:
        engine = make_engine(pg_settings)
        try:
            migrate(engine)
        except BaseException as exc:  # noqa: BLE001 (collected and shown by the assertion below)
            failures.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=start, daemon=True) for _ in range(4)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    assert not failures and not any(t.is_alive() for t in threads), failures


def test_schedulers_on_one_queue_take_turns_at_the_ticks_that_are_not_idempotent(settings, celery_queue):
    settings = on_celery(settings, celery_queue)
    first, second = Runtime.build(settings, demo=True), Runtime.build(settings)
    try:
        # Both would beat the demo organisation: its heartbeat is due for each of them.
        assert first.heartbeat.due() == second.heartbeat.due() == ["demo"]
        turns = [first.tick_turn(), second.tick_turn(), first.tick_turn()]
        assert turns == [True, False, False]
        assert first.tick() is not None and first.heartbeat.due() == second.heartbeat.due() == []
    finally:
        for runtime in (first, second):
            runtime.engine.dispose()
            runtime.dispatcher.close()


async def test_the_sweep_arms_the_wake_bell_for_a_run_another_process_parked(settings):
    settings = settings.model_copy(update={"recovery_interval_seconds": 3600})
    async with running(settings) as runtime:
        playbook = runtime.playbooks.create("demo", _child_spec())
        run_id = open_execution(runtime.engine, playbook, triggered_by="manual", dedupe_key="parked").execution.id
        wake_at = (runtime.clock.now() + timedelta(hours=1)).replace(microsecond=0)
        with Session(runtime.engine) as session:  # as a worker's `wait` step leaves it: asleep in the ledger
            row = session.get(Execution, run_id)
            row.status, row.wake_at = "waiting", wake_at
            session.add(row)
            session.commit()
        assert runtime.wakeups.armed_at is None
        await asyncio.to_thread(runtime.sweep)
        assert await until(lambda: runtime.wakeups.armed_at == wake_at)


def test_readiness_asks_the_broker_when_runs_go_to_celery(settings, celery_queue):
    with LiveServer(on_celery(settings, celery_queue), demo=False) as server:
        assert httpx.get(f"{server.url}/readyz").json() == {
            "status": "ready", "database": "ok", "scheduler": "running", "broker": "ok"}
    # Nothing listens on port 1: runs would be filed and never sent, so the server is not ready.
    down = on_celery(settings, celery_queue, PLAYBOOKS_REDIS_URL="redis://127.0.0.1:1/0")
    with LiveServer(down, demo=False, ready_status=503) as server:
        r = httpx.get(f"{server.url}/readyz")
        assert r.status_code == 503 and r.json()["detail"] == "broker unavailable"
        assert "127.0.0.1:1" not in r.text  # nothing about where the broker is
