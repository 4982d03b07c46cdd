"""The heartbeat tool: "anything I should know?" answered from the organisation's latest heartbeat checks."""
from __future__ import annotations

from typing import Any

from langchain_core.tools import BaseTool, tool
from langgraph.prebuilt import ToolRuntime

from scheduler.store.tables import iso_utc
from tools.artifacts import HeartbeatArtifact, answer
from tools.context import ChatContext, chat_context

ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3, None: 4}


@tool(response_format="content_and_artifact")
def heartbeat(tool_runtime: ToolRuntime[ChatContext]) -> tuple[str, Any]:
    """What needs attention now: critical competitive threats, stock-outs, failing playbooks (the latest heartbeat)."""
    ctx = chat_context(tool_runtime)
    service = ctx.services.heartbeat
    latest = service.latest(ctx.org_id)
    if latest is None:  # never beaten yet: check now rather than say nothing
        service.beat(ctx.org_id)
        latest = service.latest(ctx.org_id)
    assert latest is not None
    checked_at, checks = latest
    rows = sorted(({"name": c.name, "status": c.status, "message": c.message, "priority": c.priority} for c in checks),
                  key=lambda c: (c["status"] != "alert", ORDER.get(c["priority"], 4)))
    return answer(HeartbeatArtifact(checked_at=iso_utc(checked_at) or "", checks=rows))


def heartbeat_tools() -> list[BaseTool]:
    """The heartbeat tool, with errors returned as tool messages."""
    heartbeat.handle_tool_error = True
    return [heartbeat]
