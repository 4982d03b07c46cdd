"""Idempotency-Key for creating routes: a repeat gets the first answer; another body, 422; one in flight, 409.

A route opts in with `key: IdempotencyKeyHeader` and `return await idempotent(request, who, key, body, status, produce)`,
`body` being what it read (a dict or a model): the same key with another body is refused.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Header, HTTPException, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from scheduler.auth.tokens import Principal
from scheduler.store.repositories.idempotency import IdempotencyRepository, KeyInFlight, KeyReused

IdempotencyKeyHeader = Annotated[str | None, Header(
    alias="Idempotency-Key", min_length=1, max_length=200, pattern=r"^[\x21-\x7e]+$",
    description="Makes the call safe to repeat: the same key answers the first call's answer (`Idempotent-Replayed: true`)")]
REPLAYED = {"Idempotent-Replayed": "true"}


async def idempotent(request: Request, who: Principal, key: str | None, body: Any, status_code: int,
                     produce: Callable[[], Awaitable[BaseModel]]) -> Any:
    """Run `produce` once per key and organisation; repeats answer what it answered, with Idempotent-Replayed."""
    if key is None:
        return await produce()
    runtime = request.app.state.runtime
    keys = IdempotencyRepository(runtime.engine)
    scope = f"{request.method} {request.url.path}"
    fingerprint = fingerprint_of(body)
    try:
        first = await keys.claim(str(who.org_id), scope, key, fingerprint, runtime.clock.now())
    except KeyReused as exc:
        raise HTTPException(422, str(exc)) from None
    except KeyInFlight as exc:
        raise HTTPException(409, str(exc)) from None
    if first is not None:
        return JSONResponse(first.body, status_code=first.status_code, headers=REPLAYED)
    try:
        made = await produce()
    except Exception:
        await keys.release(str(who.org_id), scope, key)
        raise
    answer = jsonable_encoder(made, by_alias=True)
    await keys.answer(str(who.org_id), scope, key, status_code, answer)
    return JSONResponse(answer, status_code=status_code)


def fingerprint_of(body: Any) -> str:
    """The request body's SHA-256, as parsed: the same JSON with other spacing or key order is the same request."""
    canonical = json.dumps(jsonable_encoder(body), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
