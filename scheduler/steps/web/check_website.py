"""check_website (Ezal): is a page up? Its status, response time and title through the guarded fetch."""
from __future__ import annotations

import time
from typing import Any, ClassVar

from pydantic import Field

from scheduler.integrations.http import BlockedURL, FetchError, fetch
from scheduler.steps.base import Step, StepContext, StepError, StepOutput
from scheduler.steps.web.fetch_url import FetchUrlParams, read_page


class CheckWebsiteParams(FetchUrlParams):
    expect_text: str | None = Field(None, min_length=1, max_length=200)  # also down unless the page holds this text
    slow_ms: int = Field(3000, ge=1, le=60_000)  # a slower answer is reported as slow


class CheckWebsiteOutput(StepOutput):
    url: str  # where the page ended up, after redirects
    ok: bool  # answered 2xx (and holds expect_text when given)
    status: int  # HTTP status; 0 when nothing answered
    response_ms: int  # milliseconds to the whole response
    slow: bool
    title: str
    redirects: int
    found_text: bool | None  # None when no expect_text
    error: str | None  # why nothing (or nothing usable) came back


class CheckWebsite(Step):
    """Check a public web page: up (2xx) or not, how fast, its title; an unreachable site is a finding, not a failure."""

    name = "check_website"
    Params = CheckWebsiteParams
    Output = CheckWebsiteOutput
    example: ClassVar[dict[str, Any]] = {"url": "http://shop.example/menu", "expect_text": "Blue Dream"}
    timeout_seconds = 30.0  # above the fetch's own 10 s cap, so a hanging site is reported down, not timed out
    max_attempts = 1  # a monitor reports what it saw; the next scheduled check is the retry

    async def run(self, params: CheckWebsiteParams, ctx: StepContext) -> CheckWebsiteOutput:
        started = time.perf_counter()
        try:
            page = await fetch(params.url, ctx.settings)
        except FetchError as exc:
            if isinstance(exc, BlockedURL) or type(exc) is FetchError:
                raise StepError(str(exc)) from exc  # an address never fetched, or no URL at all: the playbook is wrong
            elapsed = round((time.perf_counter() - started) * 1000)
            return CheckWebsiteOutput(url=params.url, ok=False, status=0, response_ms=elapsed, slow=False, title="", redirects=0,
                                      found_text=None, error=str(exc), summary=f"{params.url} is DOWN: {exc}")
        elapsed = round((time.perf_counter() - started) * 1000)
        title, text = read_page(page)
        found = None if params.expect_text is None else params.expect_text.casefold() in text.casefold()
        ok = 200 <= page.status < 300 and found is not False
        slow = elapsed > params.slow_ms
        state = "up" if ok else "DOWN"
        why = "" if ok or found is not False else f" ({params.expect_text!r} not on the page)"
        named = f" \"{title}\"" if title else ""
        return CheckWebsiteOutput(
            url=page.url, ok=ok, status=page.status, response_ms=elapsed, slow=slow, title=title, redirects=len(page.redirects),
            found_text=found, error=None,
            summary=f"{page.url}{named} is {state}: {page.status} in {elapsed:,} ms{' (slow)' if slow else ''}{why}")
