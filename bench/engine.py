"""The engine, through its public surface only: Runtime.build, the playbook service, the store tables, the dispatcher.

When the engine changes shape (a schedule table, a start_run), this is the one module to adapt.
"""
from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import EMAIL, NOTIFY, ORG


def settings_for(home: Path, **extra: Any):
    """Engine settings on a SQLite file in `home` (the default store of `playbooks serve`)."""
    from scheduler.settings import Settings

    # The bench measures throughput, so the per-organisation rate limits are off unless a row sets them.
    return Settings(PLAYBOOKS_HOME=home, **{"PLAYBOOKS_RATE_EXECUTE_PER_MINUTE": 0, "PLAYBOOKS_RATE_CHAT_PER_MINUTE": 0, **extra})


def seed_org(engine) -> str:
    """The bench organisation and its owner, straight into the store tables; returns the user id."""
    from sqlmodel import Session

    from scheduler.store.tables import Organization, User

    with Session(engine) as session:
        session.add(Organization(id=ORG, name="Bench", timezone="UTC"))
        user = User(org_id=ORG, email=EMAIL, name="Bench Owner")
        session.add(user)
        session.commit()
        return user.id


def seed_schedules(engine, crons: list[str], updated_at: datetime, chunk: int = 5000) -> None:
    """Active playbooks with one schedule trigger each (one per cron), bulk-inserted into the store.

    Creating 100,000 playbooks through PlaybookService takes far longer than the start-up
    being measured, so rows go straight in with SQLAlchemy bulk inserts, shaped as the
    service stores them: each playbook and its row in the schedules table, due at the
    cron's first slot after `updated_at`.
    """
    from sqlalchemy import insert

    from scheduler.store.tables import Playbook, Schedule, new_id

    firsts: dict[str, datetime] = {}
    with engine.begin() as conn:
        for start in range(0, len(crons), chunk):
            rows = [
                {"id": new_id("pb"), "org_id": ORG, "name": f"bench schedule {i}", "agent": "pops",
                 "category": "operations", "status": "active",
                 "triggers": [{"type": "schedule", "cron": cron, "timezone": "UTC"}],
                 "steps": [NOTIFY], "version": 1, "created_by": None,
                 "created_at": updated_at, "updated_at": updated_at, "deleted_at": None}
                for i, cron in enumerate(crons[start:start + chunk], start)
            ]
            conn.execute(insert(Playbook.__table__), rows)
            conn.execute(insert(Schedule.__table__), [
                {"org_id": ORG, "playbook_id": row["id"], "trigger_index": 0, "cron": cron, "timezone": "UTC",
                 "next_fire_at": _first_slot(firsts, cron, "UTC", updated_at), "catch_up": "latest", "overlap": "skip",
                 "playbook_version": 1, "last_slot_at": None}
                for row, cron in zip(rows, crons[start:start + chunk], strict=True)
            ])


def reschedule_all(engine, cron: str, timezone: str, changed_at: datetime) -> None:
    """Give every playbook this one schedule trigger, as if changed at `changed_at`: one statement per table."""
    from sqlalchemy import update

    from scheduler.store.tables import Playbook, Schedule

    first = _first_slot({}, cron, timezone, changed_at)
    with engine.begin() as conn:
        conn.execute(update(Playbook.__table__).values(
            triggers=[{"type": "schedule", "cron": cron, "timezone": timezone}], updated_at=changed_at))
        conn.execute(update(Schedule.__table__).values(cron=cron, timezone=timezone, next_fire_at=first))


def _first_slot(memo: dict[str, datetime], cron: str, timezone: str, after: datetime) -> datetime:
    """The cron's first slot after `after`, in UTC (computed once per cron)."""
    from scheduler.timing.cron import next_fire_times

    if cron not in memo:
        memo[cron] = next_fire_times(cron, timezone, after, 1)[0].astimezone(UTC)
    return memo[cron]


def build(home: Path, clock=None, demo: bool = False):
    """Runtime.build on a SQLite file in `home`, with the given clock."""
    from scheduler.domain.clock import SYSTEM_CLOCK
    from scheduler.runtime import Runtime

    return Runtime.build(settings_for(home), clock=clock or SYSTEM_CLOCK, demo=demo)


def open_run(runtime, playbook, key: str) -> str:
    """Record a manual run without starting it."""
    from scheduler.runs.ledger import open_execution

    return open_execution(runtime.engine, playbook, triggered_by="manual", dedupe_key=key).execution.id


async def wait_finished(runtime, ids: list[str], timeout: float, poll: bool = False) -> dict[str, Any]:
    """Wait until every run is done (completed, failed...); their rows, by id.

    The dispatcher's drain is used when it has one (no polling to disturb the counts).
    """
    from sqlmodel import Session, select

    from scheduler.store.tables import Execution

    deadline = time.monotonic() + timeout
    wanted = set(ids)

    def read() -> dict[str, Any]:
        with Session(runtime.engine) as session:
            rows = session.exec(select(Execution).where(Execution.id.in_(wanted))).all()
            return {r.id: r for r in rows}

    drain = getattr(runtime.dispatcher, "drain", None)
    if drain is not None and not poll:
        await asyncio.wait_for(drain(), timeout)
    while True:
        rows = await asyncio.to_thread(read)
        if len(rows) == len(wanted) and all(r.status not in ("queued", "running") for r in rows.values()):
            return rows
        if time.monotonic() > deadline:
            raise TimeoutError(f"runs not finished after {timeout:g} s")
        await asyncio.sleep(0.002)
