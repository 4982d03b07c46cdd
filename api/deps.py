"""Typed dependencies: the runtime, the authenticated caller, page parameters and rate limits."""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Query, Request
from starlette.concurrency import run_in_threadpool

from scheduler.auth.tokens import Principal, authenticate_token, is_cron_secret, remembered_principal, session_ttl
from scheduler.runtime import Runtime

BEARER = {"WWW-Authenticate": "Bearer"}
# Where the request guard (api/guard.py) leaves the caller it authenticated before the body was read.
PRINCIPAL_KEY = "playbooks.principal"
# The web page's sign-in cookie (HttpOnly, SameSite=Strict), holding a session token.
SESSION_COOKIE = "playbooks_session"
# A cookie-signed change must carry this header: a cross-site form cannot set it without a CORS preflight we never grant.
CSRF_HEADER, CSRF_VALUE = b"x-requested-with", b"playbooks"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CookieWithoutHeader(Exception):
    """A change signed only by the session cookie, without the page's header: a 403."""

    detail = "a change signed by the session cookie needs the header X-Requested-With: playbooks"


# The dependencies are `async def` so they run on the loop: a plain `def` dependency is one more
# threadpool hop per request. Only a token not verified in the last second is looked up, in the threadpool.
async def get_runtime(request: Request) -> Runtime:
    """The process's engine, built at start-up."""
    return request.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def bearer_token(headers: list[tuple[bytes, bytes]]) -> bytes | None:
    """The raw bearer token of a request's headers, or None when there is no well-formed one."""
    # Raw header bytes: a non-ASCII secret must be a clean 401, never a decoding error.
    raw = dict(headers).get(b"authorization", b"")
    scheme, _, token = raw.partition(b" ")
    if scheme.lower() != b"bearer" or not token.strip():
        return None
    return token.strip()


def request_token(scope: dict[str, Any]) -> bytes | None:
    """The caller's token: the bearer header, else the web page's session cookie (raises CookieWithoutHeader)."""
    headers = scope["headers"]
    token = bearer_token(headers)
    if token is not None or any(k == b"authorization" for k, _ in headers):
        return token
    jar = SimpleCookie()
    for key, value in headers:
        if key == b"cookie":
            with contextlib.suppress(CookieError):
                jar.load(value.decode("latin-1"))
    cookie = jar.get(SESSION_COOKIE)
    if cookie is None or not cookie.value:
        return None
    if scope["method"] not in SAFE_METHODS and dict(headers).get(CSRF_HEADER) != CSRF_VALUE:
        raise CookieWithoutHeader(CookieWithoutHeader.detail)
    return cookie.value.encode("latin-1")


async def _user_or_agent(runtime: Runtime, token: bytes) -> Principal | None:
    try:
        text = token.decode("ascii")
    except UnicodeDecodeError:
        return None
    # Token age is wall-clock time (tokens are issued by the CLI, in real time), not the engine's test clock.
    return remembered_principal(runtime.engine, text) or await run_in_threadpool(
        authenticate_token, runtime.engine, text, session_ttl(runtime.settings))


async def resolve_principal(runtime: Runtime, token: bytes) -> Principal | None:
    """Whoever the token is: the cron secret, a user session or an agent key; None for anything else."""
    # A secrets file is read on every check (rotation without a restart): that read goes to the threadpool.
    file_read = runtime.settings.cron_secret_file is not None
    if await run_in_threadpool(is_cron_secret, runtime.settings, token) if file_read else is_cron_secret(runtime.settings, token):
        return Principal(kind="cron")
    return await _user_or_agent(runtime, token)


async def _any_principal(request: Request, runtime: Runtime) -> Principal | None:
    if PRINCIPAL_KEY in request.scope:  # the guard already looked, before the body was read
        return request.scope[PRINCIPAL_KEY]
    try:
        token = request_token(request.scope)
    except CookieWithoutHeader as exc:
        raise HTTPException(403, exc.detail) from None
    if token is None:
        raise HTTPException(401, "missing bearer token", headers=BEARER)
    return await resolve_principal(runtime, token)


async def current_principal(request: Request, runtime: RuntimeDep) -> Principal:
    """A user session or an agent key; 401 otherwise (the cron secret only executes)."""
    principal = await _any_principal(request, runtime)
    if principal is None or principal.kind == "cron":
        raise HTTPException(401, "invalid or expired token", headers=BEARER)
    return principal


async def execute_principal(request: Request, runtime: RuntimeDep) -> Principal:
    """Like current_principal, but the cron secret is also accepted (execute only)."""
    principal = await _any_principal(request, runtime)
    if principal is None:
        raise HTTPException(401, "invalid token or cron secret", headers=BEARER)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
ExecutePrincipal = Annotated[Principal, Depends(execute_principal)]


@dataclass(frozen=True)
class PageParams:
    """`?limit=&cursor=` of every list: at most `limit` items after the item named by `cursor`."""

    limit: int
    cursor: str | None


async def page_params(
    limit: int = Query(50, ge=1, le=200, description="Items per page"),
    cursor: str | None = Query(None, max_length=200, description="The `nextCursor` of the previous page"),
) -> PageParams:
    """The page a list call asks for."""
    return PageParams(limit, cursor)


PageDep = Annotated[PageParams, Depends(page_params)]


def rate_limited(bucket: str) -> Any:
    """A dependency that spends one call of the caller's organisation in `bucket` (429 with Retry-After past the rate)."""

    async def spend(request: Request, who: CurrentPrincipal) -> None:
        request.app.state.rate_limits.spend(bucket, who.org_id)

    return Depends(spend)
