"""A run whose process dies resumes after its last finished step; a send is never repeated."""
from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlmodel import Session, select

from scheduler.domain.clock import Clock
from scheduler.runs.ledger import open_execution
from scheduler.runtime import Runtime
from scheduler.settings import Settings
from scheduler.store.tables import Execution, SideEffect, StepRun
from tests.conftest import run_now, running, sales_report_spec, until
from tests.fakes.smtp import SmtpServer


def _steps(runtime: Runtime, execution_id: str) -> list[StepRun]:
    with Session(runtime.engine) as session:
        return list(session.exec(select(StepRun).where(StepRun.execution_id == execution_id).order_by(StepRun.index)))


def _execution(runtime: Runtime, execution_id: str) -> Execution:
    with Session(runtime.engine) as session:
        return session.get(Execution, execution_id)


async def _run_stalled_at_the_send(runtime: Runtime, smtp: SmtpServer, key: str = "k") -> str:
    """Start a sales-report-then-email run and return once its email is held by the SMTP server."""
    playbook = runtime.playbooks.create("demo", sales_report_spec())
    run_id = open_execution(runtime.engine, playbook, triggered_by="manual", dedupe_key=key).execution.id
    smtp.stall()
    runtime.dispatcher.dispatch(run_id)
    assert await asyncio.to_thread(smtp.wait_until_stalled)
    return run_id


async def test_run_killed_after_step_one_resumes_at_step_two_and_mails_once(tmp_path):
    with SmtpServer() as smtp:
        settings = Settings(PLAYBOOKS_HOME=tmp_path, PLAYBOOKS_SMTP_URL=smtp.url, PLAYBOOKS_LEASE_SECONDS=2)
        first = Runtime.build(settings, demo=True)
        await first.start()
        run_id = await _run_stalled_at_the_send(first, smtp, "crash-test")
        report_done = _steps(first, run_id)[0]
        assert report_done.status == "completed"
        # The crash: the process's tasks vanish mid-send, the database stays as it was.
        await first.dispatcher.abandon()
        first.jobs.shutdown()
        first.engine.dispose()
        assert _execution(first, run_id).status == "running"
        assert [s.status for s in _steps(first, run_id)] == ["completed", "running"]
        smtp.release()

        # A new process, once the dead one's lease has run out.
        second = Runtime.build(settings, clock=Clock(offset=timedelta(seconds=5)))
        await second.start()
        try:
            await until(lambda: _execution(second, run_id).status == "completed")
            steps = _steps(second, run_id)
            assert [s.status for s in steps] == ["completed", "completed"]
            assert steps[0].started_at == report_done.started_at and steps[0].attempts == 1
            assert steps[0].output == report_done.output
            assert len(smtp.messages) == 1
            assert smtp.messages[0]["Message-ID"] == f"<{run_id}-1@playbooks.local>"
            assert _execution(second, run_id).attempts == 2
        finally:
            await second.stop()


async def test_a_send_recorded_before_the_crash_is_not_repeated(tmp_path):
    with SmtpServer() as smtp:
        settings = Settings(PLAYBOOKS_HOME=tmp_path, PLAYBOOKS_SMTP_URL=smtp.url, PLAYBOOKS_LEASE_SECONDS=2)
        async with running(settings) as runtime:
            playbook = runtime.playbooks.create("demo", sales_report_spec())
            run_id = await run_now(runtime, playbook, "k")
            assert len(smtp.messages) == 1
            # Crash point: the mail went out and its key was recorded, but the step's checkpoint was not.
            with Session(runtime.engine) as session:
                step = session.exec(select(StepRun).where(StepRun.execution_id == run_id, StepRun.index == 1)).one()
                step.status, step.completed_at = "running", None
                execution = session.get(Execution, run_id)
                execution.status, execution.completed_at = "running", None
                execution.lease_owner, execution.lease_expires_at = "dead-process", runtime.clock.now() - timedelta(seconds=1)
                session.add_all([step, execution])
                session.commit()
            assert runtime.sweep() == [run_id]
            await runtime.dispatcher.drain()
            assert _execution(runtime, run_id).status == "completed"
            assert len(smtp.messages) == 1


async def test_a_send_is_recorded_once_the_server_accepts_it_before_quit(tmp_path):
    with SmtpServer() as smtp:
        settings = Settings(PLAYBOOKS_HOME=tmp_path, PLAYBOOKS_SMTP_URL=smtp.url, PLAYBOOKS_LEASE_SECONDS=2)
        async with running(settings) as runtime:
            playbook = runtime.playbooks.create("demo", sales_report_spec())
            run_id = open_execution(runtime.engine, playbook, triggered_by="manual", dedupe_key="k").execution.id
            smtp.hold_quit()
            runtime.dispatcher.dispatch(run_id)
            assert await asyncio.to_thread(smtp.wait_until_quitting)
            # The server said 250 and the client said QUIT: the send is on record already.
            with Session(runtime.engine) as session:
                record = session.get(SideEffect, f"{run_id}:1")
            assert record is not None and record.result["message_id"] == f"<{run_id}-1@playbooks.local>"
            smtp.release()
            await runtime.dispatcher.drain()
            assert _execution(runtime, run_id).status == "completed" and len(smtp.messages) == 1


async def test_a_live_lease_is_not_stolen(settings):
    async with running(settings) as runtime:
        playbook = runtime.playbooks.create("demo", sales_report_spec())
        run_id = open_execution(runtime.engine, playbook, triggered_by="manual", dedupe_key="k").execution.id
        with Session(runtime.engine) as session:
            execution = session.get(Execution, run_id)
            execution.status, execution.lease_owner = "running", "someone-else"
            execution.lease_expires_at = runtime.clock.now() + timedelta(seconds=60)
            session.add(execution)
            session.commit()
        assert await runtime.executor.run(run_id) is None
        assert runtime.sweep() == []
        assert _steps(runtime, run_id) == []


async def test_an_executor_that_lost_its_lease_stops_without_writing(tmp_path):
    with SmtpServer() as smtp:
        settings = Settings(PLAYBOOKS_HOME=tmp_path, PLAYBOOKS_SMTP_URL=smtp.url, PLAYBOOKS_LEASE_SECONDS=1)
        async with running(settings) as runtime:
            playbook = runtime.playbooks.create("demo", sales_report_spec())
            run_id = open_execution(runtime.engine, playbook, triggered_by="manual", dedupe_key="k").execution.id
            smtp.stall()
            task = asyncio.create_task(runtime.executor.run(run_id))
            assert await asyncio.to_thread(smtp.wait_until_stalled)
            with Session(runtime.engine) as session:
                execution = session.get(Execution, run_id)
                execution.lease_owner = "another-executor"
                session.add(execution)
                session.commit()
            smtp.release()
            assert await task is None
            after = _execution(runtime, run_id)
            assert after.status == "running" and after.lease_owner == "another-executor"
            assert [s.status for s in _steps(runtime, run_id)] == ["completed", "running"]


def _as_if_died(runtime: Runtime, run_id: str, attempts: int, running_step: tuple[int, int] | None,
                alone: bool = True) -> None:
    """Leave the run as a killed process does: running, its lease expired; optionally a step `running` (index, crashes)."""
    with Session(runtime.engine) as session:
        execution = session.get(Execution, run_id)
        execution.status, execution.attempts, execution.lease_owner = "running", attempts, "dead-process"
        execution.lease_expires_at = runtime.clock.now() - timedelta(seconds=1)
        session.add(execution)
        if running_step is not None:
            index, crashes = running_step
            for i in range(index):
                session.add(StepRun(execution_id=run_id, index=i, action="sales_report", status="completed",
                                    output={"summary": "done before"}, attempts=1))
            session.add(StepRun(execution_id=run_id, index=index, action="send_email", status="running",
                                attempts=crashes, crashes=crashes, alone=alone))
        session.commit()


async def test_a_step_that_killed_its_process_three_times_fails_the_run_naming_it(tmp_path):
    with SmtpServer() as smtp:
        settings = Settings(PLAYBOOKS_HOME=tmp_path, PLAYBOOKS_SMTP_URL=smtp.url, PLAYBOOKS_LEASE_SECONDS=2)
        async with running(settings) as runtime:
            playbook = runtime.playbooks.create("demo", sales_report_spec())
            run_id = open_execution(runtime.engine, playbook, triggered_by="manual", dedupe_key="k").execution.id
            _as_if_died(runtime, run_id, attempts=3, running_step=(1, 2))
            assert await runtime.executor.run(run_id) == "failed"
            after = _execution(runtime, run_id)
            assert after.error.startswith("steps[1] (send_email): ") and "died 3 times" in after.error
            steps = _steps(runtime, run_id)
            assert [(s.status, s.crashes) for s in steps] == [("completed", 0), ("failed", 3)]
            assert smtp.messages == []


async def test_a_crash_counts_against_the_step_that_was_running_and_progress_resets_it(tmp_path):
    with SmtpServer() as smtp:
        settings = Settings(PLAYBOOKS_HOME=tmp_path, PLAYBOOKS_SMTP_URL=smtp.url, PLAYBOOKS_LEASE_SECONDS=2)
        async with running(settings) as runtime:
            playbook = runtime.playbooks.create("demo", sales_report_spec())
            run_id = open_execution(runtime.engine, playbook, triggered_by="manual", dedupe_key="k").execution.id
            # Two deaths during the send: the third claim counts the second crash and still runs the step.
            _as_if_died(runtime, run_id, attempts=2, running_step=(1, 1))
            assert await runtime.executor.run(run_id) == "completed"
            assert [(s.status, s.crashes) for s in _steps(runtime, run_id)] == [("completed", 0), ("completed", 2)]
            assert len(smtp.messages) == 1


async def test_a_death_beside_other_steps_does_not_count_but_the_step_reruns_alone(tmp_path):
    with SmtpServer() as smtp:
        settings = Settings(PLAYBOOKS_HOME=tmp_path, PLAYBOOKS_SMTP_URL=smtp.url, PLAYBOOKS_LEASE_SECONDS=2)
        async with running(settings) as runtime:
            playbook = runtime.playbooks.create("demo", sales_report_spec())
            run_id = open_execution(runtime.engine, playbook, triggered_by="manual", dedupe_key="k").execution.id
            # Two deaths beside other steps (not alone): they prove nothing against this step.
            _as_if_died(runtime, run_id, attempts=2, running_step=(1, 2), alone=False)
            smtp.stall()
            task = asyncio.create_task(runtime.executor.run(run_id))
            assert await asyncio.to_thread(smtp.wait_until_stalled)
            suspect = _steps(runtime, run_id)[1]
            assert (suspect.status, suspect.crashes, suspect.alone) == ("running", 2, True)
            assert runtime.executor.gate.alone  # nothing else runs meanwhile
            smtp.release()
            assert await task == "completed"
            assert len(smtp.messages) == 1


async def test_a_crash_looping_process_does_not_give_up_healthy_runs(settings):
    async with running(settings) as runtime:
        playbook = runtime.playbooks.create("demo", sales_report_spec())
        run_id = open_execution(runtime.engine, playbook, triggered_by="manual", dedupe_key="k").execution.id
        # Claimed and lost many times, but never while one of its steps ran: the machine, not the run.
        _as_if_died(runtime, run_id, attempts=12, running_step=None)
        assert await runtime.executor.run(run_id) == "completed"
        assert _execution(runtime, run_id).error is None
        assert [s.crashes for s in _steps(runtime, run_id)] == [0, 0]


async def test_graceful_stop_lets_the_send_finish_and_mails_once(tmp_path):
    with SmtpServer() as smtp:
        settings = Settings(PLAYBOOKS_HOME=tmp_path, PLAYBOOKS_SMTP_URL=smtp.url, PLAYBOOKS_LEASE_SECONDS=30)
        runtime = Runtime.build(settings, demo=True)
        await runtime.start()
        run_id = await _run_stalled_at_the_send(runtime, smtp, "k")
        stopping = asyncio.create_task(runtime.stop(grace_seconds=10))
        # Once the scheduler is shut, stop() is past its first step and waiting on the runs in flight.
        await until(lambda: not runtime.jobs.running)
        assert not stopping.done()
        smtp.release()
        await stopping
        assert _execution(runtime, run_id).status == "completed"
        assert len(smtp.messages) == 1


async def test_a_run_still_going_at_stop_is_handed_back_and_resumed_at_once(tmp_path):
    with SmtpServer() as smtp:
        settings = Settings(PLAYBOOKS_HOME=tmp_path, PLAYBOOKS_SMTP_URL=smtp.url, PLAYBOOKS_LEASE_SECONDS=300)
        first = Runtime.build(settings, demo=True)
        await first.start()
        run_id = await _run_stalled_at_the_send(first, smtp, "k")
        await first.stop(grace_seconds=0.2)
        handed_back = _execution(first, run_id)
        assert handed_back.status == "running" and handed_back.lease_owner is None and handed_back.attempts == 0
        smtp.release()
        # No waiting for a 300 s lease: the next start resumes it.
        async with running(settings) as second:
            await until(lambda: _execution(second, run_id).status == "completed")
        assert len(smtp.messages) == 1
