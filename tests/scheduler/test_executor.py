"""The executor: conditions, addressing outputs, retries with backoff, clear failures."""
from __future__ import annotations

from scheduler.runs.history import get_execution
from scheduler.settings import Settings
from tests.conftest import run_now, running
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
