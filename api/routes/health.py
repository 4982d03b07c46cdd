"""Liveness and readiness (no credential, and nothing about any organisation)."""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import text

from api.deps import RuntimeDep
from api.problems import problem

router = APIRouter(tags=["health"])
NOT_READY = {503: {"description": "Not ready: the database does not answer, the scheduler is not running, or (with "
                                  "PLAYBOOKS_EXECUTOR=celery) the broker does not answer",
                   "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"},
                               "example": {"type": "about:blank", "title": "Service Unavailable", "status": 503,
                                           "detail": "scheduler not running"}}}}}


class Alive(BaseModel):
    """The process answers."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ok"}]})

    status: Literal["ok"]


class Ready(BaseModel):
    """The database answers and the scheduler runs (and the broker answers, when runs go to Celery workers)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ready", "database": "ok", "scheduler": "running"}]})

    status: Literal["ready"]
    database: Literal["ok"]
    scheduler: Literal["running"]
    broker: Literal["ok"] | None = Field(None, description="Only with PLAYBOOKS_EXECUTOR=celery: the Redis broker answers")


@router.get("/healthz")
async def healthz() -> Alive:
    """The process answers."""
    return Alive(status="ok")


@router.get("/readyz", response_model=Ready, responses=NOT_READY, response_model_exclude_none=True)  # type: ignore[arg-type]
def readyz(runtime: RuntimeDep):
    """Ready when the database answers and the scheduler runs; else a 503 saying which (no tenant data either way)."""
    try:
        with runtime.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - readiness reports any database failure, whatever its type
        return problem(503, f"database unavailable: {exc.__class__.__name__}")
    if not runtime.jobs.running:
        return problem(503, "scheduler not running")
    reachable = getattr(runtime.dispatcher, "reachable", None)  # a queue-backed dispatcher has a broker to ask
    if reachable is not None and not reachable():
        return problem(503, "broker unavailable")
    return Ready(status="ready", database="ok", scheduler="running", broker="ok" if reachable else None)
