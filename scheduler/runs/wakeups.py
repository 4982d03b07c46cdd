"""Waking parked runs: a `waiting` run whose instant has come (or whose child run ended) is queued again.

A run parks (status `waiting`, `wake_at` set, lease and worker released) after a `wait` step, or
after a `run_playbook` step that waits for its child (`waits_for` names the child). One bell, armed
at the earliest `wake_at`, queues the due runs in one transaction; the sweep does the same for
runs parked by other processes. The step before the park is already checkpointed, so the run goes
on with the step after it, once.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.engine import Connection, Engine

from scheduler.domain.clock import Clock
from scheduler.domain.status import ExecutionStatus
from scheduler.runs.checkpoints import ENDED
from scheduler.store.tables import Execution, StepRun

E, S = Execution.__table__, StepRun.__table__  # type: ignore[attr-defined]


def wake_due(engine: Engine, clock: Clock) -> tuple[list[str], datetime | None]:
    """Queue every parked run that is due; answers their ids and the earliest wake-up still ahead."""
    now = clock.now()
    child = E.alias("child")
    child_ended = select(child.c.id).where(child.c.id == E.c.waits_for, child.c.status.in_(ENDED)).exists()
    due = and_(E.c.status == ExecutionStatus.waiting, or_(E.c.wake_at <= now, child_ended))
    with engine.begin() as conn:
        rows = conn.execute(select(E.c.id, E.c.waits_for).where(due).order_by(E.c.wake_at)).all()
        woken = []
        for run_id, waits_for in rows:
            if waits_for is not None:
                _record_child(conn, run_id, waits_for)
            queued = conn.execute(update(E).where(E.c.id == run_id, E.c.status == ExecutionStatus.waiting)
                                  .values(status=ExecutionStatus.queued, wake_at=None, waits_for=None,
                                          lease_owner=None, lease_expires_at=None))
            if queued.rowcount == 1:
                woken.append(run_id)
        earliest = conn.execute(select(func.min(E.c.wake_at)).where(E.c.status == ExecutionStatus.waiting)).scalar()
    return woken, earliest


def _record_child(conn: Connection, parent_id: str, child_id: str) -> None:
    """The parent's run_playbook step output says how its child ended (or that the wait timed out)."""
    child = conn.execute(select(E.c.status, E.c.error, E.c.context).where(E.c.id == child_id)).first()
    if child is None:
        return
    index = (child.context.get("parent") or {}).get("step_index")
    output: Any = conn.execute(select(S.c.output).where(S.c.execution_id == parent_id, S.c.index == index)).scalar()
    if not isinstance(output, dict) or output.get("child_execution_id") != child_id:
        return
    ended = child.status in ENDED
    output = {**output, "status": child.status, "error": child.error, "timed_out": not ended,
              "summary": f"{output.get('playbook_name', 'the playbook')} {child.status}"
                         + ("" if ended else " (stopped waiting for it)")}
    conn.execute(update(S).where(S.c.execution_id == parent_id, S.c.index == index).values(output=output))
