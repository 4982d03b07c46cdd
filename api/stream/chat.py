"""Turns a run of the chat graph into UI Message Stream parts (text, tool calls, data parts)."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage

from agents.graph import MODEL_ERROR
from agents.threads import thread_id
from api.stream import uistream as ui
from api.stream.history import approval_answer, approval_id, to_langchain, uses_approvals
from scheduler.auth.tokens import Principal
from scheduler.runtime import Runtime
from tools.artifacts import Artifact, ConfirmArtifact
from tools.context import ChatContext

__all__ = ["chat_context_for", "chat_parts", "to_langchain"]


def chat_context_for(runtime: Runtime, who: Principal) -> ChatContext:
    """The context of one chat turn: who asks, for which organisation, in its zone, now."""
    return ChatContext(
        services=runtime, org_id=who.org_id, user_id=who.user_id, agent=who.agent,
        org_zone=runtime.playbooks.org_timezone(who.org_id), now=runtime.clock.now(),
    )


def text_of(content: Any) -> str:
    """The text of a message or chunk: a string, or the text blocks of a content list (Claude's shape with tools)."""
    if isinstance(content, str):
        return content
    blocks = content if isinstance(content, list) else []
    return "".join(b.get("text") or "" for b in blocks if isinstance(b, dict) and b.get("type") in ("text", "text_delta"))


class _Turn:
    """State of one streamed answer: which step, which text block, which tool calls are open."""

    def __init__(self, approvals: bool = False) -> None:
        self.approvals = approvals  # the client reads tool-approval-request parts (AI SDK 6)
        self.step: Any = None
        self.text_id: str | None = None
        self.streamed_text = False
        self.calls: dict[int, str] = {}
        self.failed = False

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
                parts += [*self.close_text(), ui.tool_input_start(tc["id"], tc.get("name") or "")]
            if tc.get("args") and index in self.calls:
                parts.append(ui.tool_input_delta(self.calls[index], tc["args"]))
        text = text_of(chunk.content)
        if text:
            if self.text_id is None:
                self.text_id = ui.new_id("txt")
                parts.append(ui.text_start(self.text_id))
            self.streamed_text = True
            parts.append(ui.text_delta(self.text_id, text))
        return parts

    def on_agent_message(self, message: AIMessage) -> list[ui.Part]:
        # The message is complete: its last text block (say, words after its tool calls) ends here.
        parts = self.close_text()
        text = text_of(message.content)
        if message.response_metadata.get(MODEL_ERROR):
            # The model failed: its words (if any came) are cut off; the explanation always shows, as its own block.
            self.failed = True
            return [*parts, *ui.text(ui.new_id("txt"), text)]
        if text and not self.streamed_text:
            # A model that does not stream still shows its whole text.
            parts += [*ui.text(ui.new_id("txt"), text)]
        for call in message.tool_calls:
            parts.append(ui.tool_input_available(call["id"], call["name"], call["args"]))
        return parts

    def on_tool_message(self, message: ToolMessage) -> list[ui.Part]:
        parts = self.close_text()
        if message.status == "error":
            return [*parts, ui.tool_output_error(message.tool_call_id, str(message.content))]
        artifact = message.artifact if isinstance(message.artifact, Artifact) else None
        if self.approvals and isinstance(artifact, ConfirmArtifact):
            # A held change: the client asks for approval on the tool part itself; the data part keeps the change.
            parts.append(ui.tool_approval_request(approval_id(message.tool_call_id), message.tool_call_id))
            payload, part_id = artifact.ui_data()
            return [*parts, ui.data(artifact.ui_part or "confirm", payload, id=part_id)]
        # The output is the artifact's own data, not its JSON text read back; other tools' content goes as is.
        parts.append(ui.tool_output_available(message.tool_call_id, artifact.output() if artifact else message.content))
        if artifact is not None and artifact.ui_part:
            payload, part_id = artifact.ui_data()
            parts.append(ui.data(artifact.ui_part, payload, id=part_id))
        return parts


def newest(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The client's messages after its last assistant message: what is new to a thread that keeps the rest."""
    start = len(messages)
    while start > 0 and messages[start - 1].get("role") != "assistant":
        start -= 1
    return messages[start:]


async def turn_input(
    graph: Any, who: Principal, messages: list[dict[str, Any]], persona: str | None, chat_id: str | None,
) -> tuple[Any, dict[str, Any]]:
    """The graph (bound to the thread) and input of a turn: on a stored thread only the new messages go in."""
    whole = {"messages": to_langchain(messages), "requested": persona}
    if getattr(graph, "checkpointer", None) is None:
        return graph, whole
    if chat_id is None:
        # A body without an id names no thread: the turn runs on what it was sent and is kept nowhere.
        return graph.copy({"checkpointer": None}), whole
    threaded = graph.with_config(configurable={"thread_id": thread_id(who, chat_id)})
    stored = await threaded.aget_state(threaded.config)
    if not (stored and stored.values.get("messages")):
        return threaded, whole
    fresh = to_langchain(newest(messages))
    last = messages[-1] if messages else {}
    if last.get("role") == "assistant":  # the thread holds the held change; what is new is the user's answer to it
        answers = [a for a in (approval_answer(p) for p in last.get("parts") or [] if isinstance(p, dict)) if a]
        fresh += [HumanMessage(answers[-1])] if answers else []
    return threaded, {"messages": fresh, "requested": persona}


async def chat_parts(
    graph: Any, runtime: Runtime, who: Principal, messages: list[dict[str, Any]], persona: str | None,
    chat_id: str | None = None,
    approvals: bool = False,
) -> AsyncIterator[ui.Part]:
    """The UI stream of one chat turn through the process's graph: text, tool calls and their results.

    `approvals`: the client reads `tool-approval-request` parts (AI SDK 6); also assumed when its history has them.
    """
    graph, state = await turn_input(graph, who, messages, persona, chat_id)
    turn = _Turn(approvals or uses_approvals(messages))
    yield ui.start(ui.new_id("msg"))
    # The context reads the organisation's zone from the store: off the event loop.
    context = await asyncio.to_thread(chat_context_for, runtime, who)
    stream = graph.astream(state, context=context, stream_mode=["messages", "updates", "custom"])
    answering = persona
    async for mode, payload in stream:
        if mode == "custom":
            # A tool's progress while it works (a run's steps as they finish): a data part, replaced by id.
            if isinstance(payload, dict) and payload.get("part"):
                for part in [*turn.close_text(), ui.data(payload["part"], payload.get("data"), id=payload.get("id"))]:
                    yield part
            continue
        if mode == "messages":
            chunk, meta = payload
            if isinstance(chunk, AIMessageChunk) and meta.get("langgraph_node") == "agent":
                for part in turn.on_chunk(chunk, meta):
                    yield part
            continue
        for node, update in (payload or {}).items():
            if isinstance(update, dict) and update.get("persona"):
                answering = update["persona"]  # the router's pick, or the persona a hand-off went to
            for message in (update or {}).get("messages", []):
                if node == "agent" and isinstance(message, AIMessage):
                    for part in turn.on_agent_message(message):
                        yield part
                elif isinstance(message, ToolMessage):
                    for part in turn.on_tool_message(message):
                        yield part
    for part in turn.close_text():
        yield part
    yield ui.finish_step()
    # Who answered, whatever model ran it: the finish part's message metadata (the page names it).
    yield ui.finish("error" if turn.failed else "stop", metadata={"persona": answering} if answering else None)
