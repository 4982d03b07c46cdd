"""The schedules table: rows derived from a playbook, the earliest instant, due rows claimed and moved on.

Every statement here reads or writes through the index on next_fire_at or on playbook_id: no
scan of all schedules, whatever their number.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import Row, bindparam, delete, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlmodel import Session

from scheduler.domain.status import PlaybookStatus
from scheduler.store.tables import Playbook, Schedule
from scheduler.timing.cron import next_fire_times
from scheduler.timing.slots import CatchUp, Overlap

SCHEDULES = Schedule.__table__
PLAYBOOKS = Playbook.__table__
# What a fire reads of a playbook: what the run policy and run contexts need (the steps are copied in SQL).
RUN_COLUMNS = (PLAYBOOKS.c.id, PLAYBOOKS.c.org_id, PLAYBOOKS.c.status, PLAYBOOKS.c.deleted_at, PLAYBOOKS.c.version,
               PLAYBOOKS.c.created_by, PLAYBOOKS.c.resume_at)
CHUNK = 900


def derive(session: Session, playbook: Playbook, now: datetime) -> datetime | None:
    """Make the playbook's rows match it, in the caller's transaction; the earliest instant this set, if any.

    A trigger whose cron and zone did not change keeps its row and its next instant (a rename does
    not forfeit a slot); a new or changed one starts at its first slot after now; a playbook that is
    neither live nor paused until an instant (paused, archived, deleted) has no rows. The rows carry
    the playbook's catch-up and overlap policy.
    """
    session.flush()  # the playbook row first: the schedules point at it
    conn = session.connection()
    have = {r.trigger_index: r for r in conn.execute(select(SCHEDULES).where(SCHEDULES.c.playbook_id == playbook.id))}
    wanted = {index: trigger for index, trigger in playbook.schedules} if playbook.keeps_schedules else {}
    stale = [row.id for index, row in have.items() if index not in wanted]
    earliest = None
    policy = playbook.policy_spec
    rules = {"catch_up": CatchUp(policy.catch_up), "overlap": Overlap(policy.overlap),
             "grace_seconds": policy.grace_minutes * 60, "catch_up_limit": policy.catch_up_limit}
    for index, trigger in wanted.items():
        row = have.get(index)
        if row is not None and (row.cron, row.timezone) == (trigger.cron, trigger.zone):
            kept = {"playbook_version": playbook.version, **rules}
            if any(getattr(row, k) != v for k, v in kept.items()):
                conn.execute(update(SCHEDULES).where(SCHEDULES.c.id == row.id).values(**kept))
            continue
        first = next_fire_times(trigger.cron, trigger.zone, now, 1)
        if not first:
            stale += [row.id] if row is not None else []
            continue
        values = {"cron": trigger.cron, "timezone": trigger.zone, "next_fire_at": first[0].astimezone(UTC),
                  "playbook_version": playbook.version, "last_slot_at": None, **rules}
        if row is None:
            conn.execute(insert(SCHEDULES).values(org_id=playbook.org_id, playbook_id=playbook.id, trigger_index=index,
                                                  **values))
        else:
            conn.execute(update(SCHEDULES).where(SCHEDULES.c.id == row.id).values(**values))
        earliest = min(filter(None, [earliest, values["next_fire_at"]]))
    if stale:
        conn.execute(delete(SCHEDULES).where(SCHEDULES.c.id.in_(stale)))
    return earliest


def earliest(conn: Connection) -> datetime | None:
    """The smallest next_fire_at of all schedules, or resume_at of a paused playbook (one step down each index)."""
    fire = conn.execute(select(func.min(SCHEDULES.c.next_fire_at))).scalar()
    resume = conn.execute(select(func.min(PLAYBOOKS.c.resume_at))).scalar()
    return min(filter(None, [fire, resume]), default=None)


def resume_due(conn: Connection, now: datetime) -> list[str]:
    """Make playbooks paused until an instant at or before `now` active again; their ids.

    Their schedule rows were kept while paused, so nothing else changes; a slot from the pause is
    not owed to them (updated_at is the instant they resumed at).
    """
    due = (PLAYBOOKS.c.resume_at <= now) & (PLAYBOOKS.c.status == PlaybookStatus.paused) & PLAYBOOKS.c.deleted_at.is_(None)
    stmt = (update(PLAYBOOKS).where(due).values(status=PlaybookStatus.active, resume_at=None, updated_at=PLAYBOOKS.c.resume_at)
            .returning(PLAYBOOKS.c.id))
    return list(conn.execute(stmt).scalars())


def claim_due(conn: Connection, now: datetime, limit: int) -> list[Row]:
    """Claim up to `limit` rows due at `now`, oldest first, in one statement; they stay locked until commit.

    SQLite: the UPDATE takes the database's write lock, so a second doorbell waits and then finds
    them moved on. PostgreSQL: SKIP LOCKED lets a second doorbell pass over rows another one holds.
    """
    due = select(SCHEDULES.c.id).where(SCHEDULES.c.next_fire_at <= now).order_by(SCHEDULES.c.next_fire_at).limit(limit)
    if conn.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    stmt = (update(SCHEDULES).where(SCHEDULES.c.id.in_(due.scalar_subquery()))
            .values(last_slot_at=SCHEDULES.c.next_fire_at)
            .returning(SCHEDULES.c.id, SCHEDULES.c.playbook_id, SCHEDULES.c.cron, SCHEDULES.c.timezone,
                       SCHEDULES.c.next_fire_at, SCHEDULES.c.catch_up, SCHEDULES.c.overlap, SCHEDULES.c.grace_seconds,
                       SCHEDULES.c.catch_up_limit))
    return list(conn.execute(stmt))


def playbooks_of(conn: Connection, ids: Iterable[str]) -> dict[str, Row]:
    """The rows of these playbooks, as much as starting their runs needs."""
    ids = sorted(set(ids))
    found: dict[str, Row] = {}
    for start in range(0, len(ids), CHUNK):
        found.update({r.id: r for r in conn.execute(select(*RUN_COLUMNS).where(PLAYBOOKS.c.id.in_(ids[start:start + CHUNK])))})
    return found


def advance(conn: Connection, moves: list[tuple[int, datetime]], drops: list[int]) -> None:
    """Move each claimed row to its next instant (one executemany), and remove rows that never fire again."""
    if moves:
        conn.execute(update(SCHEDULES).where(SCHEDULES.c.id == bindparam("row_id"))
                     .values(next_fire_at=bindparam("next_at")),
                     [{"row_id": row_id, "next_at": at} for row_id, at in moves])
    for start in range(0, len(drops), CHUNK):
        conn.execute(delete(SCHEDULES).where(SCHEDULES.c.id.in_(drops[start:start + CHUNK])))


def schedule_ids(conn: Connection) -> list[str]:
    """One readable id per schedule row, `pb:<playbook>:<trigger index>:v<version>` (tests, diagnostics)."""
    rows = conn.execute(select(SCHEDULES.c.playbook_id, SCHEDULES.c.trigger_index, SCHEDULES.c.playbook_version))
    return sorted(f"pb:{p}:{i}:v{v}" for p, i, v in rows)


def count(conn: Connection) -> int:
    """How many schedules there are (readiness)."""
    return conn.execute(select(func.count()).select_from(SCHEDULES)).scalar_one()
