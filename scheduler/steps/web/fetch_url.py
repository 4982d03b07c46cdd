"""fetch_url: read one web page through the guarded transport (title, visible text)."""
from __future__ import annotations

import re
from typing import Any, ClassVar

from pydantic import field_validator
from selectolax.lexbor import LexborHTMLParser

from scheduler.integrations.http import FetchError, Page, fetch
from scheduler.steps.base import RetryableStepError, Step, StepContext, StepError, StepOutput, StepParams

MAX_TEXT = 20_000
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_TEXT_TYPES = ("application/json", "application/ld+json", "application/xml", "application/rss+xml", "application/atom+xml")
_INVISIBLE = ["script", "style", "noscript", "template", "svg", "head"]
_BLOCKS = ("address, article, aside, blockquote, br, dd, div, dl, dt, figcaption, footer, form, h1, h2, h3, h4, h5, h6, "
           "header, hr, li, main, nav, ol, p, pre, section, table, tr, ul")


class FetchUrlParams(StepParams):
    url: str

    @field_validator("url")
    @classmethod
    def _web_url(cls, value: str) -> str:
        # A saved playbook names a web page; file://, gopher:// and friends are refused before it ever runs.
        if "{{" not in value and not re.match(r"(?i)^https?://[^/?#]", value.strip()):
            raise ValueError("url must be an http:// or https:// address")
        return value.strip()


class FetchUrlOutput(StepOutput):
    url: str  # where the page ended up, after redirects
    status: int
    content_type: str
    title: str
    text: str  # the visible text, at most 20,000 characters
    truncated: bool


class FetchUrl(Step):
    """Fetch a web page (public addresses only, http and https) and read its title and visible text."""

    name = "fetch_url"
    Params = FetchUrlParams
    Output = FetchUrlOutput
    # tests/fakes/web.py serves this origin on loopback for the step contract test.
    example: ClassVar[dict[str, Any]] = {"url": "http://shop.example/menu"}
    timeout_seconds = 30.0  # above the fetch's own 10 s cap, so the fetch reports its time-out itself
    max_attempts = 2

    async def run(self, params: FetchUrlParams, ctx: StepContext) -> FetchUrlOutput:
        try:
            page = await fetch(params.url, ctx.settings)
        except FetchError as exc:
            raise (RetryableStepError if exc.retryable else StepError)(str(exc)) from exc
        if page.status >= 500 or page.status == 429:
            raise RetryableStepError(f"{page.url} answered {page.status}")
        title, text = read_page(page)
        shown = text[:MAX_TEXT]
        named = f" \"{title}\"" if title else ""
        return FetchUrlOutput(
            url=page.url, status=page.status, content_type=page.content_type, title=title, text=shown,
            truncated=len(text) > MAX_TEXT,
            summary=f"Fetched {page.url}{named}: {page.status}, {page.content_type or 'no content type'}, {len(text):,} characters",
        )


def read_page(page: Page) -> tuple[str, str]:
    """The title and visible text of a fetched page; text bodies as they are, other types none."""
    if page.content_type in _HTML_TYPES or (not page.content_type and page.content.lstrip()[:1] == b"<"):
        tree = LexborHTMLParser(page.text)
        node = tree.css_first("title")
        title = _squash(node.text()) if node is not None else ""
        tree.strip_tags(_INVISIBLE)
        # Blocks end a line and cells are spaced, so "Blue Dream <b>$35</b>" stays one line and a row reads as one.
        for node in tree.css(_BLOCKS):
            node.insert_after("\n")
        for node in tree.css("td, th"):
            node.insert_after(" ")
        root = tree.body or tree.root
        return title, _lines(root.text(separator="")) if root is not None else ""
    if page.content_type.startswith("text/") or page.content_type in _TEXT_TYPES:
        return "", page.text
    return "", ""


def _squash(text: str) -> str:
    return " ".join(text.split())


def _lines(text: str) -> str:
    lines = (_squash(line) for line in text.splitlines())
    return "\n".join(line for line in lines if line)
