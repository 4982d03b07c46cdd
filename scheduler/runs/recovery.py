"""The recovery sweep: runs whose lease expired (their process died) are resumed."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from scheduler.domain.clock import Clock
from scheduler.domain.status import ExecutionStatus
from scheduler.store.tables import Execution


def orphaned_executions(engine: Engine, clock: Clock, queued_grace: timedelta = timedelta(seconds=30)) -> list[str]:
    """Ids of runs to resume: running with an expired lease, or queued and never picked up."""
    now = clock.now()
    with Session(engine) as session:
        rows = session.exec(
            select(Execution.id).where(
                or_(
                    and_(Execution.status == ExecutionStatus.running, Execution.lease_expires_at < now),
                    and_(
                        Execution.status == ExecutionStatus.queued,
                        Execution.lease_expires_at.is_(None),
                        Execution.waits_for.is_(None),  # queued behind another run: released when that one ends
                        Execution.created_at < now - queued_grace,
                    ),
                )
            ).order_by(Execution.created_at)
        ).all()
    return list(rows)
