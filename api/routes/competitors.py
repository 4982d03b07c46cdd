"""Competitor routes: list, add (URL checked as the guarded fetch would), remove."""
from __future__ import annotations

from fastapi import APIRouter, HTTPException, Response

from api import schemas
from api.deps import CurrentPrincipal, PageDep, RuntimeDep
from scheduler.store.repositories.competitors import CompetitorExists
from scheduler.store.tables import Competitor

router = APIRouter(prefix="/api/competitors", tags=["competitors"])


def _shown(competitor: Competitor) -> schemas.Competitor:
    return schemas.Competitor.model_validate(competitor.model_dump())


@router.get("")
async def list_competitors(runtime: RuntimeDep, who: CurrentPrincipal, page: PageDep) -> schemas.CompetitorList:
    """The organisation's competitors, in the order they were added, a page at a time."""
    rows, next_cursor = await runtime.executor.store.competitors.page(who.org_id, page.limit, page.cursor)
    return schemas.CompetitorList(items=[_shown(c) for c in rows], next_cursor=next_cursor)


@router.post("", status_code=201)
async def add_competitor(body: schemas.CompetitorCreate, runtime: RuntimeDep, who: CurrentPrincipal) -> schemas.Competitor:
    """Add a competitor; a URL that is not http(s), or names a refused address, is a 422; a name in use, a 409."""
    try:
        competitor = await runtime.executor.store.competitors.add(
            who.org_id, body.name, body.url, body.selectors, allow_loopback=runtime.settings.allow_loopback_fetch)
    except CompetitorExists as exc:
        raise HTTPException(409, str(exc)) from None
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    return _shown(competitor)


@router.delete("/{competitor_id}", status_code=204)
async def delete_competitor(competitor_id: str, runtime: RuntimeDep, who: CurrentPrincipal) -> Response:
    """Remove a competitor and its snapshots; another organisation's id is a 404."""
    if not await runtime.executor.store.competitors.delete(who.org_id, competitor_id):
        raise HTTPException(404, f"no competitor {competitor_id!r}")
    return Response(status_code=204)
