"""Unit tests of the UI message stream encoder (the wire check is test_uistream_contract)."""

from __future__ import annotations

import datetime as dt
import enum
import json
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from api.stream import uistream as ui
from tests.conftest import WatchPings, until_pinged


@pytest.mark.parametrize(
    ("part", "expected"),
    [
        (ui.start(), {"type": "start"}),
        (ui.start("m1", {"persona": "craig"}),
         {"type": "start", "messageId": "m1", "messageMetadata": {"persona": "craig"}}),
        (ui.start_step(), {"type": "start-step"}),
        (ui.finish_step(), {"type": "finish-step"}),
        (ui.text_start("t"), {"type": "text-start", "id": "t"}),
        (ui.text_delta("t", "Hi"), {"type": "text-delta", "id": "t", "delta": "Hi"}),
        (ui.text_end("t"), {"type": "text-end", "id": "t"}),
        (ui.reasoning_start("r"), {"type": "reasoning-start", "id": "r"}),
        (ui.reasoning_delta("r", "hm"), {"type": "reasoning-delta", "id": "r", "delta": "hm"}),
        (ui.reasoning_end("r"), {"type": "reasoning-end", "id": "r"}),
        (ui.tool_input_start("c1", "create_playbook"),
         {"type": "tool-input-start", "toolCallId": "c1", "toolName": "create_playbook"}),
        (ui.tool_input_start("c1", "x", dynamic=True),
         {"type": "tool-input-start", "toolCallId": "c1", "toolName": "x", "dynamic": True}),
        (ui.tool_input_delta("c1", '{"na'),
         {"type": "tool-input-delta", "toolCallId": "c1", "inputTextDelta": '{"na'}),
        (ui.tool_input_available("c1", "create_playbook", {"name": "x"}),
         {"type": "tool-input-available", "toolCallId": "c1", "toolName": "create_playbook",
          "input": {"name": "x"}}),
        (ui.tool_input_available("c1", "list_playbooks", None),
         {"type": "tool-input-available", "toolCallId": "c1", "toolName": "list_playbooks",
          "input": None}),
        (ui.tool_input_error("c1", "t", "{bad", "invalid JSON"),
         {"type": "tool-input-error", "toolCallId": "c1", "toolName": "t", "input": "{bad",
          "errorText": "invalid JSON"}),
        (ui.tool_output_available("c1", {"ok": True}),
         {"type": "tool-output-available", "toolCallId": "c1", "output": {"ok": True}}),
        (ui.tool_output_available("c1", None),
         {"type": "tool-output-available", "toolCallId": "c1", "output": None}),
        (ui.tool_output_available("c1", [1], preliminary=True),
         {"type": "tool-output-available", "toolCallId": "c1", "output": [1], "preliminary": True}),
        (ui.tool_output_error("c1", "boom"),
         {"type": "tool-output-error", "toolCallId": "c1", "errorText": "boom"}),
        (ui.data("playbook", {"id": "pb"}), {"type": "data-playbook", "data": {"id": "pb"}}),
        (ui.data("run", {"n": 1}, id="r1"), {"type": "data-run", "id": "r1", "data": {"n": 1}}),
        (ui.data("delegation", None, transient=True),
         {"type": "data-delegation", "data": None, "transient": True}),
        (ui.message_metadata({"a": 1}), {"type": "message-metadata", "messageMetadata": {"a": 1}}),
        (ui.finish(), {"type": "finish"}),
        (ui.finish("tool-calls"), {"type": "finish", "finishReason": "tool-calls"}),
        (ui.abort(), {"type": "abort"}),
        (ui.error("bad"), {"type": "error", "errorText": "bad"}),
    ],
)
def test_part_shapes(part: dict, expected: dict) -> None:
    assert part == expected


def test_text_helper_and_ids() -> None:
    assert ui.text("t", "hello") == [ui.text_start("t"), ui.text_delta("t", "hello"), ui.text_end("t")]
    first, second = ui.new_id("msg_"), ui.new_id("msg_")
    assert first.startswith("msg_") and first != second


def test_bad_parts_are_refused_when_built() -> None:
    with pytest.raises(ValueError, match="unknown finish reason"):
        ui.finish("done")
    with pytest.raises(ValueError, match="needs a name"):
        ui.data("", {})


def test_headers_and_done() -> None:
    assert ui.UI_STREAM_HEADERS["x-vercel-ai-ui-message-stream"] == "v1"
    assert ui.UI_STREAM_HEADERS["content-type"] == "text/event-stream"
    assert ui.DONE == "[DONE]"
    assert ui.encode_sse(ui.DONE) == "data: [DONE]\n\n"


def test_encode_sse_is_one_compact_data_line() -> None:
    frame = ui.encode_sse(ui.text_delta("t", 'line one\nline "two"\r\n✓'))
    assert frame == 'data: {"type":"text-delta","id":"t","delta":"line one\\nline \\"two\\"\\r\\n✓"}\n\n'
    assert frame.count("\n") == 2


def test_encode_sse_handles_common_python_values() -> None:
    class Colour(enum.Enum):
        RED = "red"

    class Model(BaseModel):
        when: dt.datetime

    when = dt.datetime(2025, 11, 26, 9, 0, tzinfo=dt.UTC)
    part = ui.tool_output_available("c", {
        "at": when, "day": when.date(), "id": uuid.UUID(int=1), "price": Decimal("9.90"),
        "colour": Colour.RED, "tags": {"a"}, "model": Model(when=when),
    })
    output = json.loads(ui.encode_sse(part)[len("data: "):])["output"]
    assert output == {
        "at": "2025-11-26T09:00:00+00:00", "day": "2025-11-26",
        "id": "00000000-0000-0000-0000-000000000001", "price": "9.90", "colour": "red",
        "tags": ["a"], "model": {"when": "2025-11-26T09:00:00Z"},
    }


def test_encode_sse_refuses_what_the_client_cannot_parse() -> None:
    with pytest.raises(ValueError):
        ui.encode_sse(ui.tool_output_available("c", float("nan")))
    with pytest.raises(TypeError):
        ui.encode_sse(ui.tool_output_available("c", object()))
    with pytest.raises(TypeError):
        ui.encode_sse({"no": "type"})
    with pytest.raises(ValueError):
        ui.encode_sse("two\nlines")


def test_encode_sse_escapes_lone_surrogates() -> None:
    frame = ui.encode_sse(ui.text_delta("t", "bad \ud800 half"))
    frame.encode("utf-8")  # must not raise
    assert json.loads(frame[len("data: "):])["delta"] == "bad \ud800 half"


# -------------------------------------------------------------- the response


def _events(body: str) -> list[Any]:
    """Split an SSE body into data payloads, checking the framing on the way."""
    assert body.endswith("\n\n")
    payloads = []
    for event in body[:-2].split("\n\n"):
        if event.startswith(":"):
            continue  # comment (ping)
        assert event.startswith("data: ") and "\n" not in event, event
        data = event[len("data: "):]
        payloads.append(data if data == ui.DONE else json.loads(data))
    return payloads


async def _post(stream_factory: Any, **kwargs: Any) -> httpx.Response:
    app = FastAPI()
    app.add_middleware(WatchPings)

    @app.post("/chat")
    async def chat() -> Any:
        return await ui.ui_stream_response(stream_factory(), **kwargs)

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.post("/chat")


async def test_response_streams_parts_and_ends_with_done() -> None:
    async def parts() -> AsyncIterator[dict]:
        yield ui.start("m1")
        for part in ui.text("t", "hello"):
            yield part
        yield ui.finish()

    response = await _post(parts)
    assert response.status_code == 200
    for name, value in ui.UI_STREAM_HEADERS.items():
        assert response.headers[name] == value
    assert _events(response.text) == [
        ui.start("m1"), *ui.text("t", "hello"), ui.finish(), ui.DONE,
    ]


async def test_exception_becomes_error_then_finish_then_done() -> None:
    closed = []

    async def parts() -> AsyncIterator[dict]:
        try:
            yield ui.start("m1")
            raise RuntimeError("secret connection string")
        finally:
            closed.append(True)

    events = _events((await _post(parts)).text)
    assert events == [ui.start("m1"), ui.error(ui.DEFAULT_ERROR_TEXT), ui.finish("error"), ui.DONE]
    assert "secret" not in json.dumps(events)  # internals stay in the log
    assert closed == [True]


async def test_on_error_chooses_the_text_and_a_broken_handler_is_survived() -> None:
    async def parts() -> AsyncIterator[dict]:
        yield ui.start()
        raise ValueError("no such playbook")

    events = _events((await _post(parts, on_error=lambda exc: f"Sorry: {exc}")).text)
    assert events[-3:] == [ui.error("Sorry: no such playbook"), ui.finish("error"), ui.DONE]

    def broken(exc: BaseException) -> str:
        raise KeyError("oops")

    events = _events((await _post(parts, on_error=broken)).text)
    assert events[-3:] == [ui.error(ui.DEFAULT_ERROR_TEXT), ui.finish("error"), ui.DONE]


async def test_error_after_finish_does_not_finish_twice() -> None:
    async def parts() -> AsyncIterator[dict]:
        yield ui.finish()
        raise RuntimeError("late")

    events = _events((await _post(parts)).text)
    assert [e if e == ui.DONE else e["type"] for e in events] == ["finish", "error", ui.DONE]


async def test_unencodable_part_becomes_an_error_part() -> None:
    async def parts() -> AsyncIterator[dict]:
        yield ui.start()
        yield ui.tool_output_available("c", {"x": object()})

    events = _events((await _post(parts)).text)
    assert events == [ui.start(), ui.error(ui.DEFAULT_ERROR_TEXT), ui.finish("error"), ui.DONE]


async def test_done_from_the_producer_is_not_doubled() -> None:
    async def parts() -> AsyncIterator[Any]:
        yield ui.start()
        yield ui.DONE

    assert _events((await _post(parts)).text) == [ui.start(), ui.DONE]


async def test_pings_are_sse_comments() -> None:
    async def parts() -> AsyncIterator[dict]:
        yield ui.start()
        await until_pinged()
        yield ui.finish()

    body = (await _post(parts, ping=0.05)).text
    assert "\n\n: ping" in body
    assert _events(body) == [ui.start(), ui.finish(), ui.DONE]
