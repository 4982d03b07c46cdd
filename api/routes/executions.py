"""Execution routes: one run with its step results."""
from __future__ import annotations

from fastapi import APIRouter

from api import schemas
from api.deps import CurrentPrincipal, RuntimeDep
from scheduler.runs.history import get_execution

router = APIRouter(prefix="/api/executions", tags=["executions"])


@router.get("/{execution_id}")
def read_execution(execution_id: str, runtime: RuntimeDep, who: CurrentPrincipal) -> schemas.Execution:
    """A run: status, trigger, and a result for every step so far (the cron secret only executes)."""
    return schemas.Execution.model_validate(get_execution(runtime.engine, who.org_id, execution_id))
