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
    SystemMessage,
    ToolMessage,
)
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.utils.function_calling import convert_to_openai_tool

from agents.conversation import Call, Event, ToolAnswered, UserSaid, WeSaid, next_move
from agents.handoffs import PREFIX, is_handoff
from agents.router import latest_user_text, owner_of, speaks_of
from scheduler.catalog import PERSONAS
from tools.artifacts import Artifact, artifact_from_output

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
        return ChatResult(generations=[ChatGeneration(message=self._answer(messages, kwargs))])

    def _stream(
        self, messages: list[BaseMessage], stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        message = self._answer(messages, kwargs)
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

    def _answer(self, messages: list[BaseMessage], kwargs: dict[str, Any]) -> AIMessage:
        """A hand-off when the request is clearly a colleague's, else the conversation's own move."""
        colleague = self._colleague_for(messages, {t["function"]["name"] for t in kwargs.get("tools") or []})
        if colleague is None:
            return self._respond(messages, kwargs)
        reason = f"this is {PERSONAS[colleague].name}'s work ({PERSONAS[colleague].owns})"
        call = {"name": f"{PREFIX}{colleague}", "args": {"reason": reason}, "id": f"call_{uuid.uuid4().hex[:12]}", "type": "tool_call"}
        return AIMessage(content="", tool_calls=[call])

    def _colleague_for(self, messages: list[BaseMessage], tools: set[str]) -> str | None:
        """The colleague a fresh request is clearly for: it uses their words and none of ours, and we may hand over."""
        last = next((m for m in reversed(messages) if not isinstance(m, SystemMessage)), None)
        if self.persona is None or not isinstance(last, HumanMessage):
            return None  # mid-turn (a tool answered, or we were just handed the request): do the work
        text = latest_user_text(messages)
        owner = owner_of(text)
        if owner is None or owner == self.persona or speaks_of(self.persona, text) or f"{PREFIX}{owner}" not in tools:
            return None
        return owner


def history(messages: Sequence[BaseMessage]) -> list[Event]:
    """LangChain messages as the conversation's structured history (system prompts left out)."""
    events: list[Event] = []
    for message in messages:
        if isinstance(message, HumanMessage):
            events.append(UserSaid(_text(message)))
        elif isinstance(message, ToolMessage):
            if is_handoff(message.name):
                continue  # a hand-off is between personas; the conversation goes on as if asked here
            artifact = _artifact(message.artifact)
            error = _text(message) if message.status == "error" else None
            events.append(ToolAnswered(message.name or "", artifact, error))
        elif isinstance(message, AIMessage):
            shown = tuple(a for a in map(_artifact, message.additional_kwargs.get(SHOWN_KEY, ())) if a is not None)
            if _text(message) or shown:
                events.append(WeSaid(_text(message), shown))
    return events


def _artifact(value: Any) -> Artifact | None:
    # A thread read back from the checkpointer holds artifacts as plain data: typed again here.
    return value if isinstance(value, Artifact) else artifact_from_output(value)


def _emit(chunk: AIMessageChunk, run_manager: CallbackManagerForLLMRun | None) -> ChatGenerationChunk:
    out = ChatGenerationChunk(message=chunk)
    if run_manager is not None:
        run_manager.on_llm_new_token(chunk.content if isinstance(chunk.content, str) else "", chunk=out)
    return out


def _text(message: BaseMessage) -> str:
    if isinstance(message.content, str):
        return message.content
    return " ".join(p.get("text", "") for p in message.content if isinstance(p, dict))
