"""Playbook routes: list, create, read, change, delete, execute."""
from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Body, Header, Request, Response

from api import schemas
from api.deps import CurrentPrincipal, ExecutePrincipal, PageDep, RuntimeDep
from api.idempotency import IdempotencyKeyHeader, idempotent
from api.limits.rates import RateLimits
from scheduler.auth.tokens import Principal
from scheduler.domain.spec import playbook_spec_schema
from scheduler.domain.status import TriggeredBy
from scheduler.runs.history import list_executions
from scheduler.runs.ledger import Opened
from scheduler.runtime import Runtime
from scheduler.steps.registry import default_registry
from scheduler.store.tables import Playbook

router = APIRouter(prefix="/api/playbooks", tags=["playbooks"])


def _shown(runtime: Runtime, playbook: Playbook) -> dict[str, Any]:
    return runtime.playbooks.shown(playbook)


def _read_shown(runtime: Runtime, org_id: str, playbook_id: str) -> dict[str, Any]:
    return runtime.playbooks.shown(runtime.playbooks.get(org_id, playbook_id))


@router.get("")
def list_playbooks(runtime: RuntimeDep, who: CurrentPrincipal, page: PageDep) -> schemas.PlaybookPage:
    """The organisation's playbooks, a page at a time."""
    items, next_cursor = runtime.playbooks.list(who.org_id, page.limit, page.cursor)
    return schemas.PlaybookPage.model_validate({"items": [_shown(runtime, p) for p in items], "nextCursor": next_cursor})


# /docs shows the spec's schema (registered actions, catalog events); the body is still read as a dict
# and validated on save, so a bad spec gets the service's problem+json naming each path.
SPEC_EXAMPLE = {key: schemas.PLAYBOOK_EXAMPLE[key] for key in ("name", "agent", "category", "triggers", "steps")}
SPEC_SCHEMA = playbook_spec_schema(default_registry().names())
SPEC_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": SPEC_SCHEMA, "example": SPEC_EXAMPLE}}}}
# A change names any of the spec's fields; the merged playbook is validated again as a whole.
PATCH_BODY = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": {**SPEC_SCHEMA, "title": "PlaybookChanges", "required": []}, "example": {"status": "paused"}}}}}


@router.post("", status_code=201, openapi_extra=SPEC_BODY)
async def create_playbook(request: Request, runtime: RuntimeDep, who: CurrentPrincipal, key: IdempotencyKeyHeader = None,
                          spec: dict[str, Any] = Body(...)) -> schemas.Playbook:
    """Validate, store and (when active) schedule a playbook; an `Idempotency-Key` makes a repeat return the same one."""

    async def create() -> schemas.Playbook:
        made = await asyncio.to_thread(runtime.playbooks.create, who.org_id, spec, created_by=who.user_id)
        return schemas.Playbook.model_validate(await asyncio.to_thread(_shown, runtime, made))

    return await idempotent(request, who, key, spec, 201, create)


@router.get("/{playbook_id}")
async def get_playbook(playbook_id: str, runtime: RuntimeDep, who: CurrentPrincipal) -> schemas.Playbook:
    """One playbook with its next run time."""
    # async with one hop for the read: a plain `def` route hops to the threadpool twice (the route, then
    # FastAPI's validation of what it returns), the most expensive part of this read.
    return schemas.Playbook.model_validate(await asyncio.to_thread(_read_shown, runtime, who.org_id, playbook_id))


@router.patch("/{playbook_id}", openapi_extra=PATCH_BODY)
def patch_playbook(playbook_id: str, runtime: RuntimeDep, who: CurrentPrincipal, changes: dict[str, Any] = Body(...)) -> schemas.Playbook:
    """Change fields; `{"status": "paused"}` pauses (`"resumeAt": ISO` until then), `"active"` schedules again."""
    return schemas.Playbook.model_validate(_shown(runtime, runtime.playbooks.update(who.org_id, playbook_id, changes)))


@router.delete("/{playbook_id}")
def delete_playbook(playbook_id: str, runtime: RuntimeDep, who: CurrentPrincipal) -> schemas.DeletedPlaybook:
    """Delete and unschedule; answers the playbook as it was, and its past runs stay readable."""
    return schemas.DeletedPlaybook.model_validate({**_shown(runtime, runtime.playbooks.delete(who.org_id, playbook_id)), "deleted": True})


@router.get("/{playbook_id}/executions")
def playbook_executions(playbook_id: str, runtime: RuntimeDep, who: CurrentPrincipal, page: PageDep) -> schemas.ExecutionPage:
    """The playbook's runs, newest first."""
    runtime.playbooks.get(who.org_id, playbook_id, include_deleted=True)
    items, next_cursor = list_executions(runtime.engine, who.org_id, playbook_id, page.limit, page.cursor)
    return schemas.ExecutionPage.model_validate({"items": items, "nextCursor": next_cursor})


@router.post("/{playbook_id}/execute", status_code=202)
async def execute_playbook(
    playbook_id: str, runtime: RuntimeDep, who: ExecutePrincipal, response: Response, request: Request,
    body: schemas.ExecuteRequest | None = None, idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=200),
) -> schemas.ExecuteResponse:
    """Open a run (once per Idempotency-Key or schedule slot) and start it."""
    # One hop for the store's work (see get_playbook); a refusal raised there answers 409 (api.problems).
    opened = await asyncio.to_thread(_open_run, runtime, request.app.state.rate_limits, who, playbook_id,
                                     body or schemas.ExecuteRequest(), idempotency_key)
    if not opened.created:
        response.headers["Idempotent-Replayed"] = "true"
    return schemas.ExecuteResponse(execution_id=opened.execution.id, status=opened.execution.status)


def _open_run(runtime: Runtime, rate_limits: RateLimits, who: Principal, playbook_id: str, body: schemas.ExecuteRequest,
              idempotency_key: str | None) -> Opened:
    cron = who.kind == "cron"
    playbook = _playbook_for(runtime, playbook_id, body.org_id if cron else who.org_id)
    user_id = body.user_id if cron else who.user_id
    # Counted against the playbook's organisation, whoever calls (the cron secret has none of its own).
    rate_limits.spend("execute", playbook.org_id)
    if body.triggered_by == TriggeredBy.event or body.event is not None:
        # Testing an event playbook by hand: the event given (or an example) is {{event.*}} in the run.
        firing = runtime.events.hand_firing(playbook, body.event, idempotency_key, user_id)
    else:
        firing = runtime.events.by_hand(playbook, runtime.runs.firing_for_call(
            playbook, caller=who.kind, said=body.triggered_by, idempotency_key=idempotency_key, user_id=user_id,
        ))
    return runtime.runs.start_run(playbook, firing)


def _playbook_for(runtime: Runtime, playbook_id: str, org_id: str | None) -> Playbook:
    # The cron secret is not bound to an organisation; it may name one in the body.
    if org_id is None:
        return runtime.playbooks.get_any(playbook_id)
    return runtime.playbooks.get(org_id, playbook_id)
