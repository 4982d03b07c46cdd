"""RFC 9457 problem+json for every error the API returns."""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from scheduler.auth.tokens import UnknownOrganization
from scheduler.events.bus import UnknownEvent
from scheduler.runs.start import RunRefused
from scheduler.services.playbooks import NotFound
from scheduler.services.shop import CustomerExists, ShopInvalid
from scheduler.services.validation import PlaybookInvalid
from scheduler.store.pages import BadCursor

log = logging.getLogger(__name__)
TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
          409: "Conflict", 413: "Content Too Large", 415: "Unsupported Media Type",
          422: "Unprocessable Content", 429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}


def problem(status: int, detail: str, headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    """A problem+json response."""
    body = {"type": "about:blank", "title": TITLES.get(status, "Error"), "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type="application/problem+json", headers=headers)


# Errors of the engine, by the status they answer. A refused run (archived, not active, no slot due)
# conflicts with the playbook's state; another tenant's id looks like no id at all.
DOMAIN_ERRORS: dict[type[Exception], int] = {
    PlaybookInvalid: 422, BadCursor: 422, RunRefused: 409, NotFound: 404, UnknownOrganization: 404,
    UnknownEvent: 422, ShopInvalid: 422, CustomerExists: 409,
}


def _domain_handler(status: int) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
    async def handle(_: Request, exc: Exception) -> JSONResponse:
        # A spec refused on save lists every problem by its path.
        extra = {"errors": exc.errors} if isinstance(exc, PlaybookInvalid) else {}
        if isinstance(exc, UnknownEvent):
            extra = {"knownEvents": exc.known}
        return problem(status, str(exc), **extra)

    return handle


def install_problem_handlers(app: FastAPI) -> None:
    """Map every error the app can raise to problem+json."""

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem(exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [f"{'.'.join(str(p) for p in e['loc'] if p != 'body')}: {e['msg']}" for e in exc.errors()]
        return problem(422, "; ".join(errors) or "invalid request", errors=errors)

    for error_type, status in DOMAIN_ERRORS.items():
        app.add_exception_handler(error_type, _domain_handler(status))

    @app.exception_handler(Exception)
    async def _bug(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return problem(500, "internal error; it has been logged")
