"""Turns a run of the chat graph into UI Message Stream parts (text, tool calls, data parts)."""
from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    ToolMessage,
)

from agents.graph import build_graph
from agents.models import model_factory
from api.stream import uistream as ui
from scheduler.auth.tokens import Principal
from scheduler.runtime import Runtime
from tools.context import ToolContext, context_config

# Tool results that carry an object the UI shows as its own part.
DATA_PARTS = {"create_playbook": "playbook", "update_playbook": "playbook", "set_playbook_status": "playbook", "run_playbook": "run"}


def to_langchain(messages: list[dict[str, Any]]) -> list[BaseMessage]:
    """UIMessages (or {role, content}) to LangChain messages; only user and assistant text is kept."""
    out: list[BaseMessage] = []
    for message in messages:
        texts = [p.get("text") or "" for p in message.get("parts") or [] if isinstance(p, dict) and p.get("type") == "text"]
        # Parts are separate pieces of text: joined with a space, never glued ("9am" + "email").
        text = " ".join(t.strip() for t in texts if t.strip()) or (message.get("content") or "")
        if not text.strip():
            continue
        if message.get("role") == "user":
            out.append(HumanMessage(text))
        elif message.get("role") == "assistant":
            out.append(AIMessage(text))
    return out


class _Turn:
    """State of one streamed answer: which step, which text block, which tool calls are open."""

    def __init__(self) -> None:
        self.step: Any = None
        self.text_id: str | None = None
        self.streamed_text = False
        self.calls: dict[int, str] = {}

    def close_text(self) -> list[ui.Part]:
        parts = [ui.text_end(self.text_id)] if self.text_id else []
        self.text_id = None
        return parts

    def new_step(self, step: Any) -> list[ui.Part]:
        if step == self.step:
            return []
        parts = self.close_text() + ([ui.finish_step()] if self.step is not None else []) + [ui.start_step()]
        self.step, self.streamed_text, self.calls = step, False, {}
        return parts

    def on_chunk(self, chunk: AIMessageChunk, meta: dict[str, Any]) -> list[ui.Part]:
        parts = self.new_step(meta.get("langgraph_step"))
        for tc in chunk.tool_call_chunks:
            index = tc.get("index") or 0
            if tc.get("id") and index not in self.calls:
                self.calls[index] = tc["id"]
                parts += self.close_text() + [ui.tool_input_start(tc["id"], tc.get("name") or "")]
            if tc.get("args") and index in self.calls:
                parts.append(ui.tool_input_delta(self.calls[index], tc["args"]))
        if isinstance(chunk.content, str) and chunk.content:
            if self.text_id is None:
                self.text_id = ui.new_id("txt")
                parts.append(ui.text_start(self.text_id))
            self.streamed_text = True
            parts.append(ui.text_delta(self.text_id, chunk.content))
        return parts

    def on_agent_message(self, message: AIMessage) -> list[ui.Part]:
        parts: list[ui.Part] = []
        if isinstance(message.content, str) and message.content and not self.streamed_text:
            # A model that does not stream still shows its whole text.
            parts += [*ui.text(ui.new_id("txt"), message.content)]
        for call in message.tool_calls:
            parts.append(ui.tool_input_available(call["id"], call["name"], call["args"]))
        return parts

    def on_tool_message(self, message: ToolMessage, tool_names: dict[str, str]) -> list[ui.Part]:
        parts = self.close_text()
        if message.status == "error":
            return parts + [ui.tool_output_error(message.tool_call_id, str(message.content))]
        try:
            output = json.loads(message.content) if isinstance(message.content, str) else message.content
        except json.JSONDecodeError:
            output = message.content
        parts.append(ui.tool_output_available(message.tool_call_id, output))
        kind = DATA_PARTS.get(tool_names.get(message.tool_call_id, ""))
        if kind and isinstance(message.artifact, dict):
            parts.append(ui.data(kind, message.artifact, id=message.artifact.get("id") or message.artifact.get("executionId")))
        return parts


async def chat_parts(runtime: Runtime, who: Principal, messages: list[dict[str, Any]], persona: str | None) -> AsyncIterator[ui.Part]:
    """The UI stream of one chat turn: the persona's text, its tool calls and their results."""
    history = to_langchain(messages)
    graph = build_graph(model_factory(runtime.settings))
    config = context_config(ToolContext(runtime, who.org_id, who.user_id, who.agent))
    state = {"messages": history, "persona": persona, "org_timezone": runtime.playbooks.org_timezone(who.org_id)}
    turn, tool_names = _Turn(), {}
    yield ui.start(ui.new_id("msg"))
    async for mode, payload in graph.astream(state, config, stream_mode=["messages", "updates"]):
        if mode == "messages":
            chunk, meta = payload
            if isinstance(chunk, AIMessageChunk) and meta.get("langgraph_node") == "agent":
                for part in turn.on_chunk(chunk, meta):
                    yield part
            continue
        for node, update in (payload or {}).items():
            for message in (update or {}).get("messages", []):
                if node == "agent" and isinstance(message, AIMessage):
                    tool_names.update({c["id"]: c["name"] for c in message.tool_calls})
                    for part in turn.on_agent_message(message):
                        yield part
                elif isinstance(message, ToolMessage):
                    for part in turn.on_tool_message(message, tool_names):
                        yield part
    for part in turn.close_text():
        yield part
    yield ui.finish_step()
    yield ui.finish("stop")
