"""Hand-offs between personas: one `transfer_to_<persona>` tool per persona, all made by one factory.

A transfer answers its call with a `data-delegation` artifact and moves the
conversation to the other persona (a state update, by name: personas never
import each other). Within one turn at most MAX_HANDOFFS transfers happen; past
that the tools are no longer offered, and a call anyway is refused as a tool error.
"""
from __future__ import annotations

from typing import Any, ClassVar, Literal

from langchain_core.messages import ToolMessage
from langchain_core.tools import BaseTool, ToolException, tool
from langgraph.prebuilt import ToolRuntime
from langgraph.types import Command

from scheduler.catalog import PERSONAS, Persona
from tools.artifacts import Artifact
from tools.context import ChatContext

MAX_HANDOFFS = 2  # A -> B -> C in one turn; a chain longer than that is a loop, not a plan
PREFIX = "transfer_to_"


class DelegationArtifact(Artifact):
    """One persona handing the conversation to another, shown as a `data-delegation` part."""

    ui_part: ClassVar[str | None] = "delegation"
    kind: Literal["delegation"] = "delegation"
    from_agent: str
    to_agent: str
    to_name: str
    reason: str
    depth: int

    def ui_data(self) -> tuple[Any, str | None]:
        """The delegation itself; each is its own part (no id: a later one never replaces it)."""
        return self.output(), None


def transfer_tool(target: Persona) -> BaseTool:
    """The tool that hands the conversation to `target`."""

    description = (f"Hand this conversation to {target.name}, who owns {target.owns}. Use it when the user's request is "
                   f"{target.name}'s work, not yours; say why in `reason`. {target.name} answers next.")

    @tool(f"{PREFIX}{target.id}", description=description)
    def transfer(reason: str, tool_runtime: ToolRuntime[ChatContext]) -> Command:
        state = tool_runtime.state if isinstance(tool_runtime.state, dict) else {}
        source = state.get("persona") or ""
        depth = int(state.get("handoffs") or 0)
        if source == target.id:
            raise ToolException(f"you are {target.name} already; answer the user yourself")
        if depth >= MAX_HANDOFFS:
            raise ToolException(f"this request was handed on {depth} times already; answer it yourself")
        artifact = DelegationArtifact(from_agent=source, to_agent=target.id, to_name=target.name,
                                      reason=reason.strip() or f"this is {target.name}'s work", depth=depth + 1)
        message = ToolMessage(artifact.content(), tool_call_id=tool_runtime.tool_call_id, name=f"{PREFIX}{target.id}",
                              artifact=artifact)
        return Command(update={"persona": target.id, "handoffs": depth + 1, "messages": [message]})

    transfer.handle_tool_error = True
    return transfer


def handoff_tools() -> dict[str, BaseTool]:
    """Every persona's transfer tool, by persona id."""
    return {p.id: transfer_tool(p) for p in PERSONAS.values()}


def is_handoff(tool_name: str | None) -> bool:
    """True for a transfer tool's name."""
    return bool(tool_name) and str(tool_name).startswith(PREFIX)
