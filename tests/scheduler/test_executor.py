"""The executor: conditions, addressing outputs, retries with backoff, clear failures."""
from __future__ import annotations

import asyncio

from sqlalchemy import event
from sqlmodel import Session

from scheduler.runs.history import get_execution
from scheduler.runs.ledger import open_execution
from scheduler.settings import Settings
from scheduler.store.tables import Execution
from tests.conftest import run_now, running, until
from tests.fakes.smtp import SmtpServer, free_port


def _playbook(steps):
    return {"name": "Executor test", "agent": "pops", "triggers": [{"type": "manual"}], "steps": steps}


async def test_false_condition_skips_the_step_and_records_what_it_saw(settings):
    async with running(settings) as runtime:
        playbook = runtime.playbooks.create("demo", _playbook([
            {"id": "report", "action": "sales_report", "params": {"period": "last_30_days"}},
            {"action": "notify", "condition": "{{report.order_count}} > 1000000", "params": {"message": "huge"}},
            {"action": "notify", "condition": "{{sales_report.revenue}} > 0 and {{user.email}} != ''",
             "params": {"title": "Revenue {{report.revenue}}", "message": "{{report.summary}}"}},
        ]))
        run = get_execution(runtime.engine, "demo", await run_now(runtime, playbook))
    assert run["status"] == "completed"
    report, skipped, sent = run["stepResults"]
    assert skipped["status"] == "skipped"
    assert skipped["seen"] == {"report.order_count": report["output"]["order_count"]}
    assert sent["status"] == "completed" and sent["seen"] is None
    assert set(skipped) >= {"index", "action", "status", "output", "error", "startedAt", "completedAt"}


async def test_transient_smtp_errors_are_retried_then_succeed(tmp_path):
    with SmtpServer() as smtp:
        smtp.refuse_next(1)
        settings = Settings(PLAYBOOKS_HOME=tmp_path, PLAYBOOKS_SMTP_URL=smtp.url)
        async with running(settings) as runtime:
            runtime.executor.backoff_seconds = 0.01
            playbook = runtime.playbooks.create("demo", _playbook([
                {"action": "send_email", "params": {"to": "{{user.email}}", "subject": "Hi", "body": "Hello"}}]))
            run = get_execution(runtime.engine, "demo", await run_now(runtime, playbook))
        assert run["status"] == "completed"
        assert run["stepResults"][0]["attempts"] == 2
        assert len(smtp.messages) == 1


async def test_a_step_that_keeps_failing_fails_the_run_with_a_clear_error(tmp_path):
    settings = Settings(PLAYBOOKS_HOME=tmp_path, PLAYBOOKS_SMTP_URL=f"smtp://127.0.0.1:{free_port()}")
    async with running(settings) as runtime:
        runtime.executor.backoff_seconds = 0.01
        playbook = runtime.playbooks.create("demo", _playbook([
            {"action": "sales_report"},
            {"action": "send_email", "params": {"to": "{{user.email}}", "subject": "Hi"}},
            {"action": "notify", "params": {"message": "never reached"}},
        ]))
        run = get_execution(runtime.engine, "demo", await run_now(runtime, playbook))
    assert run["status"] == "failed"
    assert [s["status"] for s in run["stepResults"]] == ["completed", "failed"]
    failed = run["stepResults"][1]
    assert failed["attempts"] == 3 and "SMTP server 127.0.0.1" in failed["error"]
    assert "steps[1] (send_email)" in run["error"]


async def test_a_template_that_renders_to_a_bad_value_fails_the_step_not_the_engine(settings):
    async with running(settings) as runtime:
        playbook = runtime.playbooks.create("demo", _playbook([
            {"action": "sales_report"},
            {"action": "send_email", "params": {"to": "{{sales_report.period}}", "subject": "x"}},
        ]))
        run = get_execution(runtime.engine, "demo", await run_now(runtime, playbook))
    assert run["status"] == "failed"
    assert "not an email address" in run["stepResults"][1]["error"]
    assert list((settings.home / "outbox").glob("*.eml")) == []


def _status(runtime, run_id):
    with Session(runtime.engine) as session:
        return session.get(Execution, run_id)


async def test_at_most_the_limit_of_runs_at_once_oldest_first_and_one_heartbeat_statement_for_all(tmp_path):
    with SmtpServer() as smtp:
        settings = Settings(PLAYBOOKS_HOME=tmp_path, PLAYBOOKS_SMTP_URL=smtp.url, PLAYBOOKS_MAX_CONCURRENT_RUNS=2)
        async with running(settings) as runtime:
            playbook = runtime.playbooks.create("demo", _playbook([
                {"action": "send_email", "params": {"to": "{{user.email}}", "subject": "Hi", "body": "Hello"}}]))
            ids = [open_execution(runtime.engine, playbook, triggered_by="manual", dedupe_key=f"k{i}").execution.id
                   for i in range(5)]
            smtp.stall()
            for run_id in ids:
                runtime.dispatcher.dispatch(run_id)
            await until(lambda: [_status(runtime, i).status for i in ids[:2]] == ["running", "running"])
            # The two oldest hold the slots until they end; the others wait, unclaimed.
            assert [_status(runtime, i).status for i in ids[2:]] == ["queued"] * 3
            assert runtime.dispatcher.pending == 3

            statements = []
            event.listen(runtime.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
            before = [_status(runtime, i).lease_expires_at for i in ids[:2]]
            lost = await asyncio.to_thread(runtime.executor.checkpoints.renew_all, set(ids[:2]))
            after = [_status(runtime, i).lease_expires_at for i in ids[:2]]
            assert lost == set() and all(a > b for a, b in zip(after, before, strict=True))
            assert len([s for s in statements if s.lstrip().upper().startswith("UPDATE")]) == 1

            smtp.release()
            await runtime.dispatcher.drain()
            done = [_status(runtime, i) for i in ids]
        assert {r.status for r in done} == {"completed"} and len(smtp.messages) == 5
        # A waiting run starts only when a slot frees.
        assert min(r.completed_at for r in done[:2]) <= min(r.started_at for r in done[2:])
