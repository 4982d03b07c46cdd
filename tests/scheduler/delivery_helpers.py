"""What the delivery tests share: a playbook that reports then delivers, and a crash after the delivery."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import Session, select

from scheduler.runs.history import get_execution
from scheduler.runtime import Runtime
from scheduler.store.tables import Execution, StepRun
from tests.conftest import run_now


def report_then(action: str, params: dict[str, Any]) -> dict[str, Any]:
    """A manual playbook: yesterday's sales report, then one delivery step."""
    return {"name": f"Report by {action}", "agent": "pops", "triggers": [{"type": "manual"}],
            "steps": [{"action": "sales_report", "params": {"period": "yesterday"}}, {"action": action, "params": params}]}


async def run_playbook(runtime: Runtime, spec: dict[str, Any], key: str = "run") -> tuple[str, dict[str, Any]]:
    """Create the playbook, run it to the end; (run id, the run as the API shows it)."""
    playbook = runtime.playbooks.create("demo", spec)
    run_id = await run_now(runtime, playbook, key)
    return run_id, get_execution(runtime.engine, "demo", run_id)


async def resume_after_crash(runtime: Runtime, run_id: str, index: int) -> dict[str, Any]:
    """As if the process died after step `index` had its effect recorded but before its checkpoint: resume the run."""
    with Session(runtime.engine) as session:
        step = session.exec(select(StepRun).where(StepRun.execution_id == run_id, StepRun.index == index)).one()
        step.status, step.completed_at = "running", None
        execution = session.get(Execution, run_id)
        execution.status, execution.completed_at = "running", None
        execution.lease_owner, execution.lease_expires_at = "dead-process", runtime.clock.now() - timedelta(seconds=1)
        session.add_all([step, execution])
        session.commit()
    assert runtime.sweep() == [run_id]
    await runtime.dispatcher.drain()
    return get_execution(runtime.engine, "demo", run_id)


async def connect_example_receivers(runtime: Runtime, web: Any) -> None:
    """Give the demo org a Slack webhook and a signed webhook on the example site (/slack, /webhook): step examples post there."""
    for kind in ("slack", "webhook"):
        await runtime.executor.store.integrations.add("demo", kind, web.receiver(f"/{kind}"), allow_loopback=True)
