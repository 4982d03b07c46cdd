"""POST /api/chat: one chat turn, streamed as the AI SDK UI Message Stream v1."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.deps import CurrentPrincipal, RuntimeDep, rate_limited
from api.stream import uistream
from api.stream.chat import chat_parts
from scheduler.catalog import PersonaId

router = APIRouter(prefix="/api", tags=["chat"])


def get_chat_graph(request: Request) -> Any:
    """The chat graph, built once when the app was made."""
    return request.app.state.chat_graph


ChatGraphDep = Annotated[Any, Depends(get_chat_graph)]


class UIPart(BaseModel):
    """A part of a UIMessage: text, tool parts and data parts are read back into the history."""

    model_config = ConfigDict(extra="allow")
    type: str = Field(max_length=100)
    text: str | None = Field(None, max_length=50_000)


class UIMessage(BaseModel):
    """One message of the thread, as the AI SDK sends it (parts), or the older {role, content}."""

    model_config = ConfigDict(extra="allow")
    id: str | None = Field(None, max_length=200)
    role: Literal["user", "assistant", "system"]
    parts: list[UIPart] = Field(default_factory=list, max_length=200)
    content: str | None = Field(None, max_length=50_000)  # the older {role, content} shape


class ChatRequest(BaseModel):
    """One chat turn: the thread so far (UIMessages), its last message the user's; optionally the persona to ask."""

    model_config = ConfigDict(populate_by_name=True, json_schema_extra={"examples": [{"id": "thread_1", "messages": [
        {"id": "m1", "role": "user", "parts": [{"type": "text", "text": "Every day at 9am email me a sales report"}]}]}]})

    # The thread: with the same id a conversation goes on, even when only the newest message is sent.
    id: str | None = Field(None, min_length=1, max_length=200)
    messages: list[UIMessage] = Field(min_length=1, max_length=200)
    agent: PersonaId | None = None
    # The client reads `tool-approval-request` parts (AI SDK 6); held changes are then approved on the tool part.
    tool_approvals: bool = Field(default=False, alias="toolApprovals")

    @model_validator(mode="after")
    def _ends_with_the_user(self) -> ChatRequest:
        last = self.messages[-1]
        answered = last.role == "assistant" and any(
            isinstance(getattr(p, "approval", None), dict) and p.approval.get("approved") is not None for p in last.parts)
        if not answered and (last.role != "user" or not (
                (last.content or "").strip() or any((p.text or "").strip() for p in last.parts))):
            raise ValueError("the last message must be the user's, with some text (or an answered tool approval)")
        return self


STREAM_EXAMPLE = (
    'data: {"type":"start","messageId":"msg_1"}\n\n'
    'data: {"type":"text-start","id":"txt_1"}\n\n'
    'data: {"type":"text-delta","id":"txt_1","delta":"Done! Every day at 9:00 AM Eastern I will email you a sales report."}\n\n'
    'data: {"type":"text-end","id":"txt_1"}\n\n'
    'data: {"type":"finish"}\n\n'
    "data: [DONE]\n\n"
)
# One server-sent event: `data` holds one UI stream part as JSON (or `[DONE]`).
SSE_EVENT = {"type": "object", "properties": {"data": {"type": "string"}, "event": {"type": "string"}, "id": {"type": "string"}}}
STREAM_RESPONSE = {200: {"description": "The AI SDK UI Message Stream v1 over SSE (header `x-vercel-ai-ui-message-stream: v1`)",
                         "content": {"text/event-stream": {"schema": SSE_EVENT, "example": STREAM_EXAMPLE}}}}


@router.post("/chat", response_class=StreamingResponse, responses=STREAM_RESPONSE,  # type: ignore[arg-type]
             dependencies=[rate_limited("chat")])
async def chat(body: ChatRequest, graph: ChatGraphDep, runtime: RuntimeDep, who: CurrentPrincipal) -> Any:
    """Stream a persona's answer: text, tool calls and results, data-playbook parts."""
    messages = [m.model_dump(exclude_none=True) for m in body.messages]
    return await uistream.ui_stream_response(
        chat_parts(graph, runtime, who, messages, body.agent or who.agent, body.id, approvals=body.tool_approvals))
