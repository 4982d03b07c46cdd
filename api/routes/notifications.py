"""In-app notifications: the ones playbooks left for the caller, newest first; marking one read."""
from __future__ import annotations

from fastapi import APIRouter, HTTPException, Query

from api import schemas
from api.deps import CurrentPrincipal, RuntimeDep
from scheduler.store.repositories.actions import BadCursor
from scheduler.store.tables import Notification

router = APIRouter(prefix="/api/notifications", tags=["notifications"])


def _shown(note: Notification) -> schemas.Notification:
    return schemas.Notification.model_validate(note.model_dump(exclude={"org_id"}))


@router.get("")
async def list_notifications(
    runtime: RuntimeDep, who: CurrentPrincipal, unread: bool = False,
    limit: int = Query(50, ge=1, le=200), cursor: str | None = None,
) -> schemas.NotificationPage:
    """The caller's notifications (a user's own and the organisation-wide ones), newest first; `?unread=true` filters."""
    try:
        rows, next_cursor = await runtime.executor.store.notifications.list(who.org_id, who.user_id, unread, limit, cursor)
    except BadCursor as exc:
        raise HTTPException(422, str(exc)) from None
    return schemas.NotificationPage(items=[_shown(r) for r in rows], next_cursor=next_cursor)


@router.post("/{notification_id}/read")
async def mark_read(notification_id: str, runtime: RuntimeDep, who: CurrentPrincipal) -> schemas.Notification:
    """Mark a notification read (again is harmless: the first time stays); another organisation's id is a 404."""
    note = await runtime.executor.store.notifications.mark_read(who.org_id, who.user_id, notification_id)
    if note is None:
        raise HTTPException(404, f"no notification {notification_id!r}")
    return _shown(note)
