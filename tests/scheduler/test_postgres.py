"""The engine's guarantees hold on PostgreSQL too: one run per key, checkpoints, resume."""
from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
from sqlmodel import Session, select

from scheduler.auth.tokens import issue_session_token
from scheduler.domain.clock import Clock
from scheduler.runs.history import get_execution
from scheduler.runtime import Runtime
from scheduler.store.tables import Execution, SideEffect, StepRun
from tests.conftest import (
    CRON_SECRET,
    auth,
    run_now,
    running,
    sales_report_spec,
    until,
    wait_for,
)
from tests.fakes.live import LiveServer


async def test_slot_fired_concurrently_is_one_run_and_it_completes(pg_settings):
    async with running(pg_settings) as runtime:
        playbook = runtime.playbooks.create("demo", sales_report_spec())
        slot = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
        ids = await asyncio.gather(*[asyncio.to_thread(runtime.jobs.fire_slot, playbook, slot) for _ in range(8)])
        assert len(set(ids)) == 1
        await runtime.dispatcher.drain()
        run = get_execution(runtime.engine, "demo", ids[0])
        assert run["status"] == "completed" and run["scheduledFor"] == "2026-11-26T14:00:00Z"
        assert len(list((pg_settings.home / "outbox").glob("*.eml"))) == 1


async def test_expired_lease_is_resumed_after_the_last_finished_step(pg_settings):
    async with running(pg_settings) as runtime:
        playbook = runtime.playbooks.create("demo", sales_report_spec())
        run_id = await run_now(runtime, playbook, "k")
        with Session(runtime.engine) as session:
            # As if the process died after step 0: step 1 never checkpointed, lease left behind.
            session.delete(session.exec(select(StepRun).where(StepRun.execution_id == run_id, StepRun.index == 1)).one())
            session.delete(session.get(SideEffect, f"{run_id}:1"))
            execution = session.get(Execution, run_id)
            execution.status, execution.completed_at, execution.lease_owner = "running", None, "dead"
            execution.lease_expires_at = runtime.clock.now() - timedelta(seconds=1)
            session.add(execution)
            session.commit()
        for eml in (pg_settings.home / "outbox").glob("*.eml"):
            eml.unlink()
        later = Runtime.build(pg_settings, clock=Clock(offset=timedelta(seconds=3)))
        await later.start()
        try:
            run = await until(lambda: (e := get_execution(later.engine, "demo", run_id))["status"] == "completed" and e)
            assert [s["status"] for s in run["stepResults"]] == ["completed", "completed"]
            assert run["stepResults"][0]["attempts"] == 1
            assert len(list((pg_settings.home / "outbox").glob("*.eml"))) == 1
        finally:
            await later.stop()


def test_idempotency_key_over_http_on_postgres(pg_settings):
    with LiveServer(pg_settings) as server:
        token = issue_session_token(server.runtime.engine, "demo", "owner@example.com")
        playbook = httpx.post(f"{server.url}/api/playbooks", json=sales_report_spec(), headers=auth(token)).json()
        url = f"{server.url}/api/playbooks/{playbook['id']}/execute"

        async def both():
            async with httpx.AsyncClient() as client:
                headers = {**auth(CRON_SECRET), "Idempotency-Key": "same"}
                return await asyncio.gather(*[client.post(url, json={}, headers=headers) for _ in range(4)])

        answers = asyncio.run(both())
        assert {a.status_code for a in answers} == {202}
        assert len({a.json()["executionId"] for a in answers}) == 1
        run_id = answers[0].json()["executionId"]
        wait_for(lambda: httpx.get(f"{server.url}/api/executions/{run_id}", headers=auth(token)).json()["status"] == "completed")
        items = httpx.get(f"{server.url}/api/playbooks/{playbook['id']}/executions", headers=auth(token)).json()["items"]
        assert len(items) == 1
