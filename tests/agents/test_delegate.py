"""delegate: a persona answers a run's task through the runner the app hands the engine; depth-capped; traced."""
from __future__ import annotations

import logging

from sqlmodel import Session, select

from agents.delegate import PersonaDelegate
from agents.models import model_factory
from scheduler.runs.history import get_execution
from scheduler.store.tables import Execution
from tests.conftest import run_now, running, until


def _playbook(runtime, name, steps):
    return runtime.playbooks.create("demo", {"name": name, "agent": "pops", "triggers": [{"type": "manual"}], "steps": steps})


async def test_a_persona_answers_with_the_runs_findings_and_both_logs_carry_the_trace(settings, caplog):
    caplog.set_level(logging.INFO, logger="agents.delegate")
    async with running(settings) as runtime:
        runtime.use_delegate(PersonaDelegate(model_factory(settings), runtime))
        playbook = _playbook(runtime, "Report, then Craig", [
            {"action": "sales_report", "params": {"period": "last_30_days"}},
            {"action": "delegate", "params": {"agent": "craig", "task": "draft a note about these sales",
                                              "context": {"revenue": "{{sales_report.revenue}}"}}},
            {"action": "notify", "params": {"title": "craig said", "message": "{{delegate.answer}}"}},
        ])
        run_id = await run_now(runtime, playbook, "delegate")
        run = get_execution(runtime.engine, "demo", run_id)
        assert run["status"] == "completed", run
        out = run["stepResults"][1]["output"]
        report = run["stepResults"][0]["output"]
        assert out["persona"] == "craig" and out["depth"] == 1 and out["model"] == "offline"
        assert out["trace_id"] == f"{run_id}:1"
        assert out["answer"].startswith('Craig took the task "draft a note about these sales"')
        assert report["summary"].splitlines()[0] in out["answer"] and str(report["revenue"]) in out["answer"]
        # The same answer every time: the offline model is deterministic.
        again = get_execution(runtime.engine, "demo", await run_now(runtime, playbook, "delegate-2"))
        assert again["stepResults"][1]["output"]["answer"] == out["answer"]
    persona_side = [r.getMessage() for r in caplog.records if r.name == "agents.delegate"]
    assert any(f"{run_id}:1" in line and "Craig takes" in line for line in persona_side)
    assert any(f"{run_id}:1" in line and "Craig answered" in line for line in persona_side)


async def test_delegation_is_refused_past_the_depth_cap(settings):
    async with running(settings) as runtime:
        runtime.use_delegate(PersonaDelegate(model_factory(settings), runtime))
        # D runs three levels below A: its delegation would be the fourth level.
        _playbook(runtime, "D", [{"action": "delegate", "params": {"agent": "ezal", "task": "look around"}}])
        _playbook(runtime, "C", [{"action": "run_playbook", "params": {"playbook": "D"}},
                                 {"action": "delegate", "params": {"agent": "ezal", "task": "look around"}}])
        _playbook(runtime, "B", [{"action": "run_playbook", "params": {"playbook": "C"}}])
        a = _playbook(runtime, "A", [{"action": "run_playbook", "params": {"playbook": "B"}}])
        await run_now(runtime, a, "deep")

        def by_depth():
            with Session(runtime.engine) as session:
                runs = session.exec(select(Execution).where(Execution.triggered_by == "playbook")).all()
            return {r.context["parent"]["depth"]: r for r in runs if r.status in ("completed", "failed")}

        done = await until(lambda: (d := by_depth()) and len(d) == 3 and d)
        assert done[2].status == "completed"  # C, two below A, still delegates (depth 3)
        c_out = get_execution(runtime.engine, "demo", done[2].id)["stepResults"][1]["output"]
        assert c_out["depth"] == 3
        assert done[3].status == "failed" and "delegations nest at most 3 deep" in done[3].error


async def test_without_a_runner_delegate_says_so(settings):
    async with running(settings) as runtime:
        playbook = _playbook(runtime, "Nobody home", [{"action": "delegate", "params": {"agent": "pops", "task": "count"}}])
        run = get_execution(runtime.engine, "demo", await run_now(runtime, playbook, "none"))
        assert run["status"] == "failed" and "no persona runner" in run["stepResults"][0]["error"]
