"""Liveness and readiness."""
from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from api.deps import RuntimeDep
from api.problems import problem

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process answers."""
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
def readyz(runtime: RuntimeDep):
    """The database answers and the scheduler runs."""
    try:
        with runtime.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - readiness reports any database failure, whatever its type
        return problem(503, f"database unavailable: {exc.__class__.__name__}")
    if not runtime.jobs.running:
        return problem(503, "scheduler not running")
    return {"status": "ready", "database": "ok", "scheduler": {"running": True, "jobs": runtime.jobs.count()}}
