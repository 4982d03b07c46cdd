"""scan_competitors: fetch each competitor's menu through the guarded transport and read its products and prices.

A page whose content did not change since the competitor's last snapshot is not parsed again.
One site failing (refused, timed out, 500, nothing readable) is reported in its entry; the others go on.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import re
from datetime import timedelta
from typing import Any, ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, field_validator

from scheduler.integrations.html import extract_products, extract_promotions_text
from scheduler.integrations.http import TIMEOUT_SECONDS, FetchError, fetch
from scheduler.steps.base import RetryableStepError, Step, StepContext, StepError, StepOutput, StepParams
from scheduler.steps.intelligence.sources import ScannedProduct, chosen, products_of
from scheduler.store.tables import Competitor

RETENTION_DAYS = 30
AT_ONCE = 4  # sites fetched concurrently: a scan of many competitors stays polite and bounded
_URL = re.compile(r"(?i)^https?://")


class ScanParams(StepParams):
    # Names or ids of the organisation's competitors; an http(s) URL is read once, as it is (no snapshot).
    competitors: list[str] | None = None
    # What the request said the scan is for; every scan reads products, prices and banners alike.
    focus: list[Literal["prices", "menus", "promotions", "new_products"]] = Field(default_factory=lambda: ["prices"])
    limit: int | None = Field(None, ge=1, le=100)  # "our top 3 competitors": the first N, in the order they were added
    timeout_seconds: float = Field(TIMEOUT_SECONDS, gt=0, le=TIMEOUT_SECONDS)  # per site
    retention_days: int = Field(RETENTION_DAYS, ge=1, le=3650)

    @field_validator("competitors")
    @classmethod
    def _some(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and not [v for v in value if v.strip()]:
            raise ValueError("name at least one competitor, or leave competitors out to scan them all")
        return value


class CompetitorScan(BaseModel):
    id: str | None  # None for a URL named in params
    name: str
    url: str
    products: list[ScannedProduct]
    promotions: list[str]  # banner texts that read as promotions, literally
    unchanged: bool  # the page is byte-for-byte the last scan's: products taken from that snapshot, not parsed again
    error: str | None


class ScanOutput(StepOutput):
    competitors: list[CompetitorScan]
    pages_fetched: int
    cache_hits: int
    product_count: int


def content_hash(body: bytes, selectors: dict[str, str] | None) -> str:
    """What decides "unchanged": the page's bytes and the selectors it was read with."""
    digest = hashlib.sha256(body)
    digest.update(json.dumps(selectors or {}, sort_keys=True).encode())
    return digest.hexdigest()


def _read(html: str, url: str, selectors: dict[str, str] | None) -> tuple[list[dict[str, Any]], list[str]]:
    products = [p.model_dump() for p in extract_products(html, url, selectors)]
    return products, extract_promotions_text(html)


class ScanCompetitors(Step):
    """Fetch the competitors' menu pages and read their products, prices and promotion banners."""

    name = "scan_competitors"
    Params = ScanParams
    Output = ScanOutput
    # tests/fakes/web.py serves this origin on loopback for the step contract test (a page of hostile text).
    example: ClassVar[dict[str, Any]] = {"competitors": ["http://shop.example/competitor"]}
    # Above the per-site cap (10 s) times the rounds of AT_ONCE fetches for a long list (100 competitors: 25 rounds).
    timeout_seconds = 300.0
    max_attempts = 2

    async def run(self, params: ScanParams, ctx: StepContext) -> ScanOutput:
        urls = [c for c in params.competitors or [] if _URL.match(c.strip())]
        named = [c for c in params.competitors or [] if c not in urls] if params.competitors else None
        targets: list[Competitor | str] = []
        if named or params.competitors is None:
            targets += await chosen(ctx, named)
        targets += [u.strip() for u in urls]
        if params.limit:
            targets = targets[:params.limit]
        if not targets:
            return ScanOutput(competitors=[], pages_fetched=0, cache_hits=0, product_count=0,
                              summary="No competitors to scan yet: add them with `playbooks competitors add` "
                                      "or POST /api/competitors.")
        gate = asyncio.Semaphore(AT_ONCE)

        async def one(target: Competitor | str) -> tuple[CompetitorScan, bool, bool]:
            async with gate:
                return await self._scan(target, params, ctx)

        results = await asyncio.gather(*(one(t) for t in targets))
        scans = [r[0] for r in results]
        await ctx.store.snapshots.prune(ctx.org_id, ctx.clock.now() - timedelta(days=params.retention_days))
        failed = [s for s in scans if s.error]
        if len(failed) == len(scans):
            text = "; ".join(f"{s.name}: {s.error}" for s in failed)
            raise (RetryableStepError if any(r[2] for r in results) else StepError)(f"no competitor could be read: {text}")
        fetched, hits = sum(1 for r in results if r[1]), sum(1 for s in scans if s.unchanged)
        count = sum(len(s.products) for s in scans)
        lines = [f"Scanned {len(scans)} competitor{'s' if len(scans) != 1 else ''}: {count} products read, "
                 f"{fetched} page{'s' if fetched != 1 else ''} fetched, {hits} unchanged since the last scan."]
        lines += [f"Could not read {s.name}: {s.error}" for s in failed]
        return ScanOutput(competitors=scans, pages_fetched=fetched, cache_hits=hits, product_count=count,
                          summary="\n".join(lines))

    async def _scan(self, target: Competitor | str, params: ScanParams, ctx: StepContext) -> tuple[CompetitorScan, bool, bool]:
        """(the entry, whether a page arrived, whether its failure may pass on a retry)."""
        settings = ctx.settings
        if isinstance(target, str):
            competitor_id, name, url, selectors = None, urlsplit(target).netloc or target, target, None
        else:
            competitor_id, name, url, selectors = target.id, target.name, target.url, target.selectors
            if target.bundled:
                # A demo page `serve` serves itself on loopback: allowed for it alone, never for a URL a user gave.
                settings = settings.model_copy(update={"allow_loopback_fetch": True})

        def failed(error: str, fetched: bool = False, transient: bool = False) -> tuple[CompetitorScan, bool, bool]:
            entry = CompetitorScan(id=competitor_id, name=name, url=url, products=[], promotions=[], unchanged=False, error=error)
            return entry, fetched, transient

        try:
            page = await fetch(url, settings, timeout=params.timeout_seconds)
        except FetchError as exc:
            return failed(str(exc), transient=exc.retryable)
        if page.status >= 400:
            return failed(f"{page.url} answered {page.status}", transient=page.status >= 500 or page.status == 429)
        digest = content_hash(page.content, selectors)
        last = await ctx.store.snapshots.latest_before(competitor_id, ctx.execution_id) if competitor_id else None
        unchanged = last is not None and last.content_hash == digest
        if unchanged:
            products, promotions = last.products, list(last.promotions)
        else:
            try:
                # Parsing a large page is CPU work: off the event loop, so other runs keep going.
                products, promotions = await asyncio.to_thread(_read, page.text, page.url, selectors)
            except ValueError as exc:  # selectors that do not fit the page
                return failed(f"could not read {page.url}: {exc}", fetched=True)
        if not products:
            # A maintenance page must not read as "every product removed": no snapshot, an error to see.
            return failed(f"read no products on {page.url} (if the menu is there, give this competitor CSS selectors)",
                          fetched=True)
        if competitor_id:
            await ctx.store.snapshots.save(ctx.org_id, competitor_id, ctx.execution_id, digest, products, promotions,
                                           ctx.clock.now())
        entry = CompetitorScan(id=competitor_id, name=name, url=url, products=products_of(products), promotions=promotions,
                               unchanged=unchanged, error=None)
        return entry, True, False
