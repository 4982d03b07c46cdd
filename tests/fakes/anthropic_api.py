"""A fake Anthropic Messages API on loopback, speaking the real wire format, so the real client code runs.

`POST /v1/messages` answers from a script: each entry is one model turn, either a
list of blocks (`"text"` strings and `tool_use(...)` dicts), an `Overloaded`
(HTTP 529 before any byte, as the API answers when it is busy), a `Fails` (any
other error status), a `BreaksOff`
(a 200 stream that starts, then sends an `overloaded_error` event, as the API
does mid-answer), or a function of the request body that returns one of these.
Streamed answers are the real SSE events: `message_start`, `content_block_start`
(`text` or `tool_use`), `content_block_delta` (`text_delta`, `input_json_delta`
in small pieces), `content_block_stop`, `message_delta` (stop reason, usage),
`message_stop`, with a `ping` among them. Every request body is kept in
`requests`, for tests to read what the client sent (model, system, tools).
"""
from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Block = str | dict[str, Any]


@dataclass(frozen=True)
class Overloaded:
    """HTTP 529 `overloaded_error`, with a short retry-after so the client's retries take milliseconds."""

    retry_after_ms: int = 10


@dataclass(frozen=True)
class Fails:
    """An error answer before any byte of a stream: `status` with an error body of `kind` (401 authentication_error...)."""

    status: int
    kind: str


@dataclass(frozen=True)
class BreaksOff:
    """A stream that begins (message_start, some text) and then sends an `overloaded_error` event."""

    text: str = ""


Turn = list[Block] | Overloaded | Fails | BreaksOff | Callable[[dict[str, Any]], Any]


def tool_use(tool: str, /, **args: Any) -> dict[str, Any]:
    """A tool_use block the fake model writes."""
    return {"type": "tool_use", "id": f"toolu_{uuid.uuid4().hex[:20]}", "name": tool, "input": args}


@dataclass
class FakeAnthropic:
    """`with FakeAnthropic([...]) as api:` -> api.url for ANTHROPIC_BASE_URL; api.requests, api.headers; api.left."""

    script: list[Turn]
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def left(self) -> int:
        """Scripted turns not yet used."""
        return len(self.script)

    def next_turn(self, body: dict[str, Any], headers: dict[str, str]) -> Any:
        with self._lock:
            self.requests.append(body)
            self.headers.append(headers)
            if not self.script:
                return ["(the fake model has no more scripted turns)"]
            turn = self.script.pop(0)
        return turn(body) if callable(turn) else turn

    def __enter__(self) -> FakeAnthropic:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler(api: FakeAnthropic) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # quiet
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)) or b"{}")
            if self.path.split("?")[0] != "/v1/messages":
                return self._json(404, _error("not_found_error", f"no route {self.path}"))
            # Older clients send the key as x-api-key, newer ones as a bearer token.
            if not (self.headers.get("x-api-key") or self.headers.get("authorization", "").startswith("Bearer ")):
                return self._json(401, _error("authentication_error", "an API key is required"))
            turn = api.next_turn(body, {k.lower(): v for k, v in self.headers.items()})
            if isinstance(turn, Overloaded):
                return self._json(529, _error("overloaded_error", "Overloaded"), {"retry-after-ms": str(turn.retry_after_ms)})
            if isinstance(turn, Fails):
                return self._json(turn.status, _error(turn.kind, f"fake {turn.kind}"))
            if not body.get("stream"):
                if isinstance(turn, BreaksOff):
                    return self._json(529, _error("overloaded_error", "Overloaded"), {"retry-after-ms": "10"})
                return self._json(200, _message(body, turn))
            self.send_response(200)
            self.send_header("content-type", "text/event-stream; charset=utf-8")
            self.send_header("cache-control", "no-cache")
            self.send_header("connection", "close")
            self.end_headers()
            for event, data in _events(body, turn):
                self.wfile.write(f"event: {event}\ndata: {json.dumps(data)}\n\n".encode())
                self.wfile.flush()
            self.close_connection = True

        def _json(self, status: int, payload: dict[str, Any], extra: dict[str, str] | None = None) -> None:
            raw = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(raw)))
            self.send_header("request-id", f"req_{uuid.uuid4().hex[:12]}")
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(raw)

    return Handler


def _error(kind: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": kind, "message": message}}


def _blocks(turn: list[Block]) -> list[dict[str, Any]]:
    return [{"type": "text", "text": b} if isinstance(b, str) else b for b in turn]


def _stop_reason(blocks: list[dict[str, Any]]) -> str:
    return "tool_use" if any(b["type"] == "tool_use" for b in blocks) else "end_turn"


def _message(body: dict[str, Any], turn: list[Block]) -> dict[str, Any]:
    blocks = _blocks(turn)
    return {"id": f"msg_{uuid.uuid4().hex[:20]}", "type": "message", "role": "assistant", "model": body.get("model"),
            "content": blocks, "stop_reason": _stop_reason(blocks), "stop_sequence": None,
            "usage": {"input_tokens": 25, "output_tokens": 10}}


def _events(body: dict[str, Any], turn: list[Block] | BreaksOff) -> list[tuple[str, dict[str, Any]]]:
    """The SSE events of one streamed answer, in the order the API sends them."""
    message = {**_message(body, []), "stop_reason": None}
    events: list[tuple[str, dict[str, Any]]] = [("message_start", {"type": "message_start", "message": message}),
                                                 ("ping", {"type": "ping"})]
    if isinstance(turn, BreaksOff):
        if turn.text:
            events += _text_block(0, turn.text)[:2]
        return [*events, ("error", _error("overloaded_error", "Overloaded"))]
    blocks = _blocks(turn)
    for index, block in enumerate(blocks):
        if block["type"] == "text":
            events += _text_block(index, block["text"])
            continue
        start = {**block, "input": {}}
        events.append(("content_block_start", {"type": "content_block_start", "index": index, "content_block": start}))
        raw = json.dumps(block["input"])
        for i in range(0, len(raw), 16):
            delta = {"type": "input_json_delta", "partial_json": raw[i:i + 16]}
            events.append(("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}))
        events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
    delta = {"type": "message_delta", "delta": {"stop_reason": _stop_reason(blocks), "stop_sequence": None},
             "usage": {"output_tokens": 10}}
    return [*events, ("message_delta", delta), ("message_stop", {"type": "message_stop"})]


def _text_block(index: int, text: str) -> list[tuple[str, dict[str, Any]]]:
    words = [w + " " for w in text.split(" ")]
    words[-1] = words[-1][:-1]
    return [
        ("content_block_start", {"type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""}}),
        *[("content_block_delta", {"type": "content_block_delta", "index": index, "delta": {"type": "text_delta", "text": w}})
          for w in words if w],
        ("content_block_stop", {"type": "content_block_stop", "index": index}),
    ]
