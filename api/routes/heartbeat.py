"""The heartbeat: the organisation's latest checks (critical threats, stock-outs, failing playbooks)."""
from __future__ import annotations

import asyncio

from fastapi import APIRouter

from api import schemas
from api.deps import CurrentPrincipal, RuntimeDep

router = APIRouter(prefix="/api/heartbeat", tags=["heartbeat"])


@router.get("")
async def latest_heartbeat(runtime: RuntimeDep, who: CurrentPrincipal) -> schemas.Heartbeat:
    """The latest heartbeat's checks, each `ok` or `alert` with a message and priority (run now if none ran yet)."""
    latest = await asyncio.to_thread(runtime.heartbeat.latest, who.org_id)
    if latest is None:
        await asyncio.to_thread(runtime.heartbeat.beat, who.org_id)
        latest = await asyncio.to_thread(runtime.heartbeat.latest, who.org_id)
    assert latest is not None
    checked_at, checks = latest
    return schemas.Heartbeat(checked_at=checked_at, alerts=sum(c.status == "alert" for c in checks), checks=[
        schemas.HeartbeatCheck(name=c.name, status=c.status, message=c.message, priority=c.priority, data=c.data or {})
        for c in checks])
