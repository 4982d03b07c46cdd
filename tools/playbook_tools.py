"""The tools personas call to manage playbooks: thin typed functions over the scheduler package."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from langchain_core.messages import HumanMessage
from langchain_core.tools import BaseTool, ToolException, tool
from langgraph.prebuilt import ToolRuntime

from scheduler.domain.spec import dump_spec
from scheduler.services.playbooks import EDITABLE, NotFound, playbook_json
from scheduler.services.validation import PlaybookInvalid, parse_spec
from scheduler.store.tables import Playbook
from tools.artifacts import (
    ChoiceArtifact,
    ConfirmArtifact,
    DeletedArtifact,
    PlaybookArtifact,
    PlaybookListArtifact,
    PlaybookSummary,
    answer,
)
from tools.consent import consented
from tools.context import ChatContext, chat_context
from tools.edits import EditError, apply, describe, new_recipients, risks
from tools.schedule_words import with_schedule_words

Ctx = ToolRuntime[ChatContext]


def human_time(moment: datetime, zone: str) -> str:
    """'Thu Nov 26, 9:00 AM EST' in the trigger's zone."""
    local = moment.astimezone(ZoneInfo(zone))
    return local.strftime("%a %b %-d, %-I:%M %p %Z")


def describe_playbook(ctx: ChatContext, playbook: Playbook, runs: int = 3) -> PlaybookSummary:
    """A playbook with its schedule in words and its next runs, for the model and the UI."""
    service = ctx.services.playbooks
    next_runs = service.next_runs(playbook, runs)
    zone = next((t.zone for _, t in playbook.schedules), "UTC")
    return PlaybookSummary.model_validate({
        **playbook_json(playbook, next_runs[0] if next_runs else None),
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


def _the_playbook(ctx: ChatContext, name: str, playbook_id: str | None) -> Playbook:
    """The playbook a tool call means: its id when the conversation knows it (names repeat), else the words resolved."""
    if playbook_id:
        return ctx.services.playbooks.get(ctx.org_id, playbook_id)
    return ctx.services.playbooks.find(ctx.org_id, name)


class Unresolved(Exception):
    """The words named no single playbook: the tool answers with a choice instead of acting."""

    def __init__(self, artifact: ChoiceArtifact) -> None:
        super().__init__(artifact.said)
        self.artifact = artifact


def resolve(ctx: ChatContext, name: str, playbook_id: str | None, tool: str, args: dict[str, Any]) -> Playbook:
    """The playbook meant, or Unresolved with the candidates to ask about (never a guess)."""
    try:
        return _the_playbook(ctx, name, playbook_id)
    except NotFound as exc:
        if not exc.candidates:
            raise ToolException(str(exc)) from exc
        raise Unresolved(ChoiceArtifact(
            said=name, action=tool, args=args,
            candidates=[describe_playbook(ctx, p, runs=1) for p in exc.candidates])) from exc


def _messages(tool_runtime: Ctx) -> list[Any]:
    state = tool_runtime.state
    return list((state.get("messages") if isinstance(state, dict) else getattr(state, "messages", None)) or [])


def _asked_first(tool_runtime: Ctx, confirm: ConfirmArtifact) -> bool:
    """Whether this exact change still needs the user's yes (it has not been given in the latest message)."""
    return not consented(_messages(tool_runtime), confirm.tool, confirm.args)


def _user_typed(tool_runtime: Ctx) -> str:
    """Everything the user typed in this conversation (an address they typed is one they named)."""
    return " ".join(m.content for m in _messages(tool_runtime) if isinstance(m, HumanMessage) and isinstance(m.content, str)).lower()


@tool(response_format="content_and_artifact")
def create_playbook(
    playbook: dict[str, Any], tool_runtime: Ctx, separate: bool = False, schedule: str | None = None,
) -> tuple[str, Any]:
    """Create and schedule a playbook: name, agent, category, status, triggers, steps (see the planner contract).

    An existing playbook that does the same work is offered for an update first (say separate=True after the
    user asked for a new one); addresses or URLs the user did not type need the user's yes. `schedule`: the
    user's words for when it runs (the deterministic parser makes the cron, never the model).
    """
    ctx = chat_context(tool_runtime)
    playbook = {**playbook, "triggers": with_schedule_words(playbook.get("triggers"), schedule, ctx)}
    service = ctx.services.playbooks
    with model_fixable():
        spec = parse_spec(playbook, service.org_timezone(ctx.org_id), service.registry)
        same = None if separate else doing_the_same(ctx, dump_spec(spec.steps), dump_spec(spec.triggers))
        if same is not None:
            changes = {"triggers": dump_spec(spec.triggers)}
            before = describe(service.spec_of(same))
            return answer(ConfirmArtifact(
                tool="update_playbook", args={"name": same.name, "playbook_id": same.id, "changes": changes},
                playbook_id=same.id, name=same.name, before=before, after=describe(apply(service.spec_of(same), changes)),
                alternative={"tool": "create_playbook", "args": {"playbook": playbook, "separate": True}},
                question=f"You already have “{same.name}” doing this. Should I change it instead of adding another?"))
        typed = _user_typed(tool_runtime)
        unsaid = sorted(a for a in new_recipients({"steps": dump_spec(spec.steps)}) if a not in typed)
        args = {"playbook": playbook, **({"separate": True} if separate else {})}
        confirm = ConfirmArtifact(tool="create_playbook", args=args, name=spec.name,
                                  after=describe({"triggers": dump_spec(spec.triggers), "steps": dump_spec(spec.steps)}),
                                  question=f"This playbook would send to {', '.join(unsaid)}, which you haven't named. Set it up?")
        if unsaid and _asked_first(tool_runtime, confirm):
            return answer(confirm)
        stored, created = service.create_once(ctx.org_id, playbook, created_by=ctx.user_id)
    return answer(PlaybookArtifact(playbook=describe_playbook(ctx, stored), created=created, already_existed=not created))


def doing_the_same(ctx: ChatContext, steps: list[dict[str, Any]], triggers: list[dict[str, Any]]) -> Playbook | None:
    """A live playbook with the same steps on another schedule: better changed than doubled.

    Playbooks made in this same turn do not count: two asked for at once are both wanted.
    """
    for existing in ctx.services.playbooks.list(ctx.org_id, limit=1000)[0]:
        if ctx.now is not None and _aware(existing.created_at) >= ctx.now:
            continue
        if existing.status != "archived" and existing.steps == steps and existing.triggers != triggers:
            return existing
    return None


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@tool(response_format="content_and_artifact")
def list_playbooks(tool_runtime: Ctx) -> tuple[str, Any]:
    """List the organisation's playbooks with their status and next run."""
    ctx = chat_context(tool_runtime)
    items, _ = ctx.services.playbooks.list(ctx.org_id, limit=200)
    return answer(PlaybookListArtifact(playbooks=[describe_playbook(ctx, p, runs=1) for p in items]))


@tool(response_format="content_and_artifact")
def set_playbook_status(name: str, status: str, tool_runtime: Ctx, playbook_id: str | None = None,
                        resume_at: str | None = None) -> tuple[str, Any]:
    """Pause ("paused"), resume ("active") or archive ("archived") a playbook, by id or by the user's words.

    resume_at (ISO time) is when a pause ends ("pause it until Monday").
    """
    ctx = chat_context(tool_runtime)
    try:
        with model_fixable():
            playbook = resolve(ctx, name, playbook_id, "set_playbook_status", {"status": status})
            changes: dict[str, Any] = {"status": status}
            if resume_at and status == "paused" and "resumeAt" in EDITABLE:
                changes["resumeAt"] = resume_at
            changed = ctx.services.playbooks.update(ctx.org_id, playbook.id, changes)
    except Unresolved as exc:
        return answer(exc.artifact)
    until: dict[str, Any] = {}
    if resume_at and status == "paused":
        try:
            words = human_time(datetime.fromisoformat(resume_at.replace("Z", "+00:00")), ctx.org_zone)
        except ValueError as exc:
            raise ToolException(f"resume_at must be an ISO-8601 time, got {resume_at!r}") from exc
        until = {"resume_at": resume_at, "resume_text": words, "resume_stored": "resumeAt" in changes}
    return answer(PlaybookArtifact(playbook=describe_playbook(ctx, changed), updated=True, **until))


@tool(response_format="content_and_artifact")
def update_playbook(
    name: str, changes: dict[str, Any], tool_runtime: Ctx, playbook_id: str | None = None, schedule: str | None = None,
) -> tuple[str, Any]:
    """Change a playbook (by id or the user's words); only what `changes` says changes.

    changes: name, status, triggers, steps, or edits of the stored playbook: time ("08:00", same days and zone),
    days (cron day of week, "2" = Tuesdays, same time and zone), timezone, delivery (channel actions that replace
    the current ones), add_steps, remove_steps, add_recipients (email addresses), threshold (number).
    Removing a delivery or adding a recipient is shown to the user and applied after their yes.
    `schedule`: a new schedule in the user's words.
    """
    ctx = chat_context(tool_runtime)
    if schedule or "triggers" in changes:
        changes = {**changes, "triggers": with_schedule_words(changes.get("triggers", []), schedule, ctx)}
    service = ctx.services.playbooks
    try:
        with model_fixable():
            playbook = resolve(ctx, name, playbook_id, "update_playbook", {"changes": changes})
            before = service.spec_of(playbook)
            try:
                after = apply(before, changes)
            except EditError as exc:
                raise ToolException(str(exc)) from exc
            stored = {k: after[k] for k in EDITABLE if k in after and after[k] != before.get(k)}
            risky = risks(before, after)
            confirm = ConfirmArtifact(
                tool="update_playbook", args={"name": playbook.name, "playbook_id": playbook.id, "changes": changes},
                playbook_id=playbook.id, name=playbook.name, before=describe(before), after=describe(after),
                question=f"This change {' and '.join(risky)}. Should I apply it to “{playbook.name}”?")
            if risky and _asked_first(tool_runtime, confirm):
                return answer(confirm)
            changed = service.update(ctx.org_id, playbook.id, stored)
    except Unresolved as exc:
        return answer(exc.artifact)
    return answer(PlaybookArtifact(playbook=describe_playbook(ctx, changed), updated=True,
                                   before=describe(before), after=describe(service.spec_of(changed))))


@tool(response_format="content_and_artifact")
def delete_playbook(name: str, tool_runtime: Ctx, playbook_id: str | None = None) -> tuple[str, Any]:
    """Delete a playbook, by id or named by the user's words; asks the user first, deletes after their yes."""
    ctx = chat_context(tool_runtime)
    try:
        with model_fixable():
            playbook = resolve(ctx, name, playbook_id, "delete_playbook", {})
            summary = describe_playbook(ctx, playbook, runs=1)
            confirm = ConfirmArtifact(
                tool="delete_playbook", args={"name": playbook.name, "playbook_id": playbook.id},
                playbook_id=playbook.id, name=playbook.name, before=describe(ctx.services.playbooks.spec_of(playbook)),
                question=f"Delete “{playbook.name}” ({summary.status}"
                         + (f", {summary.schedule[0]}" if summary.schedule else "") + ")? Its past runs stay in the history.")
            if _asked_first(tool_runtime, confirm):
                return answer(confirm)
            ctx.services.playbooks.delete(ctx.org_id, playbook.id)
    except Unresolved as exc:
        return answer(exc.artifact)
    return answer(DeletedArtifact(id=playbook.id, name=playbook.name))


def playbook_tools() -> list[BaseTool]:
    """Every playbook tool, with model-fixable errors returned as tool messages."""
    from tools.run_tools import run_history, run_playbook  # they build on this module's helpers
    tools = [create_playbook, list_playbooks, run_playbook, run_history, update_playbook, set_playbook_status, delete_playbook]
    for t in tools:
        t.handle_tool_error = True
    return tools
