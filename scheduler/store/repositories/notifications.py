"""In-app notifications: the notify step leaves them, the app lists them."""
from __future__ import annotations

from sqlmodel import Session

from scheduler.store.repositories.base import Repository
from scheduler.store.repositories.unit import UnitOfWork
from scheduler.store.tables import Notification, new_id, utcnow


class NotificationRepository(Repository):
    """Writes notifications for users of an organisation."""

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

    def _add(self, org_id: str, user_id: str | None, title: str, body: str, execution_id: str | None) -> str:
        note = Notification(org_id=org_id, user_id=user_id, title=title, body=body, execution_id=execution_id)
        with Session(self._engine, expire_on_commit=False) as session:
            session.add(note)
            session.commit()
        return note.id
