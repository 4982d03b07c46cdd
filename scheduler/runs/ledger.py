"""The run ledger: every trigger first inserts an execution row keyed (org, playbook, dedupe_key)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from scheduler.domain.keys import DedupeKey
from scheduler.domain.status import ExecutionStatus, TriggeredBy
from scheduler.store.tables import Execution, Organization, Playbook, User


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
    with Session(engine, expire_on_commit=False) as session:
        existing = _find(session, playbook, dedupe_key)
        if existing is not None:
            return Opened(existing, False)
        execution = Execution(
            org_id=playbook.org_id, playbook_id=playbook.id, playbook_version=playbook.version,
            triggered_by=triggered_by, dedupe_key=dedupe_key, scheduled_for=scheduled_for,
            context=run_context(session, playbook, triggered_by, scheduled_for, user_id, event),
            steps=list(playbook.steps),
        )
        if closed_as is not None:
            execution.status, execution.error = closed_as
            execution.completed_at = datetime.now(UTC)
        session.add(execution)
        try:
            session.commit()
        except IntegrityError:
            # Another writer won the race for this key: theirs is the run.
            session.rollback()
            winner = _find(session, playbook, dedupe_key)
            if winner is None:
                raise
            return Opened(winner, False)
        return Opened(execution, True)


def scheduled_run_in_progress(engine: Engine, playbook: Playbook, now: datetime, queued_grace: timedelta) -> str | None:
    """The id of a scheduled run of this playbook that is still going (live lease, or queued lately)."""
    with Session(engine) as session:
        return session.exec(
            select(Execution.id).where(
                Execution.playbook_id == playbook.id, Execution.triggered_by == TriggeredBy.schedule,
                or_(
                    and_(Execution.status == ExecutionStatus.running, Execution.lease_expires_at > now),
                    and_(Execution.status == ExecutionStatus.queued, Execution.created_at > now - queued_grace),
                ),
            )
        ).first()


def _find(session: Session, playbook: Playbook, key: str) -> Execution | None:
    return session.exec(
        select(Execution).where(
            Execution.org_id == playbook.org_id, Execution.playbook_id == playbook.id, Execution.dedupe_key == key
        )
    ).first()


def run_context(
    session: Session, playbook: Playbook, triggered_by: TriggeredBy, scheduled_for: datetime | None,
    user_id: str | None, event: dict[str, Any] | None,
) -> dict[str, Any]:
    """The names a run's conditions and templates see besides step outputs: user, org, trigger, event."""
    org = session.get(Organization, playbook.org_id)
    user = session.get(User, user_id) if user_id else None
    if user is None or user.org_id != playbook.org_id:
        user = session.get(User, playbook.created_by) if playbook.created_by else None
    if user is None:
        user = session.exec(select(User).where(User.org_id == playbook.org_id).order_by(User.created_at)).first()
    owner = session.exec(select(User).where(User.org_id == playbook.org_id).order_by(User.created_at)).first()
    return {
        "user": {"id": user.id, "email": user.email, "name": user.name} if user else {},
        # The team's address is the organisation owner's until organisations can set their own.
        "org": {"id": org.id, "name": org.name, "timezone": org.timezone,
                "team_email": owner.email if owner else None} if org else {},
        "trigger": {"type": triggered_by, "scheduledFor": scheduled_for.isoformat() if scheduled_for else None},
        "event": event or {},
    }
