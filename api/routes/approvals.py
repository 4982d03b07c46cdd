"""Approvals: what runs wait on; a decision resumes the run (and, approving a price suggestion, sets the price once)."""
from __future__ import annotations

import asyncio

from fastapi import APIRouter, HTTPException

from api import schemas
from api.deps import CurrentPrincipal, PageDep, RuntimeDep
from scheduler.services.approvals import AlreadyDecided, ApprovalNotFound, NeedsPerson, NotApprovable
from scheduler.store.action_tables import Approval
from scheduler.store.repositories.actions import BadCursor

router = APIRouter(prefix="/api/approvals", tags=["approvals"])


def _shown(approval: Approval) -> schemas.Approval:
    return schemas.Approval.model_validate(approval.model_dump(exclude={"org_id"}))


@router.get("")
async def list_approvals(
    runtime: RuntimeDep, who: CurrentPrincipal, page: PageDep, status: schemas.ApprovalStatus | None = None,
) -> schemas.ApprovalPage:
    """The organisation's approvals, newest first; `?status=pending` for the ones waiting on you."""
    try:
        rows, next_cursor = await runtime.executor.store.approvals.list(who.org_id, status, page.limit, page.cursor)
    except BadCursor as exc:
        raise HTTPException(422, str(exc)) from None
    return schemas.ApprovalPage(items=[_shown(r) for r in rows], next_cursor=next_cursor)


@router.post("/{approval_id}")
async def decide(approval_id: str, body: schemas.ApprovalDecision, runtime: RuntimeDep,
                 who: CurrentPrincipal) -> schemas.ApprovalDecided:
    """Approve or reject, once (a second decision is a 409; another organisation's approval, a 404); the run resumes."""
    by = who.user_id or (f"agent:{who.agent}" if who.agent else who.kind)
    try:
        decided = await asyncio.to_thread(runtime.approvals.decide, who.org_id, approval_id, body.decision, body.note, by)
    except ApprovalNotFound as exc:
        raise HTTPException(404, str(exc)) from None
    except (AlreadyDecided, NotApprovable) as exc:
        raise HTTPException(409, str(exc)) from None
    except NeedsPerson as exc:
        raise HTTPException(403, str(exc)) from None
    if decided.resumed:
        runtime.dispatcher.dispatch(decided.resumed)
    approval = await runtime.executor.store.approvals.get(who.org_id, approval_id)
    if approval is None:  # removed with its organisation meanwhile
        raise HTTPException(404, f"no approval {approval_id!r}")
    return schemas.ApprovalDecided(approval=_shown(approval), price_change=decided.price_change,
                                   resumed_execution_id=decided.resumed)
