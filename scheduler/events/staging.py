"""Events a run emits: staged with the step's checkpoint (or the failing run's last commit), guarded against loops.

The row is written `pending` in the same transaction as the checkpoint, so a step's events and its
"done" mark commit together; the relay (EventBus.deliver) fans them out just after. Its id is
derived from the step's key, so a resumed step can never log one twice.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.engine import Connection

from scheduler.catalog import EVENT_NAMES
from scheduler.domain.chain import MAX_CHAIN_DEPTH, link_of_run, refusal
from scheduler.events.log import PENDING, SUPPRESSED, Event, record
from scheduler.store.event_tables import EventRecord
from scheduler.store.repositories.unit import UnitOfWork
from scheduler.store.tables import Execution, Playbook

FAILED = "playbook.failed"


class Emitter(Protocol):
    """What staging reads of a running step (scheduler.steps.base.StepContext is one)."""

    org_id: str
    execution_id: str
    step_index: int
    values: dict[str, Any]
    unit: UnitOfWork


@dataclass(frozen=True)
class Staged:
    """An event a step staged: its id, and why it will start nothing (a loop, a chain too deep), if so."""

    event_id: str
    name: str
    refused: str | None = None


def stage_event(ctx: Emitter, name: str, data: dict[str, Any], now: datetime, n: int = 0,
                max_depth: int = MAX_CHAIN_DEPTH) -> Staged:
    """Stage event `name` in the step's unit of work; refused ones are logged `suppressed` with the reason."""
    if name not in EVENT_NAMES:
        raise ValueError(f"unknown event {name!r}; known events: {', '.join(EVENT_NAMES)}")
    link = link_of_run(ctx.values.get("trigger"), ctx.execution_id)
    event = Event(ctx.org_id, f"{ctx.execution_id}:{ctx.step_index}:{name}:{n}", name, dict(data), link, source="run")
    reason = refusal(name, link, max_depth)
    ctx.unit.add(EventRecord, **event.row(SUPPRESSED if reason else PENDING, now, reason))
    return Staged(event.event_id, name, reason)


def pending_of(unit: UnitOfWork | None) -> list[str]:
    """The ids of the events a committed unit logged for the relay."""
    return [v["event_id"] for v in unit.staged(EventRecord) if v["status"] == PENDING] if unit else []


def record_failure(conn: Connection, execution_id: str, org_id: str, trigger: dict[str, Any] | None, error: str | None,
                   now: datetime, max_depth: int = MAX_CHAIN_DEPTH) -> str | None:
    """Log `playbook.failed` for a run that just failed, in its last commit; the event id if it waits for the relay."""
    e, p = Execution.__table__, Playbook.__table__  # type: ignore[attr-defined]
    row = conn.execute(select(e.c.playbook_id, p.c.name).join(p, p.c.id == e.c.playbook_id)
                       .where(e.c.id == execution_id)).first()
    if row is None:
        return None
    link = link_of_run(trigger, execution_id)
    data = {"playbook_id": row.playbook_id, "playbook_name": row.name, "execution_id": execution_id, "error": error or ""}
    event = Event(org_id, f"{execution_id}:failed", FAILED, data, link, source="run")
    reason = refusal(FAILED, link, max_depth)
    made = record(conn, event, SUPPRESSED if reason else PENDING, now, reason)
    return event.event_id if made and reason is None else None
