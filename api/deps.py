"""Typed dependencies: the runtime and the authenticated caller."""
from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from scheduler.auth.tokens import Principal, authenticate_token, is_cron_secret
from scheduler.runtime import Runtime

BEARER = {"WWW-Authenticate": "Bearer"}


def get_runtime(request: Request) -> Runtime:
    """The process's engine, built at start-up."""
    return request.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def _bearer(request: Request) -> bytes:
    # Raw header bytes: a non-ASCII secret must be a clean 401, never a decoding error.
    raw = dict(request.scope["headers"]).get(b"authorization", b"")
    scheme, _, token = raw.partition(b" ")
    if scheme.lower() != b"bearer" or not token.strip():
        raise HTTPException(401, "missing bearer token", headers=BEARER)
    return token.strip()


def _user_or_agent(runtime: Runtime, token: bytes) -> Principal | None:
    try:
        text = token.decode("ascii")
    except UnicodeDecodeError:
        return None
    return authenticate_token(runtime.engine, text)


def current_principal(request: Request, runtime: RuntimeDep) -> Principal:
    """A user session or an agent key; 401 otherwise."""
    principal = _user_or_agent(runtime, _bearer(request))
    if principal is None:
        raise HTTPException(401, "invalid or expired token", headers=BEARER)
    return principal


def execute_principal(request: Request, runtime: RuntimeDep) -> Principal:
    """Like current_principal, but the cron secret is also accepted (execute only)."""
    token = _bearer(request)
    if is_cron_secret(runtime.settings, token):
        return Principal(kind="cron")
    principal = _user_or_agent(runtime, token)
    if principal is None:
        raise HTTPException(401, "invalid token or cron secret", headers=BEARER)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
ExecutePrincipal = Annotated[Principal, Depends(execute_principal)]
