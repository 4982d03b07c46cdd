"""Runs in chat: run a playbook now and follow it step by step; read its last runs and why a slot did not run."""
from __future__ import annotations

import asyncio
import time
from datetime import datetime
from typing import Any, Literal

from langchain_core.tools import ToolException, tool

from scheduler.domain.status import ExecutionStatus, TriggeredBy
from scheduler.runs.history import get_execution, list_executions
from scheduler.runs.start import Firing, Refusal, RunRefused
from tools.artifacts import RunArtifact, RunLogArtifact, answer
from tools.context import ChatContext, chat_context
from tools.playbook_tools import Ctx, Unresolved, describe_playbook, human_time, model_fixable, resolve

# Where a run stops moving on its own: the chat stops following it there.
SETTLED = {ExecutionStatus.completed, ExecutionStatus.failed, ExecutionStatus.skipped, ExecutionStatus.missed,
           ExecutionStatus.waiting_approval}
# How long the chat follows a run before it says "still running" (the run goes on and is logged either way).
FOLLOW_SECONDS = 30.0
POLL_SECONDS = 0.1


def run_artifact(run: dict[str, Any], playbook: str, zone: str) -> RunArtifact:
    """One execution (as the history reads it) as the chat shows it: each step's status, the result or the error."""
    steps = [{"index": s["index"], "action": s["action"], "status": s["status"],
              **({"error": s["error"]} if s.get("error") else {}),
              **({"seen": s["seen"]} if s.get("seen") else {}),
              **({"summary": s["output"]["summary"]} if isinstance(s.get("output"), dict) and s["output"].get("summary") else {})}
             for s in run["stepResults"]]
    failed = next((s for s in steps if s["status"] == "failed"), None)
    error = run.get("error") or (f"{failed['action']}: {failed['error']}" if failed and failed.get("error") else None)
    result = "; ".join(s["summary"] for s in steps if s.get("summary") and s["status"] == "completed") or None
    at = run.get("scheduledFor") or run.get("startedAt") or run.get("createdAt")
    when = human_time(_instant(at), zone) if at else None
    return RunArtifact(execution_id=run["id"], playbook_id=run["playbookId"], playbook=playbook, status=run["status"],
                       steps=steps, error=error if run["status"] in ("failed", "skipped", "missed") else None,
                       result=result, scheduled_for=run.get("scheduledFor"), triggered_by=run.get("triggeredBy"), at=when)


def _instant(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def _zone(ctx: ChatContext, playbook: Any) -> str:
    return next((t.zone for _, t in playbook.schedules), ctx.org_zone)


async def follow(ctx: ChatContext, execution_id: str, playbook: Any, write: Any) -> RunArtifact:
    """Watch a run until it settles (or FOLLOW_SECONDS pass), writing each change of its steps as it happens."""
    zone, last, deadline = _zone(ctx, playbook), None, time.monotonic() + FOLLOW_SECONDS
    while True:
        run = await asyncio.to_thread(get_execution, ctx.services.engine, ctx.org_id, execution_id)
        shown = run_artifact(run, playbook.name, zone)
        moment = (shown.status, [(s["index"], s["status"]) for s in shown.steps or []])
        if moment != last:
            last = moment
            if write is not None:
                write({"part": "run", "id": shown.execution_id, "data": shown.ui_data()[0]})
        if shown.status in SETTLED or time.monotonic() > deadline:
            return shown
        await asyncio.sleep(POLL_SECONDS)


def _start(ctx: ChatContext, name: str, playbook_id: str | None) -> tuple[Any, str]:
    """The playbook meant and the run opened for it (blocking store work: called off the event loop)."""
    with model_fixable():
        playbook = resolve(ctx, name, playbook_id, "run_playbook", {})
    try:
        # An event playbook run by hand sees an example event (scheduler.events.bus.EventBus.by_hand).
        opened = ctx.services.runs.start_run(playbook, ctx.services.events.by_hand(
            playbook, Firing(TriggeredBy.agent if ctx.agent else TriggeredBy.manual, user_id=ctx.user_id)))
    except RunRefused as exc:
        raise ToolException(f"“{playbook.name}” is archived; resume it first if it should run"
                            if exc.reason == Refusal.archived else str(exc)) from exc
    return playbook, opened.execution.id


@tool(response_format="content_and_artifact")
async def run_playbook(name: str, tool_runtime: Ctx, playbook_id: str | None = None) -> tuple[str, Any]:
    """Run a playbook now (by id when known, else by the user's words) and follow it until it ends: steps, result or error."""
    ctx = chat_context(tool_runtime)
    try:
        playbook, execution_id = await asyncio.to_thread(_start, ctx, name, playbook_id)
    except Unresolved as exc:
        return answer(exc.artifact)
    return answer(await follow(ctx, execution_id, playbook, getattr(tool_runtime, "stream_writer", None)))


@tool(response_format="content_and_artifact")
def run_history(name: str, tool_runtime: Ctx, playbook_id: str | None = None,
                question: Literal["last", "why"] = "last") -> tuple[str, Any]:
    """A playbook's recent runs from the run log: "last" (what the last run did and found) or "why" (why it did not run or act)."""
    ctx = chat_context(tool_runtime)
    try:
        with model_fixable():
            playbook = resolve(ctx, name, playbook_id, "run_history", {"question": question})
            runs, _ = list_executions(ctx.services.engine, ctx.org_id, playbook.id, limit=5)
    except Unresolved as exc:
        return answer(exc.artifact)
    zone = _zone(ctx, playbook)
    shown = [run_artifact(r, playbook.name, zone) for r in runs]
    skipped = []
    for run in shown[:1]:
        for step in run.steps or []:
            if step["status"] == "skipped":
                spec = playbook.steps[step["index"]] if step["index"] < len(playbook.steps) else {}
                skipped.append({"action": step["action"], "condition": spec.get("condition"), "seen": step.get("seen") or {}})
    summary = describe_playbook(ctx, playbook, runs=1)
    return answer(RunLogArtifact(playbook_id=playbook.id, playbook=playbook.name, question=question, status=playbook.status,
                                 schedule=summary.schedule, runs=shown, skipped=skipped,
                                 next_runs_text=summary.next_runs_text))
