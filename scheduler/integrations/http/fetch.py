"""fetch(): one GET through the guarded transport, with the time cap over the whole of it."""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

import anyio
import httpcore
import httpx

from scheduler.integrations.http.addresses import check_host
from scheduler.integrations.http.errors import BlockedURL, BodyTooLarge, FetchError, FetchTimeout, FetchUnavailable, size_text
from scheduler.integrations.http.transport import (
    MAX_BYTES,
    MAX_REDIRECTS,
    SCHEMES,
    TIMEOUT_SECONDS,
    Resolver,
    guarded_client,
    system_resolver,
)
from scheduler.settings import Settings


@dataclass(frozen=True)
class Page:
    """A fetched response: where it ended up, its status, type and (capped) body."""

    url: str
    status: int
    content_type: str
    content: bytes
    encoding: str = "utf-8"
    redirects: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The body decoded with the declared charset (UTF-8 when none), bad bytes replaced."""
        try:
            return self.content.decode(self.encoding, errors="replace")
        except LookupError:
            return self.content.decode("utf-8", errors="replace")


def check_url(url: str, allow_loopback: bool = False) -> httpx.URL:
    """The parsed URL if it may be fetched as written (scheme, address-literal host); BlockedURL or FetchError if not.

    Names are not resolved here: the transport checks what they resolve to when it connects.
    """
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        try:
            host = urlsplit(url).hostname
        except ValueError:
            host = None
        if host:
            check_host(host, allow_loopback)  # 0177.0.0.1 is refused by httpx's parser, but is loopback to a resolver
        raise FetchError(f"invalid URL {url!r}: {exc}") from exc
    if not parsed.scheme:
        raise FetchError(f"invalid URL {url!r}: it needs to start with http:// or https://")
    if parsed.scheme not in SCHEMES:
        raise BlockedURL(f"blocked: {parsed.scheme}:// URLs are not fetched (only http and https)")
    if not parsed.host:
        raise FetchError(f"invalid URL {url!r}: it names no host")
    check_host(parsed.host, allow_loopback)
    return parsed


async def fetch(url: str, settings: Settings, *, timeout: float = TIMEOUT_SECONDS, max_bytes: int = MAX_BYTES,
                resolver: Resolver = system_resolver, network_backend: httpcore.AsyncNetworkBackend | None = None) -> Page:
    """GET `url`: every hop checked, at most 5 redirects, body capped (also after decompression), `timeout` for it all."""
    check_url(url, settings.allow_loopback_fetch)
    async with guarded_client(settings, resolver=resolver, timeout=timeout, max_bytes=max_bytes,
                              network_backend=network_backend) as client:
        try:
            with anyio.fail_after(timeout):
                async with client.stream("GET", url) as response:
                    content = await _read(response, max_bytes)
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise FetchTimeout(f"timed out: {url} took longer than {timeout:g}s") from exc
        except httpx.TooManyRedirects as exc:
            raise FetchError(f"too many redirects: {url} redirected more than {MAX_REDIRECTS} times") from exc
        except httpx.InvalidURL as exc:
            raise FetchError(f"invalid redirect from {url}: {exc}") from exc
        except httpx.DecodingError as exc:
            raise FetchError(f"could not decode the response from {url}: {exc}") from exc
        except httpx.HTTPError as exc:
            raise FetchUnavailable(f"could not fetch {url}: {exc}") from exc
    return Page(url=str(response.url), status=response.status_code,
                content_type=response.headers.get("content-type", "").split(";")[0].strip().lower(),
                content=content, encoding=response.encoding or "utf-8",
                redirects=[str(hop.url) for hop in response.history])


async def _read(response: httpx.Response, max_bytes: int) -> bytes:
    # The transport caps bytes on the wire; this caps them after gzip or brotli, against decompression bombs.
    chunks, seen = [], 0
    async for chunk in response.aiter_bytes():
        seen += len(chunk)
        if seen > max_bytes:
            raise BodyTooLarge(f"the response body passed the {size_text(max_bytes)} cap; reading stopped")
        chunks.append(chunk)
    return b"".join(chunks)
