"""What a tool call acts for: the engine, the organisation and the user (from the run's config)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from langchain_core.runnables import RunnableConfig

from scheduler.runtime import Runtime

CONFIG_KEY = "playbooks"


@dataclass(frozen=True)
class ToolContext:
    """The caller a tool works for; every query is scoped to `org_id`."""

    runtime: Runtime
    org_id: str
    user_id: str | None = None
    agent: str | None = None


def context_config(ctx: ToolContext, **extra: Any) -> RunnableConfig:
    """The run config that carries a ToolContext to the tools."""
    return {"configurable": {CONFIG_KEY: ctx, **extra}}


def tool_context(config: RunnableConfig) -> ToolContext:
    """The ToolContext of a run; a missing one is a wiring bug, not a model mistake."""
    ctx = (config.get("configurable") or {}).get(CONFIG_KEY)
    if not isinstance(ctx, ToolContext):
        raise RuntimeError("tool called without a ToolContext in its config")
    return ctx
