"""POST /api/chat: one chat turn, streamed as the AI SDK UI Message Stream v1."""
from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api import uistream
from api.chat_stream import chat_parts
from api.deps import CurrentPrincipal, RuntimeDep

router = APIRouter(prefix="/api", tags=["chat"])


class ChatRequest(BaseModel):
    id: str | None = None
    messages: list[dict[str, Any]] = Field(min_length=1)
    agent: Literal["craig", "ezal", "money_mike", "pops"] | None = None


@router.post("/chat")
async def chat(body: ChatRequest, runtime: RuntimeDep, who: CurrentPrincipal) -> Any:
    """Stream a persona's answer: text, tool calls and results, data-playbook parts."""
    return await uistream.ui_stream_response(chat_parts(runtime, who, body.messages, body.agent or who.agent))
