"""A real web site on loopback (stdlib HTTP server in a thread), and a socket that counts who knocked."""
from __future__ import annotations

import contextlib
import select
import socket
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.fakes.smtp import free_port

# Step examples name this origin; the contract test serves it from a WebServer (see `localise`).
EXAMPLE_ORIGIN = "http://shop.example"


@dataclass
class Route:
    """What one path answers: a body, or a redirect, or a stall, or a body that trickles for a long while."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    stall: bool = False  # answer nothing until the server closes (at most a minute)
    trickle: float = 0.0  # send a chunk every `trickle` seconds for 10 s
    chunked: bool = False  # no Content-Length: the client learns the size only by reading
    # Answers given first, one per request, in order (status, body, headers); then `status` and `body`.
    queue: list[tuple[int, bytes, dict[str, str]]] = field(default_factory=list)


class WebServer:
    """`with WebServer() as web:` -> web.url; web.page(path, html), web.redirect(path, to); web.requests lists what came in."""

    def __init__(self, host: str = "127.0.0.1", tls: ssl.SSLContext | None = None) -> None:
        self.host = host
        self.scheme = "https" if tls else "http"
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.posts: list[Posted] = []
        self.closing = threading.Event()
        server_class = type("Server", (ThreadingHTTPServer,), {"address_family": socket.AF_INET6 if ":" in host else socket.AF_INET,
                                                                 "daemon_threads": True})
        self.server = server_class((host, 0), _handler(self))
        if tls is not None:
            # The handshake runs in the request's thread, so a client that refuses the certificate fails quietly there.
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True, do_handshake_on_connect=False)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def url(self) -> str:
        """The site's origin, e.g. http://127.0.0.1:8123."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    def page(self, path: str, body: str | bytes, content_type: str = "text/html; charset=utf-8", **route: Any) -> str:
        """Serve `body` at `path`; returns the page's URL."""
        data = body.encode() if isinstance(body, str) else body
        headers = {"Content-Type": content_type, **route.pop("headers", {})}
        self.routes[path] = Route(body=data, headers=headers, **route)
        return self.url + path

    def receiver(self, path: str, *first: tuple[int, str], body: str = "ok", content_type: str = "text/plain",
                 headers: dict[str, str] | None = None) -> str:
        """Answer POSTs to `path`: the `first` (status, body) pairs in order, then 200 with `body`; returns its URL."""
        queue = [(status, text.encode(), dict(headers or {})) for status, text in first]
        self.routes[path] = Route(body=body.encode(), headers={"Content-Type": content_type}, queue=queue)
        return self.url + path

    def posted(self, path: str) -> list[Posted]:
        """The POSTs that came to `path`, in order."""
        return [p for p in self.posts if p.path.split("?")[0] == path]

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        """Answer `path` with a redirect to `location`; returns the redirecting URL."""
        self.routes[path] = Route(status=status, headers={"Location": location})
        return self.url + path

    def localise(self, value: Any) -> Any:
        """`value` with EXAMPLE_ORIGIN replaced by this server's origin, in every string inside it."""
        if isinstance(value, str):
            return value.replace(EXAMPLE_ORIGIN, self.url)
        if isinstance(value, dict):
            return {k: self.localise(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.localise(v) for v in value]
        return value

    def __enter__(self) -> WebServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.closing.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@dataclass(frozen=True)
class Posted:
    """One POST a WebServer received: its path, headers (names as sent) and raw body."""

    path: str
    headers: dict[str, str]
    body: bytes
    status: int


def _handler(site: WebServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def handle(self) -> None:
            with contextlib.suppress(ssl.SSLError, ConnectionError):  # a client that refused our certificate, or hung up
                super().handle()

        def do_GET(self) -> None:
            site.requests.append((self.path, dict(self.headers)))
            route = site.routes.get(self.path.split("?")[0]) or Route(body=b"not found", status=404)
            if route.stall:
                site.closing.wait(60)
                self.close_connection = True
                return
            self.send_response(route.status)
            for name, value in route.headers.items():
                self.send_header(name, value)
            try:
                if route.trickle or route.chunked:
                    self._send_chunked(route)
                else:
                    self.send_header("Content-Length", str(len(route.body)))
                    self.end_headers()
                    self.wfile.write(route.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up, as it should on a cap

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            route = site.routes.get(self.path.split("?")[0]) or Route(body=b"not found", status=404)
            status, answer, headers = route.queue.pop(0) if route.queue else (route.status, route.body, route.headers)
            site.posts.append(Posted(self.path, dict(self.headers), body, status))
            self.send_response(status)
            for name, value in {**route.headers, **headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def _send_chunked(self, route: Route) -> None:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            if route.trickle:
                # Ends after a while, so a client without a cap on the whole request finishes (and its test fails).
                for _ in range(int(10 / route.trickle)):
                    if site.closing.wait(route.trickle):
                        return
                    self.wfile.write(b"5\r\nhello\r\n")
                    self.wfile.flush()
                self.wfile.write(b"0\r\n\r\n")
                return
            step = 64 * 1024
            for i in range(0, len(route.body), step):
                part = route.body[i:i + step]
                self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's name)
            pass

    return Handler


class Listener:
    """Listening sockets on loopback (IPv4 and, where there is one, IPv6) that count connections made to them.

    Nothing accepts while the test runs: the kernel completes a connection into the backlog, and
    `connections()` drains it afterwards, so a connection that was made cannot go unseen.
    """

    def __init__(self) -> None:
        self.port = free_port()
        self.sockets = [self._listen(socket.AF_INET, "127.0.0.1")]
        if socket.has_ipv6:
            with contextlib.suppress(OSError):  # no IPv6 loopback here: IPv6 vectors then have nothing to reach either
                self.sockets.append(self._listen(socket.AF_INET6, "::1"))
        self.count = 0

    def _listen(self, family: int, host: str) -> socket.socket:
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.bind((host, self.port))
        sock.listen(64)
        sock.setblocking(False)
        return sock

    def connections(self) -> int:
        """How many connections reached these sockets so far."""
        while True:
            ready, _, _ = select.select(self.sockets, [], [], 0)
            if not ready:
                return self.count
            for sock in ready:
                conn, _ = sock.accept()
                conn.close()
                self.count += 1

    def __enter__(self) -> Listener:
        return self

    def __exit__(self, *exc: object) -> None:
        for sock in self.sockets:
            sock.close()
