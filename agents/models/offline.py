"""A deterministic chat model for running without Claude: a thin adapter over agents.conversation.

Messages become structured history (words, and tools' typed artifacts), the pure
`next_move` decides, and its answer becomes an AIMessage, streamed in chunks as
a real model streams. The organisation's zone comes with the model (the model
factory makes one per turn from the chat context), never from the prompt text.
"""
from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    ToolMessage,
)
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.utils.function_calling import convert_to_openai_tool

from agents.conversation import Call, Event, ToolAnswered, UserSaid, WeSaid, next_move
from tools.artifacts import Artifact

# Where api.stream.chat keeps artifacts a client showed as data parts of an assistant message.
SHOWN_KEY = "shown_artifacts"


class OfflineChatModel(BaseChatModel):
    """Understands the common requests through the planner; asks a question otherwise."""

    zone: str = "UTC"
    # Who answers (replies are signed by it) and the turn's time ("pause it until Monday"), from the chat context.
    persona: str | None = None
    now: datetime | None = None

    @property
    def _llm_type(self) -> str:
        return "playbooks-offline"

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools the way chat models do: their schemas travel as the `tools` kwarg."""
        return self.bind(tools=[convert_to_openai_tool(t) for t in tools], **kwargs)

    def _generate(
        self, messages: list[BaseMessage], stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any,
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=self._respond(messages, kwargs))])

    def _stream(
        self, messages: list[BaseMessage], stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        message = self._respond(messages, kwargs)
        for call in message.tool_calls:
            args = json.dumps(call["args"])
            for i in range(0, len(args), 48):
                chunk = AIMessageChunk(content="", tool_call_chunks=[
                    {"name": call["name"] if i == 0 else None, "args": args[i:i + 48],
                     "id": call["id"] if i == 0 else None, "index": 0, "type": "tool_call_chunk"}])
                yield _emit(chunk, run_manager)
        for piece in re.findall(r"\S+\s*|\s+", message.content if isinstance(message.content, str) else ""):
            yield _emit(AIMessageChunk(content=piece), run_manager)

    def _respond(self, messages: list[BaseMessage], kwargs: dict[str, Any]) -> AIMessage:
        tools = {t["function"]["name"] for t in kwargs.get("tools") or []}
        move = next_move(history(messages), self.zone, tools, self.persona, self.now)
        if isinstance(move, Call):
            call_id = f"call_{uuid.uuid4().hex[:12]}"
            return AIMessage(content="", tool_calls=[{"name": move.tool, "args": move.args, "id": call_id, "type": "tool_call"}])
        return AIMessage(content=move.text)


def history(messages: Sequence[BaseMessage]) -> list[Event]:
    """LangChain messages as the conversation's structured history (system prompts left out)."""
    events: list[Event] = []
    for message in messages:
        if isinstance(message, HumanMessage):
            events.append(UserSaid(_text(message)))
        elif isinstance(message, ToolMessage):
            artifact = message.artifact if isinstance(message.artifact, Artifact) else None
            error = _text(message) if message.status == "error" else None
            events.append(ToolAnswered(message.name or "", artifact, error))
        elif isinstance(message, AIMessage):
            shown = tuple(a for a in message.additional_kwargs.get(SHOWN_KEY, ()) if isinstance(a, Artifact))
            if _text(message) or shown:
                events.append(WeSaid(_text(message), shown))
    return events


def _emit(chunk: AIMessageChunk, run_manager: CallbackManagerForLLMRun | None) -> ChatGenerationChunk:
    out = ChatGenerationChunk(message=chunk)
    if run_manager is not None:
        run_manager.on_llm_new_token(chunk.content if isinstance(chunk.content, str) else "", chunk=out)
    return out


def _text(message: BaseMessage) -> str:
    if isinstance(message.content, str):
        return message.content
    return " ".join(p.get("text", "") for p in message.content if isinstance(p, dict))
