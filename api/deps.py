"""Typed dependencies: the runtime and the authenticated caller."""
from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from scheduler.auth.tokens import Principal, authenticate_token, is_cron_secret, remembered_principal
from scheduler.runtime import Runtime

BEARER = {"WWW-Authenticate": "Bearer"}
# The web page's sign-in cookie (HttpOnly, SameSite=Strict), holding a session token.
SESSION_COOKIE = "playbooks_session"
# A cookie-signed change must carry this header: a cross-site form cannot set it without a CORS preflight we never grant.
CSRF_HEADER = b"x-requested-with"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


# The dependencies are `async def` so they run on the loop: a plain `def` dependency is one more
# threadpool hop per request. Only a token not verified in the last second is looked up, in the threadpool.
async def get_runtime(request: Request) -> Runtime:
    """The process's engine, built at start-up."""
    return request.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def _bearer(request: Request) -> bytes:
    # Raw header bytes: a non-ASCII secret must be a clean 401, never a decoding error.
    headers = dict(request.scope["headers"])
    raw = headers.get(b"authorization", b"")
    if not raw and (cookie := request.cookies.get(SESSION_COOKIE)):
        return _from_cookie(request, headers, cookie)
    scheme, _, token = raw.partition(b" ")
    if scheme.lower() != b"bearer" or not token.strip():
        raise HTTPException(401, "missing bearer token", headers=BEARER)
    return token.strip()


def _from_cookie(request: Request, headers: dict[bytes, bytes], cookie: str) -> bytes:
    if request.method not in SAFE_METHODS and headers.get(CSRF_HEADER) != b"playbooks":
        raise HTTPException(403, "a change signed by the session cookie needs the header X-Requested-With: playbooks")
    return cookie.encode("utf-8", "replace")


async def _user_or_agent(runtime: Runtime, token: bytes) -> Principal | None:
    try:
        text = token.decode("ascii")
    except UnicodeDecodeError:
        return None
    return remembered_principal(runtime.engine, text) or await run_in_threadpool(authenticate_token, runtime.engine, text)


async def current_principal(request: Request, runtime: RuntimeDep) -> Principal:
    """A user session or an agent key; 401 otherwise."""
    principal = await _user_or_agent(runtime, _bearer(request))
    if principal is None:
        raise HTTPException(401, "invalid or expired token", headers=BEARER)
    return principal


async def execute_principal(request: Request, runtime: RuntimeDep) -> Principal:
    """Like current_principal, but the cron secret is also accepted (execute only)."""
    token = _bearer(request)
    # A secrets file is read on every check (rotation without a restart): that read goes to the threadpool.
    file_read = runtime.settings.cron_secret_file is not None
    if await run_in_threadpool(is_cron_secret, runtime.settings, token) if file_read else is_cron_secret(runtime.settings, token):
        return Principal(kind="cron")
    principal = await _user_or_agent(runtime, token)
    if principal is None:
        raise HTTPException(401, "invalid token or cron secret", headers=BEARER)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
ExecutePrincipal = Annotated[Principal, Depends(execute_principal)]
