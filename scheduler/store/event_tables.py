"""Tables of events: the event log (an outbox written with the write that caused it) and the listeners of live playbooks."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from scheduler.store.tables import _json, _ts, utcnow


class EventRecord(SQLModel, table=True):
    """One event of an organisation, unique per (org, event id): a repeat of the id is the same event.

    `delivered` events were fanned out in the transaction that wrote them; `pending` ones (written by a
    step's or a failing run's commit) wait for the relay; `suppressed` ones never start anything (`reason`).
    """

    __tablename__ = "events"
    # Partial: only pending rows are in it, so the usual event (delivered in its own transaction) writes no page of it.
    __table_args__ = (UniqueConstraint("org_id", "event_id", name="uq_event_id"),
                      Index("ix_events_pending", "seq", sqlite_where=text("status = 'pending'"),
                            postgresql_where=text("status = 'pending'")))
    seq: int | None = Field(default=None, primary_key=True)
    org_id: str = Field(foreign_key="organizations.id")
    event_id: str
    name: str
    data: dict[str, Any] = _json(dict)
    source: str  # api, inventory, orders, customers, lapsed, run
    # The run that emitted it (steps, playbook.failed), the chain's depth and the event names that led here.
    cause_execution_id: str | None = None
    depth: int = 0
    chain: list[str] = _json(list)
    status: str = "delivered"
    reason: str | None = None
    created_at: datetime = _ts(nullable=False, default=utcnow)
    delivered_at: datetime | None = _ts(nullable=True)


class EventListener(SQLModel, table=True):
    """One event trigger of a live playbook, derived from it in the same transaction (as schedules are)."""

    __tablename__ = "event_listeners"
    __table_args__ = (UniqueConstraint("playbook_id", "trigger_index", name="uq_listener_trigger"),
                      Index("ix_event_listeners_lookup", "org_id", "event_name"))
    id: int | None = Field(default=None, primary_key=True)
    org_id: str = Field(foreign_key="organizations.id")
    playbook_id: str = Field(foreign_key="playbooks.id", index=True)
    trigger_index: int
    event_name: str
    filter: str | None = None
    playbook_version: int = 1
