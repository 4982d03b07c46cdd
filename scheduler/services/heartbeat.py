"""The heartbeat: per organisation, on its own interval, checks that say `ok` or raise an `alert` with a priority."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, insert, select
from sqlalchemy.engine import Connection, Engine

from scheduler.domain.clock import SYSTEM_CLOCK, Clock
from scheduler.domain.status import ExecutionStatus, PlaybookStatus
from scheduler.store.action_tables import CompetitiveAction, HeartbeatCheck
from scheduler.store.tables import Execution, Organization, Playbook, Product, new_id

log = logging.getLogger(__name__)
ACT, HB = CompetitiveAction.__table__, HeartbeatCheck.__table__  # type: ignore[attr-defined]
E, PB, PR, ORG = Execution.__table__, Playbook.__table__, Product.__table__, Organization.__table__  # type: ignore[attr-defined]
FINISHED = (ExecutionStatus.completed, ExecutionStatus.failed)
SHOWN = 5
KEEP = timedelta(days=7)  # older heartbeats are pruned: only the latest is ever shown


@dataclass(frozen=True)
class Check:
    """One check's answer: `ok`, or `alert` with what is wrong and how urgent it is."""

    name: str
    status: str
    message: str
    priority: str | None = None
    data: dict[str, Any] | None = None


def _names(names: list[str]) -> str:
    return ", ".join(names[:SHOWN]) + (f" and {len(names) - SHOWN} more" if len(names) > SHOWN else "")


def competitive_threats(conn: Connection, org_id: str) -> Check:
    """Critical competitive actions nobody has acted on yet."""
    rows = conn.execute(select(ACT.c.id, ACT.c.recommendation).where(
        ACT.c.org_id == org_id, ACT.c.priority == "critical", ACT.c.status == "pending")
        .order_by(ACT.c.created_at)).all()
    if not rows:
        return Check("competitive_threats", "ok", "No critical competitive threats pending.")
    return Check("competitive_threats", "alert",
                 f"{len(rows)} critical competitive {'threats require' if len(rows) != 1 else 'threat requires'} attention: "
                 + "; ".join(r.recommendation for r in rows[:SHOWN]), "high", {"action_ids": [r.id for r in rows]})


def stock_outs(conn: Connection, org_id: str) -> Check:
    """Products at zero."""
    names = list(conn.execute(select(PR.c.name).where(PR.c.org_id == org_id, PR.c.quantity <= 0)
                              .order_by(PR.c.name)).scalars())
    if not names:
        return Check("stock_outs", "ok", "Nothing is out of stock.")
    return Check("stock_outs", "alert", f"{len(names)} product{'s' if len(names) != 1 else ''} out of stock: {_names(names)}.",
                 "high", {"products": names})


def failing_playbooks(conn: Connection, org_id: str) -> Check:
    """Playbooks whose last finished run failed."""
    last = (select(E.c.status).where(E.c.playbook_id == PB.c.id, E.c.status.in_(FINISHED))
            .order_by(E.c.created_at.desc(), E.c.id.desc()).limit(1).correlate(PB).scalar_subquery())
    names = list(conn.execute(select(PB.c.name).where(
        PB.c.org_id == org_id, PB.c.status != PlaybookStatus.archived, last == ExecutionStatus.failed)
        .order_by(PB.c.name)).scalars())
    if not names:
        return Check("failing_playbooks", "ok", "Every playbook's last run went through.")
    return Check("failing_playbooks", "alert",
                 f"{len(names)} playbook{'s' if len(names) != 1 else ''} failed on the last run: {_names(names)}.",
                 "medium", {"playbooks": names})


CHECKS = (competitive_threats, stock_outs, failing_playbooks)


class HeartbeatService:
    """Runs the checks of an organisation, stores them, answers the latest; `beat_due` beats every org whose turn it is."""

    def __init__(self, engine: Engine, clock: Clock = SYSTEM_CLOCK, interval_seconds: float = 3600.0) -> None:
        self.engine, self.clock, self.interval = engine, clock, timedelta(seconds=interval_seconds)

    def beat(self, org_id: str) -> list[Check]:
        """Run every check of one organisation now and store the answers (one heartbeat)."""
        now, beat_id = self.clock.now(), new_id("hb")
        with self.engine.connect() as conn:
            checks = [check(conn, org_id) for check in CHECKS]
            conn.execute(insert(HB), [{"org_id": org_id, "beat_id": beat_id, "name": c.name, "status": c.status,
                                        "message": c.message, "priority": c.priority, "data": c.data or {},
                                        "checked_at": now} for c in checks])
            conn.commit()
        return checks

    def latest(self, org_id: str) -> tuple[datetime, list[Check]] | None:
        """The organisation's latest heartbeat: when, and its checks; None before the first."""
        with self.engine.connect() as conn:
            newest = conn.execute(select(HB.c.beat_id, HB.c.checked_at).where(HB.c.org_id == org_id)
                                  .order_by(HB.c.checked_at.desc(), HB.c.id.desc()).limit(1)).first()
            if newest is None:
                return None
            rows = conn.execute(select(HB).where(HB.c.beat_id == newest.beat_id).order_by(HB.c.id)).mappings().all()
        return newest.checked_at, [Check(r["name"], r["status"], r["message"], r["priority"], r["data"]) for r in rows]

    def due(self) -> list[str]:
        """Organisations whose last heartbeat is an interval old, or that never had one."""
        last = select(HB.c.org_id, func.max(HB.c.checked_at).label("at")).group_by(HB.c.org_id).subquery()
        with self.engine.connect() as conn:
            return list(conn.execute(
                select(ORG.c.id).select_from(ORG.outerjoin(last, last.c.org_id == ORG.c.id))
                .where((last.c.at.is_(None)) | and_(last.c.at <= self.clock.now() - self.interval))
                .order_by(ORG.c.id)).scalars())

    def prune(self) -> int:
        """Delete heartbeat checks older than KEEP; answers how many went."""
        with self.engine.connect() as conn:
            gone = conn.execute(delete(HB).where(HB.c.checked_at < self.clock.now() - KEEP)).rowcount
            conn.commit()
        return gone

    def beat_due(self) -> list[str]:
        """Beat every organisation whose turn it is (one failing does not stop the others), then prune old beats."""
        beaten = []
        for org_id in self.due():
            try:
                self.beat(org_id)
                beaten.append(org_id)
            except Exception:
                log.exception("heartbeat of %s failed", org_id)
        if beaten:
            self.prune()
        return beaten
