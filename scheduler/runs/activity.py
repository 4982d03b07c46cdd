"""Runs per day by status, in the organisation's zone: what the web page's chart draws."""
from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from scheduler.store.tables import Execution, Organization

MAX_DAYS = 90


def runs_per_day(engine: Engine, org_id: str, days: int, now: datetime) -> list[dict[str, object]]:
    """One row per local day (oldest first, `days` of them ending today): the day and a count per status."""
    days = max(1, min(days, MAX_DAYS))
    with Session(engine) as session:
        org = session.get(Organization, org_id)
        zone = ZoneInfo(org.timezone if org else "UTC")
        today = now.astimezone(zone).date()
        first = today - timedelta(days=days - 1)
        since = datetime.combine(first, datetime.min.time(), zone).astimezone(UTC)
        rows = session.exec(
            select(Execution.created_at, Execution.status)
            .where(Execution.org_id == org_id, col(Execution.created_at) >= since)
        ).all()
    counts: Counter[tuple[str, str]] = Counter(
        (created.astimezone(zone).date().isoformat(), str(status)) for created, status in rows
    )
    out = []
    for offset in range(days):
        day = (first + timedelta(days=offset)).isoformat()
        by_status = {status: n for (d, status), n in counts.items() if d == day}
        out.append({"day": day, "counts": dict(sorted(by_status.items()))})
    return out
