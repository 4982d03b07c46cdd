"""Reading the run history: one execution with its step results, or a playbook's runs."""
from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from scheduler.models import Execution, StepRun, iso_utc
from scheduler.playbooks import NotFound


def get_execution(engine: Engine, org_id: str | None, execution_id: str) -> dict[str, Any]:
    """An execution as the API shows it; org None means any (the cron secret's view)."""
    with Session(engine) as session:
        execution = session.get(Execution, execution_id)
        if execution is None or (org_id is not None and execution.org_id != org_id):
            raise NotFound(f"no execution {execution_id!r}")
        steps = session.exec(select(StepRun).where(StepRun.execution_id == execution_id).order_by(col(StepRun.index))).all()
        return execution_json(execution, list(steps))


def list_executions(engine: Engine, org_id: str, playbook_id: str, limit: int = 50, cursor: str | None = None) -> tuple[list[dict[str, Any]], str | None]:
    """A page of a playbook's runs, newest first."""
    with Session(engine) as session:
        query = select(Execution).where(Execution.org_id == org_id, Execution.playbook_id == playbook_id)
        if cursor:
            query = query.where(Execution.id < cursor)
        rows = list(session.exec(query.order_by(col(Execution.created_at).desc(), col(Execution.id).desc()).limit(limit + 1)))
        more = len(rows) > limit
        rows = rows[:limit]
        items = []
        for execution in rows:
            steps = session.exec(select(StepRun).where(StepRun.execution_id == execution.id).order_by(col(StepRun.index))).all()
            items.append(execution_json(execution, list(steps)))
    return items, (rows[-1].id if more else None)


def execution_json(execution: Execution, steps: list[StepRun]) -> dict[str, Any]:
    """An execution with a result per step (camelCase)."""
    return {
        "id": execution.id, "playbookId": execution.playbook_id, "orgId": execution.org_id,
        "status": execution.status, "triggeredBy": execution.triggered_by,
        "scheduledFor": iso_utc(execution.scheduled_for), "error": execution.error,
        "stepResults": [
            {"index": s.index, "action": s.action, "status": s.status, "output": s.output, "error": s.error,
             "seen": s.seen, "attempts": s.attempts, "startedAt": iso_utc(s.started_at), "completedAt": iso_utc(s.completed_at)}
            for s in steps
        ],
        "createdAt": iso_utc(execution.created_at), "startedAt": iso_utc(execution.started_at),
        "completedAt": iso_utc(execution.completed_at),
    }
