"""Competitive actions and the drafts they become: staged with a step's checkpoint, claimed once, listed in pages."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Executable, and_, or_, update
from sqlmodel import Session, col, select

from scheduler.store.action_tables import CompetitiveAction, Draft
from scheduler.store.pages import BadCursor
from scheduler.store.repositories.base import Repository
from scheduler.store.repositories.unit import UnitOfWork
from scheduler.store.tables import new_id, utcnow

ACTION_TYPES = ("price_adjustment", "counter_campaign", "inventory_alert", "margin_optimization")
PRIORITIES = ("low", "medium", "high", "critical")
ACTION_STATUSES = ("pending", "in_progress", "done", "dismissed")


@dataclass(frozen=True)
class ActionFilter:
    """Which actions a list shows; None is any."""

    type: str | None = None
    status: str | None = None
    priority: str | None = None


class CompetitiveActionRepository(Repository):
    """The organisation's competitive actions: added by analyze_competitive_intelligence, consumed by personas."""

    def stage(self, unit: UnitOfWork, org_id: str, kind: str, priority: str, recommendation: str,
              data: dict[str, Any], execution_id: str | None) -> str:
        """Stage a new pending action in a step's unit of work; answers its id."""
        action_id, now = new_id("act"), utcnow()
        unit.add(CompetitiveAction, id=action_id, org_id=org_id, type=kind, priority=priority,
                 recommendation=recommendation, data=data, status="pending", source_execution_id=execution_id,
                 claimed_by=None, created_at=now, updated_at=now)
        return action_id

    async def claim(self, org_id: str, kind: str, key: str, priority: str | None = None) -> list[dict[str, Any]]:
        """Take the pending actions of a type for the step keyed `key` (its own retry takes them again); oldest first."""
        return await self._off_loop(self._claim, org_id, kind, key, priority)

    def _claim(self, org_id: str, kind: str, key: str, priority: str | None) -> list[dict[str, Any]]:
        t = CompetitiveAction.__table__  # type: ignore[attr-defined]
        mine = or_(t.c.status == "pending", and_(t.c.status == "in_progress", t.c.claimed_by == key))
        where = [t.c.org_id == org_id, t.c.type == kind, mine]
        if priority is not None:
            where.append(t.c.priority == priority)
        # One conditional UPDATE: two consumers at once never both get a row (PostgreSQL re-checks the
        # WHERE of a row another transaction changed; SQLite runs one writer at a time).
        with self._engine.connect() as conn:
            rows = conn.execute(
                update(t).where(*where).values(status="in_progress", claimed_by=key, updated_at=utcnow())
                .returning(t.c.id, t.c.priority, t.c.recommendation, t.c.data, t.c.created_at)
            ).mappings().all()
            conn.commit()
        return sorted((dict(r) for r in rows), key=lambda r: (r["created_at"], r["id"]))

    @staticmethod
    def release(key: str) -> Executable:
        """The statement that gives back what the step keyed `key` claimed and did not finish (it failed for good)."""
        t = CompetitiveAction.__table__  # type: ignore[attr-defined]
        return (update(t).where(t.c.claimed_by == key, t.c.status == "in_progress")
                .values(status="pending", claimed_by=None, updated_at=utcnow()))

    @staticmethod
    def finish(unit: UnitOfWork, ids: list[str], key: str, status: str = "done") -> None:
        """Stage the end of claimed actions (done or dismissed), committed with the claiming step's checkpoint."""
        if ids:
            t = CompetitiveAction.__table__  # type: ignore[attr-defined]
            unit.execute(update(t).where(t.c.id.in_(ids), t.c.claimed_by == key, t.c.status == "in_progress")
                         .values(status=status, updated_at=utcnow()))

    async def list(self, org_id: str, where: ActionFilter, limit: int = 50,
                   cursor: str | None = None) -> tuple[list[CompetitiveAction], str | None]:
        """A page of actions, newest first, and the cursor of the next page."""
        return await self._off_loop(self._list, org_id, where, limit, cursor)

    def _list(self, org_id: str, where: ActionFilter, limit: int,
              cursor: str | None) -> tuple[list[CompetitiveAction], str | None]:
        with Session(self._engine) as session:
            query = select(CompetitiveAction).where(CompetitiveAction.org_id == org_id)
            for name in ("type", "status", "priority"):
                if getattr(where, name) is not None:
                    query = query.where(getattr(CompetitiveAction, name) == getattr(where, name))
            if cursor:
                last = session.get(CompetitiveAction, cursor)
                if last is None or last.org_id != org_id:
                    raise BadCursor(f"cursor {cursor!r} is not from this list")
                query = query.where(_before(CompetitiveAction, last.created_at, last.id))
            order = (col(CompetitiveAction.created_at).desc(), col(CompetitiveAction.id).desc())
            rows = list(session.exec(query.order_by(*order).limit(limit + 1)))
        return rows[:limit], (rows[limit - 1].id if len(rows) > limit else None)


def _before(model: Any, created_at: datetime, row_id: str) -> Any:
    """Keyset paging on (created_at, id), newest first: the rows after the cursor's row."""
    return or_(model.created_at < created_at, and_(model.created_at == created_at, model.id < row_id))


class DraftRepository(Repository):
    """Campaign drafts and reorder lists: prepared for the owner, never sent."""

    def stage(self, unit: UnitOfWork, org_id: str, kind: str, title: str, body: str, data: dict[str, Any],
              execution_id: str | None) -> str:
        """Stage a draft in a step's unit of work; answers its id."""
        draft_id = new_id("drf")
        unit.add(Draft, id=draft_id, org_id=org_id, kind=kind, title=title, body=body, data=data,
                 execution_id=execution_id, created_at=utcnow())
        return draft_id

    async def list(self, org_id: str, kind: str | None = None) -> list[Draft]:
        """The organisation's drafts, oldest first."""
        return await self._off_loop(self._list, org_id, kind)

    def _list(self, org_id: str, kind: str | None) -> list[Draft]:
        with Session(self._engine) as session:
            query = select(Draft).where(Draft.org_id == org_id)
            if kind is not None:
                query = query.where(Draft.kind == kind)
            return list(session.exec(query.order_by(col(Draft.created_at), col(Draft.id))))
