"""Execution routes: one run with its step results."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import ExecutePrincipal, RuntimeDep
from scheduler.runs import get_execution

router = APIRouter(prefix="/api/executions", tags=["executions"])


@router.get("/{execution_id}")
def read_execution(execution_id: str, runtime: RuntimeDep, who: ExecutePrincipal) -> dict[str, Any]:
    """A run: status, trigger, and a result for every step so far."""
    return get_execution(runtime.engine, who.org_id if who.kind != "cron" else None, execution_id)
