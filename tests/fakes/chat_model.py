"""A scripted chat model: replays turns written in the test, streamed in chunks as a real model streams.

Each call to the model answers with the next scripted turn. A turn is a list of
segments, text and tool calls in the order the model "says" them, so one turn
can hold several tool calls and text before, between and after them. Streaming
splits text into words and each call's JSON arguments into small pieces, one
tool-call index per call (as Anthropic and OpenAI stream them). With
`disable_streaming=True` the whole message arrives at once instead.
Every call's messages are kept in `seen`, so tests can read what the graph sent.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import PrivateAttr


@dataclass(frozen=True)
class ToolUse:
    """A tool call in a scripted turn."""

    name: str
    args: dict[str, Any] = field(default_factory=dict)
    id: str = ""


def call(tool: str, call_id: str, /, **args: Any) -> ToolUse:
    """A scripted tool call with a fixed id (tests look parts up by it)."""
    return ToolUse(tool, args, call_id)


Turn = Sequence[str | ToolUse]


class ScriptedChatModel(BaseChatModel):
    """Answers each call with the next scripted turn; fails loudly when the script runs out."""

    script: list[list[str | ToolUse]]
    args_piece: int = 9
    _next: int = PrivateAttr(default=0)
    _seen: list[list[BaseMessage]] = PrivateAttr(default_factory=list)
    _tools: list[list[str]] = PrivateAttr(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "scripted-fake"

    @property
    def seen(self) -> list[list[BaseMessage]]:
        """The messages of every call so far."""
        return self._seen

    @property
    def tools_bound(self) -> list[list[str]]:
        """The tool names bound on every call so far."""
        return self._tools

    @property
    def finished(self) -> bool:
        """Whether every scripted turn was used."""
        return self._next == len(self.script)

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools as chat models do: their schemas travel as the `tools` kwarg."""
        return self.bind(tools=[convert_to_openai_tool(t) for t in tools], **kwargs)

    def _take(self, messages: list[BaseMessage], kwargs: dict[str, Any]) -> list[str | ToolUse]:
        if self._next >= len(self.script):
            raise AssertionError(f"the script has {len(self.script)} turns; call {self._next + 1} was not scripted")
        self._seen.append(list(messages))
        self._tools.append([t["function"]["name"] for t in kwargs.get("tools") or []])
        self._next += 1
        return list(self.script[self._next - 1])

    def _generate(
        self, messages: list[BaseMessage], stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any,
    ) -> ChatResult:
        turn = self._take(messages, kwargs)
        text = "".join(s for s in turn if isinstance(s, str))
        calls = [{"name": s.name, "args": s.args, "id": s.id, "type": "tool_call"} for s in turn if isinstance(s, ToolUse)]
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text, tool_calls=calls))])

    def _stream(
        self, messages: list[BaseMessage], stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        index = 0
        for segment in self._take(messages, kwargs):
            if isinstance(segment, str):
                for word in re.findall(r"\S+\s*|\s+", segment):
                    yield _emit(AIMessageChunk(content=word), run_manager)
                continue
            args = json.dumps(segment.args)
            for start in range(0, max(len(args), 1), self.args_piece):
                first = start == 0
                chunk = AIMessageChunk(content="", tool_call_chunks=[{
                    "name": segment.name if first else None, "id": segment.id if first else None,
                    "args": args[start:start + self.args_piece], "index": index, "type": "tool_call_chunk",
                }])
                yield _emit(chunk, run_manager)
            index += 1


def _emit(chunk: AIMessageChunk, run_manager: CallbackManagerForLLMRun | None) -> ChatGenerationChunk:
    out = ChatGenerationChunk(message=chunk)
    if run_manager is not None:
        run_manager.on_llm_new_token(chunk.content if isinstance(chunk.content, str) else "", chunk=out)
    return out
