"""post(): one outbound POST through the guarded transport; 429, 5xx and broken connections retried with backoff.

A 4xx other than 429 is the receiver saying the request itself is wrong: sending it again cannot
help, so it fails at once. Redirects are not followed: a POST re-sent to wherever a receiver points
would carry the body (and, for SMS, the credentials) somewhere nobody configured.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt, wait_exponential

from scheduler.integrations.http import FetchError, check_url, guarded_client
from scheduler.settings import Settings

ATTEMPTS = 3
TIMEOUT_SECONDS = 8.0
MAX_RETRY_AFTER = 10.0  # a longer Retry-After is left to the executor's own step retry
MAX_ANSWER = 64 * 1024
_backoff = wait_exponential(multiplier=0.5, max=4)


class DeliveryError(Exception):
    """An outbound call did not land; `transient` when trying again later may work, `status` the last answer."""

    def __init__(self, message: str, transient: bool, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.transient, self.status, self.retry_after = transient, status, retry_after


@dataclass(frozen=True)
class Answer:
    """What the receiver said to the POST that landed, and how many tries it took."""

    status: int
    text: str
    attempts: int


def _wait(state: RetryCallState) -> float:
    exc = state.outcome.exception() if state.outcome else None
    after = getattr(exc, "retry_after", None)
    return min(after, MAX_RETRY_AFTER) if after is not None else _backoff(state)


async def post(settings: Settings, url: str, what: str, build: Callable[[], dict], *, attempts: int = ATTEMPTS,
               timeout: float = TIMEOUT_SECONDS) -> Answer:
    """POST to `url`: `build()` gives httpx's request arguments (content/data/json, headers, auth) for each try.

    Built again per try so a signature can carry the time it is sent. `what` names the receiver in errors.
    """
    try:
        check_url(url, settings.allow_loopback_fetch)
    except FetchError as exc:
        raise DeliveryError(f"{what}: {exc}", transient=False) from None
    tries = 0
    async with guarded_client(settings, timeout=timeout, max_bytes=MAX_ANSWER) as client:

        async def once() -> Answer:
            nonlocal tries
            tries += 1
            try:
                response = await client.post(url, follow_redirects=False, **build())
            except FetchError as exc:
                raise DeliveryError(f"{what}: {exc}", transient=exc.retryable) from exc
            except httpx.HTTPError as exc:
                raise DeliveryError(f"{what}: could not reach {url}: {exc or type(exc).__name__}", transient=True) from exc
            return _judge(response, what, tries)

        retrying = AsyncRetrying(stop=stop_after_attempt(attempts), wait=_wait, reraise=True,
                                 retry=retry_if_exception(lambda e: isinstance(e, DeliveryError) and e.transient))
        return await retrying(once)


def _judge(response: httpx.Response, what: str, tries: int) -> Answer:
    status, text = response.status_code, response.text[:500]
    if 200 <= status < 300:
        return Answer(status, response.text, tries)
    said = f"{what} answered {status}" + (f": {text.strip()}" if text.strip() else "")
    if status == 429 or status >= 500:
        raise DeliveryError(said, transient=True, status=status, retry_after=_retry_after(response))
    if 300 <= status < 400:
        said += f" (a redirect to {response.headers.get('location', '?')}, not followed)"
    raise DeliveryError(said, transient=False, status=status)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    try:
        return max(float(value), 0.0)
    except ValueError:
        return None  # an HTTP date, or nothing: our own backoff
