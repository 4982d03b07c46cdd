"""What a chat turn acts for: the organisation, the user, the persona, the zone, the time and the engine."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from langgraph.prebuilt import ToolRuntime

from scheduler.runtime import Runtime


@dataclass(frozen=True)
class ChatContext:
    """The graph's run context (LangGraph `context_schema`); every tool query is scoped to `org_id`."""

    services: Runtime
    org_id: str
    user_id: str | None = None
    agent: str | None = None
    org_zone: str = "UTC"
    now: datetime | None = None


def chat_context(tool_runtime: ToolRuntime) -> ChatContext:
    """The ChatContext a tool was called with; a missing one is a wiring bug, not a model mistake."""
    ctx = tool_runtime.context
    if not isinstance(ctx, ChatContext):
        raise RuntimeError("tool called without a ChatContext (run the graph with context=ChatContext(...))")
    return ctx
