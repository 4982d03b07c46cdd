"""A deterministic chat model for running without Claude: plans with code, talks in templates."""
from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator, Sequence
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

from agents.planner import plan
from agents.models.replies import reply_to_tool

ZONE_LINE = re.compile(r"^Organisation time zone: (\S+)$", re.MULTILINE)
STATUS_FOR_INTENT = {"pause_playbook": "paused", "resume_playbook": "active"}


class OfflineChatModel(BaseChatModel):
    """Understands the common requests through the planner; asks a question otherwise."""

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
        return ChatResult(generations=[ChatGeneration(message=self._respond(messages, _tool_names(kwargs)))])

    def _stream(
        self, messages: list[BaseMessage], stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        message = self._respond(messages, _tool_names(kwargs))
        for call in message.tool_calls:
            args = json.dumps(call["args"])
            for i in range(0, len(args), 48):
                chunk = AIMessageChunk(content="", tool_call_chunks=[
                    {"name": call["name"] if i == 0 else None, "args": args[i:i + 48],
                     "id": call["id"] if i == 0 else None, "index": 0, "type": "tool_call_chunk"}])
                yield self._emit(chunk, run_manager)
        for piece in re.findall(r"\S+\s*|\s+", message.content if isinstance(message.content, str) else ""):
            yield self._emit(AIMessageChunk(content=piece), run_manager)

    @staticmethod
    def _emit(chunk: AIMessageChunk, run_manager: CallbackManagerForLLMRun | None) -> ChatGenerationChunk:
        out = ChatGenerationChunk(message=chunk)
        if run_manager is not None:
            run_manager.on_llm_new_token(chunk.content if isinstance(chunk.content, str) else "", chunk=out)
        return out

    def _respond(self, messages: list[BaseMessage], tools: set[str]) -> AIMessage:
        last = messages[-1] if messages else None
        if isinstance(last, ToolMessage):
            return AIMessage(content=reply_to_tool(_tool_name(messages, last), last))
        if not isinstance(last, HumanMessage):
            return AIMessage(content="What would you like me to set up?")
        decided = _plan_in_context(messages, _text(last), _zone(messages))
        call = _tool_call(decided, tools)
        if call is None:
            return AIMessage(content=decided.get("message") or "Could you say a bit more about what you'd like me to do?")
        name, args = call
        return AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": f"call_{uuid.uuid4().hex[:12]}", "type": "tool_call"}])


PRONOUNS = {"it", "that", "this", "one", "that one", "this one", "them"}
QUOTED = re.compile(r"“([^”]+)”")


def _plan_in_context(messages: list[BaseMessage], text: str, zone: str) -> dict[str, Any]:
    """Plan the latest words, reading them with the conversation: answers to a question, and 'it'."""
    decided = plan(text, zone)
    earlier = _asked_about(messages)
    if decided.get("intent") == "clarify" and earlier:
        # The user answered our question: the request is their earlier words plus this answer.
        combined = plan(f"{earlier}. {text}", zone)
        if combined.get("intent") != "clarify":
            return combined
    if (decided.get("target") or "").lower() in PRONOUNS:
        named = _last_named_playbook(messages)
        if named:
            decided = {**decided, "target": named}
    return decided


def _asked_about(messages: list[BaseMessage]) -> str | None:
    """The user's request just before our last answer, if that answer was a question and nothing was done."""
    before = messages[:-1]
    if len(before) < 2 or not isinstance(before[-1], AIMessage) or before[-1].tool_calls:
        return None
    if "?" not in _text(before[-1]) or not isinstance(before[-2], HumanMessage):
        return None
    return _text(before[-2])


def _last_named_playbook(messages: list[BaseMessage]) -> str | None:
    """The playbook our latest answer named (confirmations quote names: “Daily Sales Report”)."""
    for message in reversed(messages[:-1]):
        if isinstance(message, AIMessage):
            found = QUOTED.findall(_text(message))
            if found:
                return found[0]
    return None


def _tool_call(decided: dict[str, Any], tools: set[str]) -> tuple[str, dict[str, Any]] | None:
    intent, target = decided.get("intent"), decided.get("target") or ""
    if intent == "create_playbook" and decided.get("playbook"):
        call = ("create_playbook", {"playbook": decided["playbook"]})
    elif intent == "list_playbooks":
        call = ("list_playbooks", {})
    elif intent == "run_playbook":
        call = ("run_playbook", {"name": target})
    elif intent in STATUS_FOR_INTENT:
        call = ("set_playbook_status", {"name": target, "status": STATUS_FOR_INTENT[intent]})
    elif intent == "delete_playbook":
        call = ("delete_playbook", {"name": target})
    elif intent == "update_playbook" and decided.get("changes"):
        changes = dict(decided["changes"])
        if "time" in changes:
            # A new time keeps the playbook's own days; the planner cannot know them.
            changes.pop("triggers", None)
        call = ("update_playbook", {"name": target, "changes": changes})
    else:
        return None
    return call if call[0] in tools else None


def _tool_names(kwargs: dict[str, Any]) -> set[str]:
    return {t["function"]["name"] for t in kwargs.get("tools") or []}


def _tool_name(messages: list[BaseMessage], result: ToolMessage) -> str:
    for message in reversed(messages):
        if isinstance(message, AIMessage):
            for call in message.tool_calls:
                if call["id"] == result.tool_call_id:
                    return call["name"]
    return result.name or ""


def _text(message: BaseMessage) -> str:
    if isinstance(message.content, str):
        return message.content
    return " ".join(p.get("text", "") for p in message.content if isinstance(p, dict))


def _zone(messages: list[BaseMessage]) -> str:
    for message in messages:
        if isinstance(message, SystemMessage):
            found = ZONE_LINE.search(_text(message))
            if found:
                return found.group(1)
    return "UTC"
