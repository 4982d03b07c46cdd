"""The run ledger: every trigger first inserts an execution row keyed (org, playbook, dedupe_key).

Rows go in by bulk insert (`INSERT ... ON CONFLICT DO NOTHING`, SQLite and PostgreSQL alike), so a
thousand slots are one executemany and a key that is already there is a harmless repeat.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, Protocol

from sqlalchemy import JSON, String, and_, bindparam, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from scheduler.domain.keys import DedupeKey
from scheduler.domain.status import ExecutionStatus, TriggeredBy
from scheduler.store.tables import Execution, Organization, Playbook, User, UTCDateTime, new_id, utcnow

EXECUTIONS = Execution.__table__
PLAYBOOKS = Playbook.__table__
# Rows per IN (...) list: well under SQLite's and PostgreSQL's bound-parameter limits.
CHUNK = 900
# Built once: building a statement and its cache key costs more than running it (an event's fan-out reads these).
_ORGS = select(Organization.__table__).where(Organization.__table__.c.id.in_(bindparam("ids", expanding=True)))
_ORG_USERS = (select(User.__table__).where(User.__table__.c.org_id.in_(bindparam("ids", expanding=True)))
              .order_by(User.__table__.c.created_at))
_USERS = select(User.__table__).where(User.__table__.c.id.in_(bindparam("ids", expanding=True)))


class PlaybookRow(Protocol):
    """What the ledger and the run policy read of a playbook: a Playbook, or a row of its table."""

    @property
    def id(self) -> str: ...
    @property
    def org_id(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def deleted_at(self) -> datetime | None: ...
    @property
    def version(self) -> int: ...
    @property
    def created_by(self) -> str | None: ...


@dataclass(frozen=True)
class Opened:
    """The execution for a key, and whether this call created it (False: a repeat)."""

    execution: Execution
    created: bool


def open_execution(
    engine: Engine,
    playbook: Playbook,
    *,
    triggered_by: TriggeredBy,
    dedupe_key: DedupeKey,
    scheduled_for: datetime | None = None,
    user_id: str | None = None,
    event: dict[str, Any] | None = None,
    closed_as: tuple[ExecutionStatus, str] | None = None,
) -> Opened:
    """Insert the execution for this key, or return the one already there; never two.

    With `closed_as` (status, reason), the row records a slot that will not run: `missed` or `skipped`.
    """
    with engine.begin() as conn:
        context = RunContexts.load(conn, [(playbook, user_id)]).of(playbook, triggered_by, scheduled_for, user_id, event)
        row = execution_row(playbook, triggered_by=triggered_by, dedupe_key=dedupe_key, scheduled_for=scheduled_for,
                            context=context, closed_as=closed_as)
        if insert_executions(conn, [row]):
            return Opened(as_execution(row, playbook), True)
        # Another writer had the key (now or earlier): theirs is the run.
        return Opened(existing_executions(conn, [(playbook.id, dedupe_key)])[(playbook.id, dedupe_key)], False)


def execution_row(
    playbook: PlaybookRow, *, triggered_by: TriggeredBy, dedupe_key: DedupeKey, scheduled_for: datetime | None,
    context: dict[str, Any], closed_as: tuple[ExecutionStatus, str] | None = None, now: datetime | None = None,
    waits_for: str | None = None,
) -> dict[str, Any]:
    """The values of one new execution that are not its playbook's (insert_executions copies those).

    `waits_for`: the run it is queued behind (overlap policy queue); it is not claimed until that one ends.
    """
    now = now or utcnow()
    status, error = closed_as if closed_as is not None else (ExecutionStatus.queued, None)
    return {
        "id": new_id("ex"), "playbook_id": playbook.id, "status": status, "triggered_by": triggered_by,
        "dedupe_key": dedupe_key, "scheduled_for": scheduled_for, "context": context, "error": error,
        "created_at": now, "completed_at": now if closed_as is not None else None, "waits_for": waits_for,
    }


def as_execution(row: dict[str, Any], playbook: Playbook) -> Execution:
    """The execution an inserted row made, as start_run answers it."""
    return Execution(**row, org_id=playbook.org_id, playbook_version=playbook.version, steps=list(playbook.steps))


@cache
def _insert_from_playbooks(dialect_name: str) -> Any:
    """INSERT ... SELECT: the run's organisation, playbook version and steps come from its playbook's row.

    So a burst of runs never reads, decodes and re-encodes the steps of each playbook in Python.
    """
    p = PLAYBOOKS
    values = select(
        bindparam("id", type_=String), p.c.org_id, p.c.id, p.c.version, p.c.steps, bindparam("status", type_=String),
        bindparam("triggered_by", type_=String), bindparam("dedupe_key", type_=String),
        bindparam("scheduled_for", type_=UTCDateTime()), bindparam("context", type_=JSON),
        bindparam("error", type_=String), literal(0), bindparam("created_at", type_=UTCDateTime()),
        bindparam("completed_at", type_=UTCDateTime()), bindparam("waits_for", type_=String),
    ).where(p.c.id == bindparam("playbook_id", type_=String))
    columns = ["id", "org_id", "playbook_id", "playbook_version", "steps", "status", "triggered_by", "dedupe_key",
               "scheduled_for", "context", "error", "attempts", "created_at", "completed_at", "waits_for"]
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    return (dialect.insert(EXECUTIONS).from_select(columns, values)
            .on_conflict_do_nothing(index_elements=["org_id", "playbook_id", "dedupe_key"]))


def insert_executions(conn: Connection, rows: list[dict[str, Any]]) -> set[str]:
    """Insert the rows in one executemany statement; the ids of those inserted (a key already there is skipped)."""
    if not rows:
        return set()
    inserted = conn.execute(_insert_from_playbooks(conn.dialect.name), rows).rowcount
    ids = [r["id"] for r in rows]
    if inserted == len(ids):
        return set(ids)
    # Some keys were there already (a repeat): which of our fresh ids made it in.
    found: set[str] = set()
    for start in range(0, len(ids), CHUNK):
        found.update(conn.execute(select(EXECUTIONS.c.id).where(EXECUTIONS.c.id.in_(ids[start:start + CHUNK]))).scalars())
    return found


def existing_executions(conn: Connection, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Execution]:
    """The executions already filed under these (playbook id, dedupe key) pairs."""
    wanted = set(keys)
    found: dict[tuple[str, str], Execution] = {}
    pairs = sorted(wanted)
    for start in range(0, len(pairs), CHUNK):
        chunk = pairs[start:start + CHUNK]
        rows = conn.execute(select(EXECUTIONS).where(
            EXECUTIONS.c.playbook_id.in_({p for p, _ in chunk}), EXECUTIONS.c.dedupe_key.in_({k for _, k in chunk})))
        for row in rows:
            if (row.playbook_id, row.dedupe_key) in wanted:
                found[(row.playbook_id, row.dedupe_key)] = Execution(**row._mapping)
    return found


def scheduled_runs_in_progress(
    conn: Connection, playbook_ids: Iterable[str], now: datetime, queued_grace: timedelta,
) -> dict[str, str]:
    """For each playbook with a scheduled run still going (live lease, queued lately, or waiting its turn): the newest one's id."""
    ids = sorted(set(playbook_ids))
    busy: dict[str, str] = {}
    for start in range(0, len(ids), CHUNK):
        rows = conn.execute(select(EXECUTIONS.c.playbook_id, EXECUTIONS.c.id).where(
            EXECUTIONS.c.playbook_id.in_(ids[start:start + CHUNK]), EXECUTIONS.c.triggered_by == TriggeredBy.schedule,
            or_(
                and_(EXECUTIONS.c.status == ExecutionStatus.running, EXECUTIONS.c.lease_expires_at > now),
                and_(EXECUTIONS.c.status == ExecutionStatus.queued,
                     or_(EXECUTIONS.c.created_at > now - queued_grace, EXECUTIONS.c.waits_for.is_not(None))),
            ),
        ).order_by(EXECUTIONS.c.created_at, EXECUTIONS.c.scheduled_for))
        for playbook_id, execution_id in rows:
            # The newest wins: a queued slot waits at the end of the line.
            busy[playbook_id] = execution_id
    return busy


def release_waiting(conn: Connection, ended: Iterable[str] | None = None) -> list[str]:
    """Runs queued behind a run that is no longer going (of `ended`, or any): released to be claimed; their ids.

    Overlap policy queue: a waiting run names the run before it; once that one has ended (whatever
    its outcome) the waiting one may run.
    """
    before = EXECUTIONS.alias("before")
    going = select(before.c.id).where(before.c.id == EXECUTIONS.c.waits_for,
                                      before.c.status.in_((ExecutionStatus.queued, ExecutionStatus.running)))
    waiting = and_(EXECUTIONS.c.status == ExecutionStatus.queued, EXECUTIONS.c.waits_for.is_not(None), ~going.exists())
    if ended is not None:
        ended = sorted(set(ended))
        if not ended:
            return []
        waiting = and_(waiting, EXECUTIONS.c.waits_for.in_(ended))
    rows = conn.execute(update(EXECUTIONS).where(waiting).values(waits_for=None)
                        .returning(EXECUTIONS.c.id, EXECUTIONS.c.scheduled_for))
    return [r.id for r in sorted(rows, key=lambda r: (r.scheduled_for is None, r.scheduled_for))]


class RunContexts:
    """What run contexts need of organisations and users, read once for a whole batch of runs."""

    def __init__(self, orgs: dict[str, Any], users: dict[str, Any], first_users: dict[str, Any]) -> None:
        self.orgs, self.users, self.first_users = orgs, users, first_users

    @classmethod
    def load(cls, conn: Connection, wanted: Iterable[tuple[PlaybookRow, str | None]]) -> RunContexts:
        """Read the organisations, named users and first users (owners) of these (playbook, user id) pairs."""
        wanted = list(wanted)
        org_ids = sorted({p.org_id for p, _ in wanted})
        user_ids = sorted({u for p, u in wanted for u in (u, p.created_by) if u})
        orgs, users, first = {}, {}, {}
        for start in range(0, len(org_ids), CHUNK):
            chunk = org_ids[start:start + CHUNK]
            orgs.update({o.id: o for o in conn.execute(_ORGS, {"ids": chunk})})
            # Oldest first, so the first seen per organisation is its owner.
            for u in conn.execute(_ORG_USERS, {"ids": chunk}):
                first.setdefault(u.org_id, u)
        for start in range(0, len(user_ids), CHUNK):
            users.update({u.id: u for u in conn.execute(_USERS, {"ids": user_ids[start:start + CHUNK]})})
        return cls(orgs, users, first)

    def of(
        self, playbook: PlaybookRow, triggered_by: TriggeredBy, scheduled_for: datetime | None, user_id: str | None,
        event: dict[str, Any] | None, cause: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The names a run's conditions and templates see besides step outputs: user, org, trigger, event.

        `cause`: an event's name, id and chain, added to `trigger` (the guards of what the run emits read it).
        """
        org = self.orgs.get(playbook.org_id)
        user = self.users.get(user_id) if user_id else None
        if user is None or user.org_id != playbook.org_id:
            user = self.users.get(playbook.created_by) if playbook.created_by else None
        owner = self.first_users.get(playbook.org_id)
        if user is None:
            user = owner
        return {
            "user": {"id": user.id, "email": user.email, "name": user.name, "phone": user.phone} if user else {},
            # The team's address is the organisation owner's until organisations can set their own.
            "org": {"id": org.id, "name": org.name, "timezone": org.timezone,
                    "team_email": owner.email if owner else None} if org else {},
            "trigger": {"type": triggered_by, "scheduledFor": scheduled_for.isoformat() if scheduled_for else None,
                        **(cause or {})},
            "event": event or {},
        }


def run_context(
    session: Session, playbook: Playbook, triggered_by: TriggeredBy, scheduled_for: datetime | None,
    user_id: str | None, event: dict[str, Any] | None,
) -> dict[str, Any]:
    """The run context of one run (see RunContexts.of)."""
    return RunContexts.load(session.connection(), [(playbook, user_id)]).of(
        playbook, triggered_by, scheduled_for, user_id, event)
