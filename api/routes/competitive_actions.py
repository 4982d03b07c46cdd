"""Competitive actions: what analyze_competitive_intelligence found for each persona to act on."""
from __future__ import annotations

from fastapi import APIRouter, HTTPException

from api import schemas
from api.deps import CurrentPrincipal, PageDep, RuntimeDep
from scheduler.store.repositories.actions import ActionFilter, BadCursor

router = APIRouter(prefix="/api/competitive-actions", tags=["competitive actions"])


@router.get("")
async def list_actions(
    runtime: RuntimeDep, who: CurrentPrincipal, page: PageDep,
    type: schemas.ActionType | None = None,  # noqa: A002 (the wire name)
    status: schemas.ActionStatus | None = None, priority: schemas.Priority | None = None,
) -> schemas.CompetitiveActionPage:
    """The organisation's competitive actions, newest first, filtered by type, status and priority."""
    try:
        rows, next_cursor = await runtime.executor.store.actions.list(
            who.org_id, ActionFilter(type, status, priority), page.limit, page.cursor)
    except BadCursor as exc:
        raise HTTPException(422, str(exc)) from None
    return schemas.CompetitiveActionPage(
        items=[schemas.CompetitiveAction.model_validate(r.model_dump(exclude={"org_id", "claimed_by"})) for r in rows],
        next_cursor=next_cursor)
