"""The tools personas call to manage playbooks: thin typed functions over the scheduler package."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from langchain_core.tools import BaseTool, ToolException, tool
from langgraph.prebuilt import ToolRuntime

from scheduler.domain.spec import ScheduleTrigger, Trigger, dump_spec
from scheduler.domain.status import TriggeredBy
from scheduler.runs.start import Firing, Refusal, RunRefused
from scheduler.services.playbooks import NotFound, playbook_json
from scheduler.services.validation import PlaybookInvalid
from scheduler.store.tables import Playbook
from tools.artifacts import (
    DeletedArtifact,
    PlaybookArtifact,
    PlaybookListArtifact,
    PlaybookSummary,
    RunArtifact,
    answer,
)
from tools.context import ChatContext, chat_context
from tools.schedule_words import with_schedule_words

Ctx = ToolRuntime[ChatContext]


def human_time(moment: datetime, zone: str) -> str:
    """'Thu Nov 26, 9:00 AM EST' in the trigger's zone."""
    local = moment.astimezone(ZoneInfo(zone))
    return local.strftime("%a %b %-d, %-I:%M %p %Z")


def describe_playbook(ctx: ChatContext, playbook: Playbook, runs: int = 3) -> PlaybookSummary:
    """A playbook with its schedule in words and its next runs, for the model and the UI."""
    service = ctx.services.playbooks
    upcoming = service.next_runs(playbook, max(runs, 5))  # the API's five upcomingRuns, the first `runs` in words
    next_runs = upcoming[:runs]
    zone = next((t.zone for _, t in playbook.schedules), "UTC")
    return PlaybookSummary.model_validate({
        **playbook_json(playbook, next_runs[0] if next_runs else None, upcoming=upcoming),
        "schedule": service.describe_schedule(playbook),
        "events": [t.event for t in playbook.event_triggers],
        "nextRuns": [r.isoformat() for r in next_runs],
        "nextRunsText": [human_time(r, zone) for r in next_runs],
    })


@contextmanager
def model_fixable() -> Iterator[None]:
    """Mistakes the model can fix go back to it as the tool's answer, not as a crash."""
    try:
        yield
    except PlaybookInvalid as exc:
        raise ToolException("the playbook is not valid: " + "; ".join(exc.errors)) from exc
    except NotFound as exc:
        raise ToolException(str(exc)) from exc


def with_time(triggers: list[Trigger], hhmm: str) -> list[Trigger]:
    """The triggers with every fixed-time schedule moved to HH:MM, days unchanged."""
    try:
        hour, minute = (int(x) for x in hhmm.split(":"))
    except ValueError:
        hour = minute = -1
    if not (0 <= hour < 24 and 0 <= minute < 60):
        raise ToolException(f"time must be HH:MM, got {hhmm!r}")
    moved = []
    for trigger in triggers:
        fields = trigger.cron.split() if isinstance(trigger, ScheduleTrigger) else []
        if len(fields) == 5:
            trigger = trigger.model_copy(update={"cron": " ".join([str(minute), str(hour), *fields[2:]])})
        moved.append(trigger)
    return moved


def _the_playbook(ctx: ChatContext, name: str, playbook_id: str | None) -> Playbook:
    """The playbook a tool call means: its id when the conversation knows it (names repeat), else the best name match."""
    if playbook_id:
        return ctx.services.playbooks.get(ctx.org_id, playbook_id)
    return ctx.services.playbooks.find(ctx.org_id, name)


@tool(response_format="content_and_artifact")
def create_playbook(playbook: dict[str, Any], tool_runtime: Ctx, schedule: str | None = None) -> tuple[str, Any]:
    """Create a playbook (name, agent, category, triggers, steps); `schedule`: the user's words for when it runs."""
    ctx = chat_context(tool_runtime)
    playbook = {**playbook, "triggers": with_schedule_words(playbook.get("triggers"), schedule, ctx)}
    with model_fixable():
        stored, created = ctx.services.playbooks.create_once(ctx.org_id, playbook, created_by=ctx.user_id)
    return answer(PlaybookArtifact(playbook=describe_playbook(ctx, stored), created=created, already_existed=not created))


@tool(response_format="content_and_artifact")
def list_playbooks(tool_runtime: Ctx) -> tuple[str, Any]:
    """List the organisation's playbooks with their status and next run."""
    ctx = chat_context(tool_runtime)
    items, _ = ctx.services.playbooks.list(ctx.org_id, limit=200)
    return answer(PlaybookListArtifact(playbooks=[describe_playbook(ctx, p, runs=1) for p in items]))


@tool(response_format="content_and_artifact")
def run_playbook(name: str, tool_runtime: Ctx, playbook_id: str | None = None) -> tuple[str, Any]:
    """Run a playbook now: by its id when known, else named by the words the user used for it."""
    ctx = chat_context(tool_runtime)
    with model_fixable():
        playbook = _the_playbook(ctx, name, playbook_id)
    try:
        # An event playbook run by hand sees an example event (scheduler.events.bus.EventBus.by_hand).
        opened = ctx.services.runs.start_run(playbook, ctx.services.events.by_hand(
            playbook, Firing(TriggeredBy.agent if ctx.agent else TriggeredBy.manual, user_id=ctx.user_id)))
    except RunRefused as exc:
        raise ToolException(f"“{playbook.name}” is archived; resume it first if it should run"
                            if exc.reason == Refusal.archived else str(exc)) from exc
    return answer(RunArtifact(
        execution_id=opened.execution.id, playbook_id=playbook.id, playbook=playbook.name, status=opened.execution.status,
    ))


@tool(response_format="content_and_artifact")
def set_playbook_status(name: str, status: str, tool_runtime: Ctx, playbook_id: str | None = None) -> tuple[str, Any]:
    """Pause ("paused"), resume ("active") or archive ("archived") a playbook, by id or by the user's words."""
    ctx = chat_context(tool_runtime)
    with model_fixable():
        playbook = _the_playbook(ctx, name, playbook_id)
        changed = ctx.services.playbooks.set_status(ctx.org_id, playbook.id, status)
    return answer(PlaybookArtifact(playbook=describe_playbook(ctx, changed), updated=True))


@tool(response_format="content_and_artifact")
def update_playbook(
    name: str, changes: dict[str, Any], tool_runtime: Ctx, playbook_id: str | None = None, schedule: str | None = None,
) -> tuple[str, Any]:
    """Change a playbook (by id or the user's words): name, steps, status, "time" ("08:00"); `schedule`: the new schedule in words."""
    ctx = chat_context(tool_runtime)
    if schedule or "triggers" in changes:
        changes = {**changes, "triggers": with_schedule_words(changes.get("triggers", []), schedule, ctx)}
    with model_fixable():
        playbook = _the_playbook(ctx, name, playbook_id)
        changes = dict(changes)
        if "time" in changes:
            changes["triggers"] = dump_spec(with_time(playbook.trigger_specs, str(changes.pop("time"))))
        changed = ctx.services.playbooks.update(ctx.org_id, playbook.id, changes)
    return answer(PlaybookArtifact(playbook=describe_playbook(ctx, changed), updated=True))


@tool(response_format="content_and_artifact")
def delete_playbook(name: str, tool_runtime: Ctx, playbook_id: str | None = None) -> tuple[str, Any]:
    """Delete a playbook, by id or named by the user's words; its past runs stay readable."""
    ctx = chat_context(tool_runtime)
    with model_fixable():
        playbook = _the_playbook(ctx, name, playbook_id)
        ctx.services.playbooks.delete(ctx.org_id, playbook.id)
    return answer(DeletedArtifact(id=playbook.id, name=playbook.name))


def playbook_tools() -> list[BaseTool]:
    """Every playbook tool, with model-fixable errors returned as tool messages."""
    tools = [create_playbook, list_playbooks, run_playbook, update_playbook, set_playbook_status, delete_playbook]
    for t in tools:
        t.handle_tool_error = True
    return tools
