"""The event log: one row per (org, event id), written in the transaction of whatever caused the event.

Rows go in with `INSERT ... ON CONFLICT DO NOTHING`, so a repeated id is found, never doubled, and
the insert's row count says whether this call made the event (and so may start runs for it).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import literal_column, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from scheduler.domain.chain import Link
from scheduler.domain.keys import DedupeKey
from scheduler.store.event_tables import EventRecord
from scheduler.store.pages import BadCursor
from scheduler.store.tables import Execution, new_id

EVENTS = EventRecord.__table__  # type: ignore[attr-defined]
EXECUTIONS = Execution.__table__  # type: ignore[attr-defined]
DELIVERED, PENDING, SUPPRESSED = "delivered", "pending", "suppressed"
# Written as a literal, not a bound value: only then can SQLite read pending events through the partial index.
IS_PENDING = EVENTS.c.status == literal_column("'pending'")


@dataclass(frozen=True)
class Event:
    """An event as the fan-out reads it: whose, which, what it says, and where it stands in its chain."""

    org_id: str
    event_id: str
    name: str
    data: dict[str, Any] = field(default_factory=dict)
    link: Link = field(default_factory=Link)
    source: str = "api"

    @classmethod
    def new(cls, org_id: str, name: str, data: dict[str, Any] | None = None, event_id: str | None = None,
            link: Link | None = None, source: str = "api") -> Event:
        """An event with the caller's id, or a fresh one."""
        return cls(org_id, event_id or new_id("evt"), name, dict(data or {}), link or Link(), source)

    def row(self, status: str, now: datetime, reason: str | None = None) -> dict[str, Any]:
        """Its values in the event log."""
        return {"org_id": self.org_id, "event_id": self.event_id, "name": self.name, "data": self.data,
                "source": self.source, "cause_execution_id": self.link.cause_execution_id, "depth": self.link.depth,
                "chain": list(self.link.chain), "status": status, "reason": reason, "created_at": now,
                "delivered_at": now if status == DELIVERED else None}


@cache
def insert_statement(dialect_name: str) -> Any:
    """The log's insert: a repeated (org, event id) is skipped, not an error."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    # RETURNING says whether the row went in (PostgreSQL reports no row count for an insert that returns its key).
    return dialect.insert(EVENTS).on_conflict_do_nothing(index_elements=["org_id", "event_id"]).returning(EVENTS.c.seq)


def record(conn: Connection, event: Event, status: str, now: datetime, reason: str | None = None) -> bool:
    """Write the event in the caller's transaction; False when its id was already there (a repeat)."""
    return conn.execute(insert_statement(conn.dialect.name), event.row(status, now, reason)).first() is not None


def runs_of(conn: Connection, org_id: str, event_id: str) -> list[str]:
    """The runs an event started (what a repeat of it answers), oldest first."""
    return list(conn.execute(select(EXECUTIONS.c.id).where(
        EXECUTIONS.c.org_id == org_id, EXECUTIONS.c.dedupe_key == DedupeKey.event(event_id))
        .order_by(EXECUTIONS.c.created_at, EXECUTIONS.c.id)).scalars())


def claim_pending(conn: Connection, now: datetime, only: tuple[str, Iterable[str]] | None = None,
                  limit: int = 500) -> list[Event]:
    """Mark pending events delivered (`only` these (org, event ids), else the oldest `limit`) and answer them.

    One conditional UPDATE: a second relay claiming the same events finds none.
    """
    wanted = select(EVENTS.c.seq).where(IS_PENDING)
    if only is not None:
        wanted = wanted.where(EVENTS.c.org_id == only[0], EVENTS.c.event_id.in_(list(only[1])))
    wanted = wanted.order_by(EVENTS.c.seq).limit(limit)
    if conn.dialect.name == "postgresql":
        wanted = wanted.with_for_update(skip_locked=True)
    rows = conn.execute(update(EVENTS).where(EVENTS.c.seq.in_(wanted.scalar_subquery()), IS_PENDING)
                        .values(status=DELIVERED, delivered_at=now)
                        .returning(EVENTS.c.seq, EVENTS.c.org_id, EVENTS.c.event_id, EVENTS.c.name, EVENTS.c.data,
                                   EVENTS.c.source, EVENTS.c.cause_execution_id, EVENTS.c.depth, EVENTS.c.chain)).all()
    return [Event(r.org_id, r.event_id, r.name, dict(r.data or {}), Link(r.depth, tuple(r.chain or ()), r.cause_execution_id),
                  r.source) for r in sorted(rows, key=lambda r: r.seq)]


def any_pending(conn: Connection) -> bool:
    """Whether some event waits for the relay (a read: the sweep takes no write lock for nothing)."""
    return conn.execute(select(EVENTS.c.seq).where(IS_PENDING).limit(1)).first() is not None


def recent(conn: Connection, org_id: str, name: str | None = None, limit: int = 50,
           cursor: str | None = None) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the organisation's events (of one name when given), newest first; the next page's cursor (an event id)."""
    query = select(EVENTS).where(EVENTS.c.org_id == org_id)
    if name:
        query = query.where(EVENTS.c.name == name)
    if cursor:
        after = conn.execute(select(EVENTS.c.seq).where(EVENTS.c.org_id == org_id, EVENTS.c.event_id == cursor)).scalar()
        if after is None:
            raise BadCursor(f"cursor {cursor!r} is not from this list")
        query = query.where(EVENTS.c.seq < after)
    rows = [dict(r) for r in conn.execute(query.order_by(EVENTS.c.seq.desc()).limit(limit + 1)).mappings()]
    return rows[:limit], (rows[limit - 1]["event_id"] if len(rows) > limit else None)
