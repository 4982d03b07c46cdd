"""The guarded transport against SSRF vectors, over real loopback servers and sockets that count connections."""
from __future__ import annotations

import gzip
import re
import socket
import ssl
from typing import Any

import httpcore
import httpx
import pytest
import trustme

from scheduler.integrations.http import (
    MAX_BYTES,
    USER_AGENT,
    BlockedURL,
    BodyTooLarge,
    FetchError,
    FetchTimeout,
    check_host,
    fetch,
    guarded_client,
)
from scheduler.settings import Settings
from tests.fakes.web import Listener, WebServer

# What the test resolver answers; a name not here does not exist.
NAMES = {
    "evil.example": ["10.0.0.1"],
    "metadata.example": ["169.254.169.254"],
    "loop.example": ["127.0.0.1"],
    "mapped.example": ["::ffff:10.0.0.1"],
    "mixed.example": ["93.184.216.34", "10.0.0.1"],
    "shop.example": ["127.0.0.1"],
}


def resolver(host: str, port: int) -> list[str]:
    """The test's DNS: NAMES, else no such name."""
    if host not in NAMES:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    return NAMES[host]


class Recording(httpcore.AsyncNetworkBackend):
    """The real network backend, noting every connection it opens (the boundary under the guard)."""

    def __init__(self) -> None:
        self.inner = httpcore.AnyIOBackend()
        self.connected: list[tuple[str, int]] = []

    async def connect_tcp(self, host: str, port: int, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        self.connected.append((host, port))
        return await self.inner.connect_tcp(host, port, *args, **kwargs)

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


@pytest.fixture
def listener():
    """Loopback sockets that must see no connection, unless a test says otherwise."""
    with Listener() as sockets:
        yield sockets


@pytest.fixture
def web():
    """A real site on 127.0.0.1."""
    with WebServer() as site:
        site.page("/", "<title>Menu</title><p>Blue Dream $35</p>")
        yield site


LOOPBACK_OFF = Settings()
LOOPBACK_ON = Settings(PLAYBOOKS_ALLOW_LOOPBACK_FETCH=True)

# URL ({port}: the listener's) -> what the refusal says. Loopback fetches are NOT allowed here.
DIRECT = [
    ("http://127.0.0.1:{port}/", "blocked: 127.0.0.1 is a loopback address"),
    ("http://localhost:{port}/", "blocked: localhost resolves to"),
    ("http://LOCALHOST.:{port}/", "blocked: localhost. resolves to 127.0.0.1, a loopback address"),
    ("http://admin.localhost:{port}/", "blocked: admin.localhost resolves to 127.0.0.1"),
    ("http://user@127.0.0.1:{port}/", "blocked: 127.0.0.1 is a loopback address"),
    ("http://user:pw@127.0.0.1:{port}/admin", "blocked: 127.0.0.1 is a loopback address"),
    ("http://evil.example#@127.0.0.1:{port}/", "blocked: evil.example resolves to 10.0.0.1, a private address"),
    ("http://evil.example?@127.0.0.1:{port}/", "blocked: evil.example resolves to 10.0.0.1"),
    ("http://127.0.0.1:{port}\\@evil.example/", "blocked: evil.example resolves to 10.0.0.1"),
    ("http://127\u30020\u30020\u30021:{port}/", "blocked: 127.0.0.1 is a loopback address"),
    ("http://127.1:{port}/", "blocked: 127.1 is 127.0.0.1, a loopback address"),
    ("http://2130706433:{port}/", "blocked: 2130706433 is 127.0.0.1, a loopback address"),
    ("http://0x7f000001:{port}/", "blocked: 0x7f000001 is 127.0.0.1"),
    ("http://0x7f.1:{port}/", "blocked: 0x7f.1 is 127.0.0.1"),
    ("http://0177.0.0.1:{port}/", "blocked: 0177.0.0.1 is 127.0.0.1"),
    ("http://017700000001:{port}/", "blocked: 017700000001 is 127.0.0.1"),
    ("http://127.0.0.1.:{port}/", "is 127.0.0.1, a loopback address"),
    ("HTTP://127.0.0.1:{port}/", "blocked: 127.0.0.1 is a loopback address"),
    ("hTtPs://127.0.0.1:{port}/", "blocked: 127.0.0.1 is a loopback address"),
    ("http://0:{port}/", "blocked: 0 is 0.0.0.0, an unspecified address"),
    ("http://0.0.0.0:{port}/", "blocked: 0.0.0.0 is an unspecified address"),
    ("http://[::]:{port}/", "blocked: :: is an unspecified address"),
    ("http://[::1]:{port}/", "blocked: ::1 is a loopback address"),
    ("http://[::ffff:127.0.0.1]:{port}/", "an IPv4-mapped address of 127.0.0.1, a loopback address"),
    ("http://[0:0:0:0:0:ffff:7f00:1]:{port}/", "an IPv4-mapped address of 127.0.0.1"),
    ("http://[::127.0.0.1]:{port}/", "an IPv4-compatible address of 127.0.0.1"),
    ("http://[64:ff9b::7f00:1]:{port}/", "a NAT64 address of 127.0.0.1"),
    ("http://[64:ff9b::10.0.0.1]/", "a NAT64 address of 10.0.0.1, a private address"),
    ("http://[2002:a00:1::]/", "a 6to4 address of 10.0.0.1, a private address"),
    ("http://[2002:7f00:1::1]:{port}/", "a 6to4 address of 127.0.0.1"),
    ("http://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/", "a Teredo address of 10.0.0.1, a private address"),
    ("http://10.0.0.1/", "blocked: 10.0.0.1 is a private address"),
    ("http://172.16.0.1/", "blocked: 172.16.0.1 is a private address"),
    ("http://192.168.1.1/", "blocked: 192.168.1.1 is a private address"),
    ("http://[fc00::1]/", "blocked: fc00::1 is a private address"),
    ("http://169.254.169.254/latest/meta-data/", "blocked: 169.254.169.254 is a cloud metadata address"),
    ("http://[fd00:ec2::254]/latest/meta-data/", "blocked: fd00:ec2::254 is a cloud metadata address"),
    ("http://100.100.100.200/", "a cloud metadata address"),
    ("http://169.254.1.1/", "blocked: 169.254.1.1 is a link-local address"),
    ("http://[fe80::1]/", "blocked: fe80::1 is a link-local address"),
    ("http://[fe80::1%25eth0]/", "is a link-local address"),
    ("http://100.64.0.1/", "blocked: 100.64.0.1 is a shared (CGNAT) address"),
    ("http://224.0.0.1/", "blocked: 224.0.0.1 is a multicast address"),
    ("http://[ff02::1]/", "blocked: ff02::1 is a multicast address"),
    ("http://240.0.0.1/", "blocked: 240.0.0.1 is a reserved address"),
    ("http://255.255.255.255/", "a reserved address"),
    ("http://[fec0::1]/", "a site-local address"),
    ("http://evil.example/", "blocked: evil.example resolves to 10.0.0.1, a private address"),
    ("http://metadata.example/", "blocked: metadata.example resolves to 169.254.169.254, a cloud metadata address"),
    ("http://loop.example:{port}/", "blocked: loop.example resolves to 127.0.0.1, a loopback address"),
    ("http://mapped.example/", "an IPv4-mapped address of 10.0.0.1"),
    ("http://mixed.example/", "blocked: mixed.example resolves to 10.0.0.1"),
    ("file:///etc/passwd", "blocked: file:// URLs are not fetched"),
    ("FILE:///etc/passwd", "blocked: file:// URLs are not fetched"),
    ("gopher://127.0.0.1:{port}/_GET%20/", "blocked: gopher:// URLs are not fetched"),
    ("ftp://127.0.0.1:{port}/", "blocked: ftp:// URLs are not fetched"),
    ("dict://127.0.0.1:{port}/info", "blocked: dict:// URLs are not fetched"),
]


@pytest.mark.parametrize(("url", "reason"), DIRECT)
async def test_a_blocked_url_is_refused_and_no_connection_is_made(listener, url, reason):
    backend = Recording()
    with pytest.raises(BlockedURL) as refused:
        await fetch(url.format(port=listener.port), LOOPBACK_OFF, resolver=resolver, network_backend=backend)
    assert reason in str(refused.value) and str(refused.value).startswith("blocked: ")
    assert backend.connected == []
    assert listener.connections() == 0


def test_the_corpus_covers_at_least_35_vectors():
    assert len(DIRECT) >= 35 and len(REDIRECTS) >= 20


# Where an allowed loopback site redirects -> what the refusal says. Loopback fetches ARE allowed here.
REDIRECTS = [
    ("http://10.0.0.1/", "blocked: 10.0.0.1 is a private address"),
    ("http://172.31.255.255/", "blocked: 172.31.255.255 is a private address"),
    ("http://192.168.0.1/", "blocked: 192.168.0.1 is a private address"),
    ("//10.0.0.1/", "blocked: 10.0.0.1 is a private address"),
    ("http://169.254.169.254/latest/meta-data/", "a cloud metadata address"),
    ("http://[fd00:ec2::254]/", "a cloud metadata address"),
    ("http://169.254.1.1/", "a link-local address"),
    ("http://[fe80::1]/", "a link-local address"),
    ("http://100.64.0.1/", "a shared (CGNAT) address"),
    ("http://224.0.0.1/", "a multicast address"),
    ("http://240.0.0.1/", "a reserved address"),
    ("http://0.0.0.0:{port}/", "an unspecified address"),
    ("http://0:{port}/", "an unspecified address"),
    ("http://[::]:{port}/", "an unspecified address"),
    ("http://[::ffff:127.0.0.1]:{port}/", "an IPv4-mapped address of 127.0.0.1"),
    ("http://[::127.0.0.1]:{port}/", "an IPv4-compatible address of 127.0.0.1"),
    ("http://[64:ff9b::a00:1]/", "a NAT64 address of 10.0.0.1"),
    ("http://[2002:c0a8:1::]/", "a 6to4 address of 192.168.0.1"),
    ("http://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/", "a Teredo address of 10.0.0.1"),
    ("http://[fc00::1]/", "a private address"),
    ("http://evil.example/", "blocked: evil.example resolves to 10.0.0.1"),
    ("http://metadata.example/latest/meta-data/", "resolves to 169.254.169.254"),
    ("file:///etc/passwd", "blocked: file:// URLs are not fetched"),
    ("gopher://127.0.0.1:{port}/", "blocked: gopher:// URLs are not fetched"),
    ("ftp://127.0.0.1:{port}/", "blocked: ftp:// URLs are not fetched"),
]


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize(("target", "reason"), REDIRECTS)
async def test_every_redirect_hop_is_checked_again(web, listener, status, target, reason):
    url = web.redirect("/go", target.format(port=listener.port), status)
    backend = Recording()
    with pytest.raises(BlockedURL) as refused:
        await fetch(url, LOOPBACK_ON, resolver=resolver, network_backend=backend)
    assert reason in str(refused.value)
    assert backend.connected == [("127.0.0.1", web.port)]
    assert listener.connections() == 0


async def test_a_redirect_two_hops_away_is_checked_too(web, listener):
    web.redirect("/b", f"http://loop.example:{web.port}/c")
    web.redirect("/c", "http://evil.example/")
    backend = Recording()
    with pytest.raises(BlockedURL, match=re.escape("evil.example resolves to 10.0.0.1")):
        await fetch(web.redirect("/a", "/b"), LOOPBACK_ON, resolver=resolver, network_backend=backend)
    assert set(backend.connected) == {("127.0.0.1", web.port)}
    assert [path for path, _ in web.requests] == ["/a", "/b", "/c"]


async def test_the_listener_does_see_a_connection_that_is_made(listener):
    # The control for every `connections() == 0` above: a fetch that may connect is counted.
    with pytest.raises(FetchTimeout):
        await fetch(f"http://127.0.0.1:{listener.port}/", LOOPBACK_ON, timeout=0.3)
    assert listener.connections() == 1


async def test_an_allowed_fetch_connects_to_the_checked_address_and_keeps_the_name(web):
    calls: list[str] = []

    def rebinding(host: str, port: int) -> list[str]:
        # The first answer is checked and used; a later, different answer must not matter to that fetch.
        calls.append(host)
        return ["127.0.0.1"] if len(calls) == 1 else ["10.0.0.1"]

    backend = Recording()
    page = await fetch(f"http://shop.example:{web.port}/", LOOPBACK_ON, resolver=rebinding, network_backend=backend)
    assert (page.status, page.content_type, page.text) == (200, "text/html", "<title>Menu</title><p>Blue Dream $35</p>")
    assert calls == ["shop.example"] and backend.connected == [("127.0.0.1", web.port)]
    _path, headers = web.requests[0]
    assert headers["Host"] == f"shop.example:{web.port}" and headers["User-Agent"] == USER_AGENT
    with pytest.raises(BlockedURL, match=re.escape("shop.example resolves to 10.0.0.1, a private address")):
        await fetch(f"http://shop.example:{web.port}/", LOOPBACK_ON, resolver=rebinding)
    assert len(web.requests) == 1


@pytest.mark.parametrize(("certified", "works"), [("shop.example", True), ("127.0.0.1", False)])
async def test_https_checks_the_certificate_against_the_name_while_connecting_to_the_checked_address(certified, works):
    # The socket goes to 127.0.0.1, yet SNI and the certificate check use shop.example: a certificate
    # for the address itself is refused, so the pinned connection cannot dodge the name's certificate.
    ca = trustme.CA()
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(certified).configure_cert(server_tls)
    client_tls = ssl.create_default_context()
    ca.configure_trust(client_tls)
    with WebServer(tls=server_tls) as site:
        site.page("/", "secure menu")
        backend = Recording()
        async with guarded_client(LOOPBACK_ON, resolver=resolver, network_backend=backend, ssl_context=client_tls) as client:
            if works:
                response = await client.get(f"https://shop.example:{site.port}/")
                assert response.text == "secure menu" and site.requests[0][1]["Host"] == f"shop.example:{site.port}"
            else:
                with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                    await client.get(f"https://shop.example:{site.port}/")
                assert site.requests == []
        assert backend.connected == [("127.0.0.1", site.port)]


async def test_loopback_is_refused_by_default_and_allowed_only_by_the_setting(web, monkeypatch):
    assert Settings().allow_loopback_fetch is False
    with pytest.raises(BlockedURL, match=re.escape("blocked: 127.0.0.1 is a loopback address")):
        await fetch(web.url + "/", Settings())
    monkeypatch.setenv("PLAYBOOKS_ALLOW_LOOPBACK_FETCH", "true")
    assert (await fetch(web.url + "/", Settings())).status == 200
    assert (await fetch(f"HTTP://localhost:{web.port}/", Settings())).status == 200


async def test_loopback_over_ipv6_is_allowed_by_the_setting_too():
    try:
        site = WebServer("::1")
    except OSError:
        pytest.skip("no IPv6 loopback on this machine")
    with site:
        site.page("/", "six")
        assert (await fetch(site.url + "/", LOOPBACK_ON)).text == "six"
        with pytest.raises(BlockedURL, match="::1 is a loopback address"):
            await fetch(site.url + "/", LOOPBACK_OFF)


async def test_private_addresses_stay_blocked_with_loopback_allowed():
    with pytest.raises(BlockedURL, match=re.escape("blocked: 10.0.0.1 is a private address")):
        await fetch("http://10.0.0.1/", LOOPBACK_ON)


async def test_five_redirects_are_followed_and_a_sixth_is_refused(web):
    for hop in range(6):
        web.redirect(f"/hop/{hop}", f"/hop/{hop + 1}")
    web.page("/hop/6", "arrived")
    page = await fetch(web.url + "/hop/1", LOOPBACK_ON)
    assert page.text == "arrived" and len(page.redirects) == 5 and page.url == web.url + "/hop/6"
    with pytest.raises(FetchError, match=r"too many redirects: .* redirected more than 5 times"):
        await fetch(web.url + "/hop/0", LOOPBACK_ON)
    assert len(web.requests) == 6 + 6


async def test_a_redirect_loop_stops_after_five_hops(web):
    web.redirect("/loop", "/loop")
    with pytest.raises(FetchError, match="too many redirects"):
        await fetch(web.url + "/loop", LOOPBACK_ON)
    assert len(web.requests) == 6


@pytest.mark.parametrize("chunked", [False, True])
async def test_a_body_over_5_mb_is_refused_while_reading(web, chunked):
    web.page("/big", b"x" * (MAX_BYTES + 1), content_type="text/plain", chunked=chunked)
    with pytest.raises(BodyTooLarge, match="5 MB cap"):
        await fetch(web.url + "/big", LOOPBACK_ON)
    web.page("/full", b"x" * MAX_BYTES, content_type="text/plain", chunked=chunked)
    assert len((await fetch(web.url + "/full", LOOPBACK_ON)).content) == MAX_BYTES


async def test_a_compressed_body_is_capped_after_decompression(web):
    web.page("/bomb", gzip.compress(b"\0" * (MAX_BYTES + 1)), headers={"Content-Encoding": "gzip"})
    with pytest.raises(BodyTooLarge, match="5 MB cap"):
        await fetch(web.url + "/bomb", LOOPBACK_ON)


async def test_the_body_cap_is_a_parameter(web):
    web.page("/page", b"y" * 1001, content_type="text/plain")
    with pytest.raises(BodyTooLarge, match="1,001 bytes, over the 1,000 bytes cap"):
        await fetch(web.url + "/page", LOOPBACK_ON, max_bytes=1000)


async def test_a_server_that_never_answers_hits_the_time_cap(web):
    web.page("/stall", "", stall=True)
    with pytest.raises(FetchTimeout, match=r"timed out: .*/stall took longer than 0.2s") as slow:
        await fetch(web.url + "/stall", LOOPBACK_ON, timeout=0.2)
    assert slow.value.retryable


async def test_a_body_that_trickles_hits_the_time_cap_for_the_whole_request(web):
    # Each chunk comes well inside any per-read timeout; only a cap over the whole request stops it.
    web.page("/drip", "", trickle=0.02)
    with pytest.raises(FetchTimeout, match=re.escape("took longer than 0.3s")):
        await fetch(web.url + "/drip", LOOPBACK_ON, timeout=0.3)


async def test_the_guarded_client_alone_refuses_too(listener):
    async with guarded_client(LOOPBACK_OFF, resolver=resolver) as client:
        assert client.headers["User-Agent"] == USER_AGENT
        with pytest.raises(BlockedURL, match=re.escape("127.0.0.1 is a loopback address")):
            await client.get(f"http://127.0.0.1:{listener.port}/")
        with pytest.raises(BlockedURL, match=re.escape("evil.example resolves to 10.0.0.1")):
            await client.get("http://evil.example/")
    assert listener.connections() == 0


@pytest.mark.parametrize(("host", "allowed"), [
    ("8.8.8.8", True), ("2606:4700:4700::1111", True), ("172.32.0.1", True), ("64:ff9b::808:808", True),
    ("2002:808:808::1", True), ("example.com", None), ("1.2.3.4.5", None), ("08.0.0.1", None),
    ("127.255.255.254", False), ("172.15.255.255", True), ("100.128.0.1", True), ("::ffff:8.8.8.8", False),
])
def test_the_address_check_on_its_own(host, allowed):
    if allowed is False:
        with pytest.raises(BlockedURL):
            check_host(host)
    else:
        assert (check_host(host) is None) == (allowed is None)
