"""Schedules from the user's words: a model names when a playbook runs in words, the deterministic parser makes the cron.

A model passes what the user said ("every weekday at 8:30am Pacific") as a tool's
`schedule`; `scheduler/timing/schedule_text.py` reads it in the organisation's
zone. On Claude a schedule trigger written as cron is refused: cron comes from
the parser, never from a model. The offline model's cron is the planner's, which
comes from the same parser, so it passes as it is.
"""
from __future__ import annotations

from typing import Any

from langchain_core.tools import ToolException

from scheduler.timing.schedule_text import ScheduleTextError, parse_schedule
from tools.context import ChatContext

WORDS_ONLY = (
    "a schedule is never written as cron here: pass the user's own words for when it runs as `schedule` "
    "(e.g. \"every weekday at 8:30am Pacific\") and leave schedule triggers out"
)


def model_writes_calls(ctx: ChatContext) -> bool:
    """True when a language model (Claude) writes the tool calls, rather than the deterministic planner."""
    return bool(ctx.services.settings.anthropic_api_key)


def schedule_trigger(words: str, ctx: ChatContext) -> dict[str, Any]:
    """The schedule trigger the parser reads from the user's words; a model-fixable error when it reads none."""
    try:
        parsed = parse_schedule(words, ctx.org_zone)
    except ScheduleTextError as exc:
        raise ToolException(f"could not read a schedule from {words!r}: {exc}; ask the user when it should run") from exc
    return {"type": "schedule", "cron": parsed.cron, "timezone": parsed.timezone}


def with_schedule_words(triggers: Any, words: str | None, ctx: ChatContext) -> Any:
    """The triggers with their schedule made from `words` (other triggers kept); cron a model wrote is refused."""
    given = list(triggers) if isinstance(triggers, list) else []
    others = [t for t in given if not (isinstance(t, dict) and t.get("type") == "schedule")]
    if words and words.strip():
        return [schedule_trigger(words, ctx), *others]
    if len(others) != len(given) and model_writes_calls(ctx):
        raise ToolException(WORDS_ONLY)
    return triggers
