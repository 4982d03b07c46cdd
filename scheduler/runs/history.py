"""Reading the run history: one execution with its step results and what it cost, or a playbook's runs."""
from __future__ import annotations

from typing import Any

from sqlalchemy import and_, or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from scheduler.services.playbooks import BadCursor, NotFound
from scheduler.store.tables import Execution, StepRun, iso_utc


def get_execution(engine: Engine, org_id: str, execution_id: str) -> dict[str, Any]:
    """An execution of the organisation, as the API shows it."""
    with Session(engine) as session:
        execution = session.get(Execution, execution_id)
        if execution is None or execution.org_id != org_id:
            raise NotFound(f"no execution {execution_id!r}")
        steps = session.exec(select(StepRun).where(StepRun.execution_id == execution_id).order_by(col(StepRun.index))).all()
        return execution_json(execution, list(steps))


def list_executions(
    engine: Engine, org_id: str, playbook_id: str, limit: int = 50, cursor: str | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of a playbook's runs, newest first."""
    with Session(engine) as session:
        query = select(Execution).where(Execution.org_id == org_id, Execution.playbook_id == playbook_id)
        if cursor:
            # Keyset paging on (created_at, id): the cursor is the last execution of the previous page.
            last = session.get(Execution, cursor)
            if last is None or last.org_id != org_id or last.playbook_id != playbook_id:
                raise BadCursor(f"cursor {cursor!r} is not from this list")
            query = query.where(or_(
                Execution.created_at < last.created_at,
                and_(Execution.created_at == last.created_at, Execution.id < last.id),
            ))
        rows = list(session.exec(query.order_by(col(Execution.created_at).desc(), col(Execution.id).desc()).limit(limit + 1)))
        more = len(rows) > limit
        rows = rows[:limit]
        items = []
        for execution in rows:
            steps = session.exec(select(StepRun).where(StepRun.execution_id == execution.id).order_by(col(StepRun.index))).all()
            items.append(execution_json(execution, list(steps)))
    return items, (rows[-1].id if more else None)


def _count(value: Any) -> int:
    # Outputs are stored JSON: a count is an int (never a bool); anything else counts nothing.
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _dollars(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) and value > 0 else 0.0


def run_cost(steps: list[StepRun]) -> dict[str, Any]:
    """What a run cost so far, summed over its steps' outputs (camelCase, as the API shows it).

    Read from what the steps report rather than stored beside them, so a resumed or retried step
    is counted once, as its checkpoint is: `pages_fetched` and `cache_hits` (scan_competitors), a
    completed `fetch_url` as one page, and `tokens` and `cost_usd` from any step that called a
    paid model (none on the offline model, so zero there).
    """
    pages = hits = tokens = 0
    dollars = 0.0
    for step in steps:
        output = step.output or {}
        pages += _count(output.get("pages_fetched")) + (1 if step.action == "fetch_url" and step.output else 0)
        hits += _count(output.get("cache_hits"))
        tokens += _count(output.get("tokens"))
        dollars += _dollars(output.get("cost_usd"))
    return {"pagesFetched": pages, "cacheHits": hits, "tokens": tokens, "estimatedCostUsd": round(dollars, 6)}


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
        "completedAt": iso_utc(execution.completed_at), "cost": run_cost(steps),
    }
