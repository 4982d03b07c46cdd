"""The request guard (ASGI): what every request meets before a route reads a byte of its body.

In order: a NUL in the path or query is a 422; a call under /api/ without a valid credential is a
401 before its body is read; a body longer than its route's limit is a 413, from Content-Length
when sent and else while it streams in; a NUL byte (or a JSON \\u0000) in the body is a 422. The
body read is handed to the app unchanged. New routes get all of it by living under /api/.
"""
from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from api.deps import BEARER, PRINCIPAL_KEY, CookieWithoutHeader, request_token, resolve_principal
from api.problems import TITLES

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

# Paths under /api/ that answer without a credential (none today; a public route would be named here).
PUBLIC_API_PATHS: frozenset[str] = frozenset()
_QUERY_NUL = re.compile(rb"%00|\x00")
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


class RequestGuard:
    """ASGI middleware: NULs refused, callers authenticated, and bodies capped before they are read."""

    def __init__(self, app: Any, default_limit: int, limits: dict[str, int]) -> None:
        self.app = app
        self.default_limit = default_limit
        # Longest prefix first, so "/api/products/import" wins over "/api/products".
        self.limits = sorted(limits.items(), key=lambda item: -len(item[0]))

    def limit_for(self, path: str) -> int:
        """The body limit of a path: its route's own, else the default."""
        return next((limit for prefix, limit in self.limits if path.startswith(prefix)), self.default_limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if "\x00" in path or _QUERY_NUL.search(scope.get("query_string", b"")):
            await _problem(send, 422, "a NUL character is not allowed in a path or query")
            return
        if path.startswith("/api/") and path not in PUBLIC_API_PATHS:
            try:
                token = request_token(scope)
            except CookieWithoutHeader as exc:
                await _problem(send, 403, exc.detail)
                return
            if token is None:
                await _problem(send, 401, "missing bearer token", BEARER)
                return
            principal = await resolve_principal(scope["app"].state.runtime, token)
            if principal is None:
                await _problem(send, 401, "invalid or expired token", BEARER)
                return
            scope[PRINCIPAL_KEY] = principal
        limit = self.limit_for(path)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _problem(send, 413, f"the request body is over {_size(limit)} ({declared} bytes declared)")
            return
        if scope["method"] in ("GET", "HEAD", "OPTIONS") and not declared:
            await self.app(scope, receive, send)
            return
        body, more, message = bytearray(), True, None
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client left before sending it all: nobody to answer
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > limit:
                await _problem(send, 413, f"the request body is over {_size(limit)}")
                return
        refused = _nul_in_body(bytes(body))
        if refused:
            await _problem(send, 422, refused)
            return
        await self.app(scope, _replay(bytes(body), receive), send)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def again() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body: disconnects, which a streaming response listens for

    return again


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MB" if limit % (1024 * 1024) == 0 else f"{limit // 1024} KB"


def _nul_in_body(body: bytes) -> str | None:
    """Why the body is refused for a NUL, or None. PostgreSQL cannot store one in text, and no field needs one."""
    if b"\x00" in body:
        return "a NUL byte is not allowed in the request body"
    if not _JSON_NUL.search(body):
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None  # not JSON after all: the route says what is wrong with it
    where = _nul_path(data, "")
    return None if where is None else f"{where or 'body'}: a NUL character (\\u0000) is not allowed"


def _nul_path(value: Any, path: str) -> str | None:
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = path + "." + key if "\x00" in key else _nul_path(item, f"{path}.{key}" if path else key)
            if found is not None:
                return found
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found = _nul_path(item, f"{path}[{i}]")
            if found is not None:
                return found
    return None


async def _problem(send: Send, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
    """A problem+json answer sent straight from the guard (the app's handlers are not reached)."""
    body = json.dumps({"type": "about:blank", "title": TITLES.get(status, "Error"), "status": status,
                       "detail": detail}).encode()
    raw = [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode())]
    if status in (401, 413):
        raw.append((b"connection", b"close"))  # the unread body is not worth reading to keep the connection
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
