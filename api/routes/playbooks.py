"""Playbook routes: list, create, read, change, delete, execute."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Body, Header, HTTPException, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from api.deps import CurrentPrincipal, ExecutePrincipal, RuntimeDep
from scheduler.runs.ledger import open_execution
from scheduler.store.tables import Playbook, PlaybookStatus
from scheduler.services.playbooks import playbook_json
from scheduler.runs.history import list_executions
from scheduler.runtime import Runtime
from scheduler.domain.spec import playbook_spec_schema
from scheduler.steps.registry import default_registry

router = APIRouter(prefix="/api/playbooks", tags=["playbooks"])


def _json(runtime: Runtime, playbook: Playbook) -> dict[str, Any]:
    runs = runtime.playbooks.next_runs(playbook, 1)
    return playbook_json(playbook, runs[0] if runs else None)


@router.get("")
def list_playbooks(runtime: RuntimeDep, who: CurrentPrincipal, limit: int = Query(50, ge=1, le=200), cursor: str | None = None) -> dict[str, Any]:
    """The organisation's playbooks, a page at a time."""
    items, next_cursor = runtime.playbooks.list(who.org_id, limit, cursor)
    return {"items": [_json(runtime, p) for p in items], "nextCursor": next_cursor}


# /docs shows the spec's schema (registered actions, catalog events); the body is still read as a dict
# and validated on save, so a bad spec gets the service's problem+json naming each path.
SPEC_BODY = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": playbook_spec_schema(default_registry().names())}}}}


@router.post("", status_code=201, openapi_extra=SPEC_BODY)
def create_playbook(runtime: RuntimeDep, who: CurrentPrincipal, spec: dict[str, Any] = Body(...)) -> dict[str, Any]:
    """Validate, store and (when active) schedule a playbook."""
    return _json(runtime, runtime.playbooks.create(who.org_id, spec, created_by=who.user_id))


@router.get("/{playbook_id}")
def get_playbook(playbook_id: str, runtime: RuntimeDep, who: CurrentPrincipal) -> dict[str, Any]:
    """One playbook with its next run time."""
    return _json(runtime, runtime.playbooks.get(who.org_id, playbook_id))


@router.patch("/{playbook_id}")
def patch_playbook(playbook_id: str, runtime: RuntimeDep, who: CurrentPrincipal, changes: dict[str, Any] = Body(...)) -> dict[str, Any]:
    """Change fields; `{"status": "paused"}` pauses, `"active"` schedules again."""
    return _json(runtime, runtime.playbooks.update(who.org_id, playbook_id, changes))


@router.delete("/{playbook_id}")
def delete_playbook(playbook_id: str, runtime: RuntimeDep, who: CurrentPrincipal) -> dict[str, Any]:
    """Delete and unschedule; answers the playbook as it was, and its past runs stay readable."""
    return {**_json(runtime, runtime.playbooks.delete(who.org_id, playbook_id)), "deleted": True}


@router.get("/{playbook_id}/executions")
def playbook_executions(playbook_id: str, runtime: RuntimeDep, who: CurrentPrincipal, limit: int = Query(50, ge=1, le=200), cursor: str | None = None) -> dict[str, Any]:
    """The playbook's runs, newest first."""
    runtime.playbooks.get(who.org_id, playbook_id, include_deleted=True)
    items, next_cursor = list_executions(runtime.engine, who.org_id, playbook_id, limit, cursor)
    return {"items": items, "nextCursor": next_cursor}


class ExecuteRequest(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    triggered_by: Literal["schedule", "manual", "agent", "event"] | None = Field(None, alias="triggeredBy")
    org_id: str | None = Field(None, alias="orgId")
    user_id: str | None = Field(None, alias="userId")


@router.post("/{playbook_id}/execute", status_code=202)
def execute_playbook(
    playbook_id: str, runtime: RuntimeDep, who: ExecutePrincipal, response: Response,
    body: ExecuteRequest | None = None, idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=200),
) -> dict[str, Any]:
    """Open a run (once per Idempotency-Key or schedule slot) and start it."""
    body = body or ExecuteRequest()
    org_id = who.org_id if who.kind != "cron" else body.org_id
    playbook = _playbook_for(runtime, playbook_id, org_id)
    triggered_by, key, slot = _trigger_of(runtime, playbook, who.kind, body.triggered_by, idempotency_key)
    opened = open_execution(
        runtime.engine, playbook, triggered_by=triggered_by, dedupe_key=key, scheduled_for=slot,
        user_id=who.user_id if who.kind != "cron" else body.user_id,
    )
    if opened.created:
        runtime.dispatcher.dispatch(opened.execution.id)
    else:
        response.headers["Idempotent-Replayed"] = "true"
    return {"executionId": opened.execution.id, "status": opened.execution.status}


def _trigger_of(runtime: Runtime, playbook: Playbook, caller: str, said: str | None, idempotency_key: str | None) -> tuple[str, str, datetime | None]:
    """How this call triggers the playbook, the run's dedupe key, and the schedule slot if any."""
    if playbook.status == PlaybookStatus.archived.value:
        raise HTTPException(409, "playbook is archived; make it active or paused to run it")
    # The scheduler's secret without a word means: the slot due now, if there is one.
    slot = runtime.playbooks.due_slot(playbook) if said == "schedule" or (said is None and caller == "cron") else None
    triggered_by = said or ("schedule" if slot else {"agent": "agent"}.get(caller, "manual"))
    if triggered_by == "schedule" and playbook.status != PlaybookStatus.active.value:
        raise HTTPException(409, f"playbook is {playbook.status}; it does not run on a schedule")
    if slot is not None:
        # A slot is its own key, whoever fires it and whatever key they send: one run per slot.
        return triggered_by, f"schedule:{slot.isoformat()}", slot
    if idempotency_key:
        return triggered_by, f"idempotency:{idempotency_key}", None
    if triggered_by == "schedule":
        # Without a slot there is nothing to dedupe on: a retried call would run it twice.
        raise HTTPException(409, "no schedule slot of this playbook is due now; send an Idempotency-Key to run it anyway")
    return triggered_by, f"manual:{uuid.uuid4().hex}", None


def _playbook_for(runtime: Runtime, playbook_id: str, org_id: str | None) -> Playbook:
    # The cron secret is not bound to an organisation; it may name one in the body.
    if org_id is None:
        return runtime.playbooks.get_any(playbook_id)
    return runtime.playbooks.get(org_id, playbook_id)
