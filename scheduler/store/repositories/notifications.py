"""In-app notifications: the notify step leaves them, the app lists them and marks them read."""
from __future__ import annotations

from sqlalchemy import or_
from sqlmodel import Session, col, select

from scheduler.store.repositories.actions import BadCursor, _before
from scheduler.store.repositories.base import Repository
from scheduler.store.repositories.unit import UnitOfWork
from scheduler.store.tables import Notification, new_id, utcnow


class NotificationRepository(Repository):
    """Writes notifications for users of an organisation; lists them in pages; marks them read."""

    async def add(self, org_id: str, user_id: str | None, title: str, body: str, execution_id: str | None) -> str:
        """Store a notification; answers its id."""
        return await self._off_loop(self._add, org_id, user_id, title, body, execution_id)

    def stage(
        self, unit: UnitOfWork, org_id: str, user_id: str | None, title: str, body: str, execution_id: str | None,
    ) -> str:
        """Stage a notification in a step's unit of work (committed with the step's checkpoint); answers its id."""
        note_id = new_id("ntf")
        unit.add(Notification, id=note_id, org_id=org_id, user_id=user_id, title=title, body=body,
                 execution_id=execution_id, created_at=utcnow(), read_at=None)
        return note_id

    async def list(self, org_id: str, user_id: str | None, unread: bool = False, limit: int = 50,
                   cursor: str | None = None) -> tuple[list[Notification], str | None]:
        """A page of the organisation's notifications, newest first, and the cursor of the next page.

        With a user, only the ones for that user or for nobody in particular; an agent (no user) sees all.
        """
        return await self._off_loop(self._list, org_id, user_id, unread, limit, cursor)

    async def mark_read(self, org_id: str, user_id: str | None, note_id: str) -> Notification | None:
        """Mark one read (the first reading's time stays); None when the caller cannot see it."""
        return await self._off_loop(self._mark_read, org_id, user_id, note_id)

    def _add(self, org_id: str, user_id: str | None, title: str, body: str, execution_id: str | None) -> str:
        note = Notification(org_id=org_id, user_id=user_id, title=title, body=body, execution_id=execution_id)
        with Session(self._engine, expire_on_commit=False) as session:
            session.add(note)
            session.commit()
        return note.id

    def _list(self, org_id: str, user_id: str | None, unread: bool, limit: int,
              cursor: str | None) -> tuple[list[Notification], str | None]:
        with Session(self._engine) as session:
            query = select(Notification).where(Notification.org_id == org_id)
            if user_id is not None:
                query = query.where(or_(col(Notification.user_id) == user_id, col(Notification.user_id).is_(None)))
            if unread:
                query = query.where(col(Notification.read_at).is_(None))
            if cursor:
                last = session.get(Notification, cursor)
                if last is None or not _visible(last, org_id, user_id):
                    raise BadCursor(f"cursor {cursor!r} is not from this list")
                query = query.where(_before(Notification, last.created_at, last.id))
            order = (col(Notification.created_at).desc(), col(Notification.id).desc())
            rows = list(session.exec(query.order_by(*order).limit(limit + 1)))
        return rows[:limit], (rows[limit - 1].id if len(rows) > limit else None)

    def _mark_read(self, org_id: str, user_id: str | None, note_id: str) -> Notification | None:
        with Session(self._engine, expire_on_commit=False) as session:
            note = session.get(Notification, note_id)
            if note is None or not _visible(note, org_id, user_id):
                return None
            if note.read_at is None:
                note.read_at = utcnow()
                session.add(note)
                session.commit()
        return note


def _visible(note: Notification, org_id: str, user_id: str | None) -> bool:
    return note.org_id == org_id and (user_id is None or note.user_id in (None, user_id))
