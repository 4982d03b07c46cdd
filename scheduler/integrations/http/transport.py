"""The one guarded httpx transport every server-side fetch goes through.

Pinning: the check and the connection must see the same address, or a DNS answer that changes
between them (rebinding) walks past the check. httpcore hands every new connection to its network
backend's `connect_tcp(host, port)` and afterwards starts TLS with `server_hostname` set to the URL's
host, while httpx writes the Host header from the URL. So a network backend that resolves the host
itself, checks every address, and connects to the checked IP pins the address and keeps Host, SNI and
certificate checks on the real name: no private httpx attribute, no second resolution, no patching.
The transport above it owns an httpcore pool built with that backend (httpcore's public
`network_backend` argument), refuses schemes other than http and https, and caps the body.
"""
from __future__ import annotations

import ipaddress
import socket
import ssl
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import anyio
import httpcore
import httpx

from scheduler.integrations.http.addresses import IPAddress, check_host, check_ip, local_name
from scheduler.integrations.http.errors import BlockedURL, BodyTooLarge, FetchUnavailable, size_text
from scheduler.settings import Settings

USER_AGENT = "Playbooks/0.1 (+competitor price check)"
MAX_BYTES = 5 * 1024 * 1024
TIMEOUT_SECONDS = 10.0
MAX_REDIRECTS = 5
SCHEMES = ("http", "https")

# host, port -> the addresses it resolves to, as text; tests pass their own to name any host.
Resolver = Callable[[str, int], Iterable[str]]


def system_resolver(host: str, port: int) -> list[str]:
    """The addresses the system resolver gives for `host` (blocking: called in a worker thread)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that connects only to addresses it resolved and checked itself."""

    def __init__(self, allow_loopback: bool = False, resolver: Resolver = system_resolver,
                 inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self.allow_loopback = allow_loopback
        self.resolver = resolver
        self.inner = inner or httpcore.AnyIOBackend()

    async def addresses(self, host: str, port: int) -> list[IPAddress]:
        """Every address `host` stands for, each checked; BlockedURL if any one may not be reached."""
        literal = check_host(host, self.allow_loopback)
        if literal is not None:
            return [literal]
        local = local_name(host)
        if local is not None:
            check_ip(local, host, self.allow_loopback)
            return [local]
        try:
            # A resolver cannot be interrupted; on a time-out its thread is left to finish alone.
            answers = await anyio.to_thread.run_sync(self.resolver, host, port, abandon_on_cancel=True)
        except OSError as exc:
            raise FetchUnavailable(f"could not resolve {host}: {exc}") from exc
        ips = []
        for answer in answers:
            try:
                ip = ipaddress.ip_address(answer)
            except ValueError:
                raise BlockedURL(f"blocked: {host} resolved to {answer!r}, which is not an address") from None
            # One bad answer refuses the host: a mixed answer is how rebinding attacks start.
            check_ip(ip, host, self.allow_loopback)
            ips.append(ip)
        if not ips:
            raise FetchUnavailable(f"could not resolve {host}: no addresses")
        return ips

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        """Resolve and check `host`, then connect to the first checked address that answers."""
        error: Exception | None = None
        for ip in await self.addresses(host, port):
            try:
                return await self.inner.connect_tcp(str(ip), port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None
        raise error

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        """Never: a fetch goes over TCP to a checked address."""
        raise BlockedURL(f"blocked: {path} is a unix socket")

    async def sleep(self, seconds: float) -> None:
        """Wait between connection retries."""
        await self.inner.sleep(seconds)


class GuardedTransport(httpx.AsyncBaseTransport):
    """httpx transport over GuardedBackend: http and https only, body capped at `max_bytes` on the wire."""

    def __init__(self, allow_loopback: bool = False, resolver: Resolver = system_resolver, max_bytes: int = MAX_BYTES,
                 network_backend: httpcore.AsyncNetworkBackend | None = None, ssl_context: ssl.SSLContext | None = None) -> None:
        self.max_bytes = max_bytes
        self.backend = GuardedBackend(allow_loopback, resolver, network_backend)
        # ssl_context None: httpcore's default (certifi's roots, hostname checked against the URL's name).
        self._pool = httpcore.AsyncConnectionPool(ssl_context=ssl_context, network_backend=self.backend, max_connections=10,
                                                  retries=0)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send one request (one redirect hop); every new connection is checked by the backend."""
        if request.url.scheme not in SCHEMES:
            raise BlockedURL(f"blocked: {request.url.scheme}:// URLs are not fetched (only http and https)")
        core = httpcore.Request(
            method=request.method,
            url=httpcore.URL(scheme=request.url.raw_scheme, host=request.url.raw_host, port=request.url.port,
                             target=request.url.raw_path),
            headers=request.headers.raw, content=request.stream, extensions=request.extensions,
        )
        with _httpx_errors(request):
            response = await self._pool.handle_async_request(core)
        length = next((value for name, value in response.headers if name.lower() == b"content-length"), None)
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await response.aclose()
            raise BodyTooLarge(f"the response is {int(length):,} bytes, over the {size_text(self.max_bytes)} cap")
        return httpx.Response(status_code=response.status, headers=response.headers,
                              stream=_CappedStream(response.stream, self.max_bytes, request), extensions=response.extensions)

    async def aclose(self) -> None:
        """Close every pooled connection."""
        await self._pool.aclose()


class _CappedStream(httpx.AsyncByteStream):
    """The response body, stopped with BodyTooLarge as soon as it passes the cap."""

    def __init__(self, stream: Any, max_bytes: int, request: httpx.Request) -> None:
        self._stream, self._max_bytes, self._request = stream, max_bytes, request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        seen = 0
        with _httpx_errors(self._request):
            async for chunk in self._stream:
                seen += len(chunk)
                if seen > self._max_bytes:
                    await self.aclose()
                    raise BodyTooLarge(f"the response body passed the {size_text(self._max_bytes)} cap; reading stopped")
                yield chunk

    async def aclose(self) -> None:
        if hasattr(self._stream, "aclose"):
            await self._stream.aclose()


@contextmanager
def _httpx_errors(request: httpx.Request) -> Iterator[None]:
    # httpcore and httpx name their errors alike; callers catch httpx's, as with httpx's own transport.
    try:
        yield
    except httpcore.UnsupportedProtocol as exc:
        raise BlockedURL(f"blocked: {exc}") from exc
    except Exception as exc:
        for cls in type(exc).__mro__:
            if cls.__module__.startswith("httpcore") and isinstance(getattr(httpx, cls.__name__, None), type):
                raise getattr(httpx, cls.__name__)(str(exc) or cls.__name__, request=request) from exc
        raise


def guarded_client(settings: Settings, *, resolver: Resolver = system_resolver, timeout: float = TIMEOUT_SECONDS,
                   max_bytes: int = MAX_BYTES, network_backend: httpcore.AsyncNetworkBackend | None = None,
                   ssl_context: ssl.SSLContext | None = None) -> httpx.AsyncClient:
    """An AsyncClient on the guarded transport: follows at most 5 redirects, each re-checked, with our User-Agent."""
    transport = GuardedTransport(settings.allow_loopback_fetch, resolver, max_bytes, network_backend, ssl_context)
    # trust_env=False: nothing from the environment (a proxy would connect for us, past the address check; netrc).
    return httpx.AsyncClient(transport=transport, follow_redirects=True, max_redirects=MAX_REDIRECTS,
                             timeout=httpx.Timeout(timeout), headers={"User-Agent": USER_AGENT}, trust_env=False)
