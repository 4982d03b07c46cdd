"""RFC 9457 problem+json for every error the API returns."""
from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from scheduler.auth.tokens import UnknownOrganization
from scheduler.runs.start import RunRefused
from scheduler.services.playbooks import BadCursor, NotFound
from scheduler.services.validation import PlaybookInvalid

log = logging.getLogger(__name__)
TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
          409: "Conflict", 422: "Unprocessable Content", 500: "Internal Server Error", 503: "Service Unavailable"}


def problem(status: int, detail: str, headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    """A problem+json response."""
    body = {"type": "about:blank", "title": TITLES.get(status, "Error"), "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type="application/problem+json", headers=headers)


def install_problem_handlers(app: FastAPI) -> None:
    """Map every error the app can raise to problem+json."""

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem(exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [f"{'.'.join(str(p) for p in e['loc'] if p != 'body')}: {e['msg']}" for e in exc.errors()]
        return problem(422, "; ".join(errors) or "invalid request", errors=errors)

    @app.exception_handler(PlaybookInvalid)
    async def _playbook(_: Request, exc: PlaybookInvalid) -> JSONResponse:
        return problem(422, str(exc), errors=exc.errors)

    @app.exception_handler(BadCursor)
    async def _cursor(_: Request, exc: BadCursor) -> JSONResponse:
        return problem(422, str(exc))

    @app.exception_handler(RunRefused)
    async def _refused(_: Request, exc: RunRefused) -> JSONResponse:
        # The run policy said no (archived, not active, no slot due): a conflict with the playbook's state.
        return problem(409, str(exc))

    @app.exception_handler(NotFound)
    async def _missing(_: Request, exc: NotFound) -> JSONResponse:
        return problem(404, str(exc))

    @app.exception_handler(UnknownOrganization)
    async def _org(_: Request, exc: UnknownOrganization) -> JSONResponse:
        return problem(404, str(exc))

    @app.exception_handler(Exception)
    async def _bug(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return problem(500, "internal error; it has been logged")
