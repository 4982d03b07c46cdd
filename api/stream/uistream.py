"""Encoder for the AI SDK UI Message Stream protocol v1, the SSE stream `ai` v5's useChat reads.

Part shapes follow ``uiMessageChunkSchema`` in the ``ai`` package (5.x,
src/ui-message-stream/ui-message-chunks.ts); tests/contract reads our output
with that real client. Unknown fields are allowed by the client, a wrong
``type`` or a missing required field makes it drop the whole stream, so every
part is built here and nowhere else.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import logging
import secrets
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Callable
from decimal import Decimal
from typing import Any

from sse_starlette import EventSourceResponse

__all__ = [
    "DONE",
    "FINISH_REASONS",
    "UI_STREAM_HEADERS",
    "Part",
    "abort",
    "data",
    "encode_sse",
    "error",
    "finish",
    "finish_step",
    "message_metadata",
    "new_id",
    "reasoning_delta",
    "reasoning_end",
    "reasoning_start",
    "start",
    "start_step",
    "text",
    "text_delta",
    "text_end",
    "text_start",
    "tool_approval_request",
    "tool_input_available",
    "tool_input_delta",
    "tool_input_error",
    "tool_input_start",
    "tool_output_available",
    "tool_output_error",
    "ui_stream_response",
]

logger = logging.getLogger(__name__)

Part = dict[str, Any]

DONE = "[DONE]"
# The same headers the AI SDK's own createUIMessageStreamResponse sends.
UI_STREAM_HEADERS: dict[str, str] = {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    "connection": "keep-alive",
    "x-vercel-ai-ui-message-stream": "v1",
    "x-accel-buffering": "no",  # nginx would otherwise hold deltas back
}
# The client validates finishReason against this enum and rejects the stream otherwise.
FINISH_REASONS = frozenset(
    {"stop", "length", "content-filter", "tool-calls", "error", "other", "unknown"}
)
DEFAULT_ERROR_TEXT = "An error occurred."


def _part(type_: str, **fields: Any) -> Part:
    # Optional fields are left out rather than sent as null: the client's schema
    # has .optional() (undefined), and null fails it for strings and booleans.
    return {"type": type_, **{k: v for k, v in fields.items() if v is not None}}


def new_id(prefix: str = "") -> str:
    """Return a short random id for messages, text blocks and tool calls."""
    return prefix + secrets.token_urlsafe(12)


def start(message_id: str | None = None, metadata: Any = None) -> Part:
    """Open an assistant message."""
    return _part("start", messageId=message_id, messageMetadata=metadata)


def start_step() -> Part:
    """Open a step (one model call and the tool calls it made)."""
    return _part("start-step")


def finish_step() -> Part:
    """Close the current step."""
    return _part("finish-step")


def text_start(id: str) -> Part:  # noqa: A002 - the protocol's field name
    """Open a text block."""
    return _part("text-start", id=id)


def text_delta(id: str, delta: str) -> Part:  # noqa: A002
    """Append text to an open text block."""
    return _part("text-delta", id=id, delta=delta)


def text_end(id: str) -> Part:  # noqa: A002
    """Close a text block."""
    return _part("text-end", id=id)


def text(id: str, content: str) -> list[Part]:  # noqa: A002
    """Return a whole text block as start, one delta and end."""
    return [text_start(id), text_delta(id, content), text_end(id)]


def reasoning_start(id: str) -> Part:  # noqa: A002
    """Open a reasoning block."""
    return _part("reasoning-start", id=id)


def reasoning_delta(id: str, delta: str) -> Part:  # noqa: A002
    """Append to an open reasoning block."""
    return _part("reasoning-delta", id=id, delta=delta)


def reasoning_end(id: str) -> Part:  # noqa: A002
    """Close a reasoning block."""
    return _part("reasoning-end", id=id)


def tool_input_start(tool_call_id: str, tool_name: str, *, dynamic: bool | None = None) -> Part:
    """Announce a tool call whose input is about to stream."""
    return _part("tool-input-start", toolCallId=tool_call_id, toolName=tool_name, dynamic=dynamic)


def tool_input_delta(tool_call_id: str, input_text_delta: str) -> Part:
    """Stream a piece of a tool call's JSON input text."""
    return _part("tool-input-delta", toolCallId=tool_call_id, inputTextDelta=input_text_delta)


def tool_input_available(
    tool_call_id: str, tool_name: str, tool_input: Any, *, dynamic: bool | None = None
) -> Part:
    """Give a tool call's complete, parsed input."""
    return {
        **_part("tool-input-available", toolCallId=tool_call_id, toolName=tool_name),
        "input": tool_input,  # kept even when None: the field is required
        **({"dynamic": dynamic} if dynamic is not None else {}),
    }


def tool_input_error(tool_call_id: str, tool_name: str, tool_input: Any, error_text: str) -> Part:
    """Report a tool call whose input was invalid."""
    return {
        **_part("tool-input-error", toolCallId=tool_call_id, toolName=tool_name),
        "input": tool_input,
        "errorText": error_text,
    }


def tool_output_available(
    tool_call_id: str, output: Any, *, preliminary: bool | None = None
) -> Part:
    """Give a tool call's result."""
    return {
        **_part("tool-output-available", toolCallId=tool_call_id, preliminary=preliminary),
        "output": output,
    }


def tool_approval_request(approval_id: str, tool_call_id: str) -> Part:
    """Ask the user to approve a tool call (AI SDK 6 clients; the 5.x client rejects this part, so send it on request only)."""
    return _part("tool-approval-request", approvalId=approval_id, toolCallId=tool_call_id)


def tool_output_error(tool_call_id: str, error_text: str) -> Part:
    """Report that a tool call failed."""
    return _part("tool-output-error", toolCallId=tool_call_id, errorText=error_text)


def data(name: str, payload: Any, *, id: str | None = None, transient: bool | None = None) -> Part:  # noqa: A002
    """A ``data-<name>`` part; a later part with the same name and id replaces it in the UI."""
    if not name or not isinstance(name, str):
        raise ValueError("a data part needs a name, as in data-playbook")
    part: Part = {"type": f"data-{name}", "data": payload}
    if id is not None:
        part["id"] = id
    if transient is not None:
        part["transient"] = transient  # shown to onData only, not kept in the message
    return part


def message_metadata(metadata: Any) -> Part:
    """Attach metadata to the message being streamed."""
    return {"type": "message-metadata", "messageMetadata": metadata}


def finish(finish_reason: str | None = None, metadata: Any = None) -> Part:
    """Close the message."""
    if finish_reason is not None and finish_reason not in FINISH_REASONS:
        raise ValueError(f"unknown finish reason {finish_reason!r}; use one of {sorted(FINISH_REASONS)}")
    return _part("finish", finishReason=finish_reason, messageMetadata=metadata)


def abort() -> Part:
    """Tell the client the response was stopped on purpose."""
    return _part("abort")


def error(error_text: str) -> Part:
    """Report an error the UI should show; the stream may still finish normally."""
    return _part("error", errorText=str(error_text))


# ------------------------------------------------------------------- encoding


def _json_default(value: Any) -> Any:
    # Tool outputs carry datetimes, ids and models; encode them as pydantic's JSON mode would.
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (uuid.UUID, Decimal)):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (set, frozenset)):
        return list(value)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def encode_sse(part: Part | str) -> str:
    """Encode one part (or DONE) as an SSE event: ``data: <compact json>\\n\\n``."""
    if isinstance(part, str):
        if "\n" in part or "\r" in part:
            raise ValueError("a raw SSE payload must be a single line")
        return f"data: {part}\n\n"
    if not isinstance(part, dict) or not isinstance(part.get("type"), str):
        raise TypeError(f"a UI stream part is a dict with a 'type', not {part!r:.80}")
    # JSON escapes newlines, so one event is always one data: line. NaN is not
    # JSON and would make the client's JSON.parse fail, so it is refused here.
    options = dict(separators=(",", ":"), allow_nan=False, default=_json_default)
    payload = json.dumps(part, ensure_ascii=False, **options)
    if not payload.isascii():
        try:
            payload.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate survives only as a \\u escape
            payload = json.dumps(part, ensure_ascii=True, **options)
    return f"data: {payload}\n\n"


def _default_error_text(exc: BaseException) -> str:
    # Like the AI SDK's default onError: exception text can leak internals, so the
    # client gets a generic message and the log gets the traceback.
    return DEFAULT_ERROR_TEXT


async def _frames(
    parts: AsyncIterable[Part], on_error: Callable[[BaseException], str]
) -> AsyncIterator[bytes]:
    finished = False
    try:
        try:
            async for part in parts:
                if part == DONE:
                    continue  # we add our own, exactly once
                frame = encode_sse(part)
                finished = isinstance(part, dict) and part.get("type") == "finish"
                yield frame.encode("utf-8")
        finally:
            # Run the producer's cleanup now, on success, failure or client disconnect.
            aclose = getattr(parts, "aclose", None)
            if aclose is not None:
                await aclose()
    except Exception as exc:
        logger.exception("UI message stream failed")
        try:
            error_text = on_error(exc)
        except Exception:
            logger.exception("on_error handler failed")
            error_text = DEFAULT_ERROR_TEXT
        yield encode_sse(error(error_text)).encode("utf-8")
        if not finished:
            yield encode_sse(finish("error")).encode("utf-8")
    yield encode_sse(DONE).encode("utf-8")


async def ui_stream_response(
    parts: AsyncIterable[Part],
    *,
    on_error: Callable[[BaseException], str] | None = None,
    headers: dict[str, str] | None = None,
    ping: float = 15,
) -> EventSourceResponse:
    """Stream parts as a UI message stream response, always ending with [DONE]."""
    # sse-starlette passes bytes through untouched, so the framing is ours; its
    # pings are SSE comments (": ping ..."), which the client's parser skips, and
    # they keep proxies from closing the connection during a long tool call.
    return EventSourceResponse(
        _frames(parts, on_error or _default_error_text),
        headers={**UI_STREAM_HEADERS, **(headers or {})},
        ping=ping,
        sep="\n",
    )
