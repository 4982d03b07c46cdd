"""The offline model's words after a tool answered: confirmations in plain language, from the tool's artifact."""
from __future__ import annotations

from tools.artifacts import (
    Artifact,
    ChoiceArtifact,
    ConfirmArtifact,
    DeletedArtifact,
    HeartbeatArtifact,
    PlaybookArtifact,
    PlaybookListArtifact,
    PlaybookSummary,
    RunArtifact,
    RunLogArtifact,
)


def reply_to_tool(artifact: Artifact | None, error: str | None = None) -> str:
    """A plain-words answer to the user from a tool's artifact (or its error)."""
    if error is not None:
        return f"I couldn't do that: {error}. Tell me what to change and I'll try again."
    if isinstance(artifact, PlaybookArtifact):
        return _confirm(artifact)
    if isinstance(artifact, PlaybookListArtifact):
        return _listing(artifact.playbooks)
    if isinstance(artifact, RunArtifact):
        return run_words(artifact)
    if isinstance(artifact, RunLogArtifact):
        return run_log(artifact)
    if isinstance(artifact, ConfirmArtifact):
        return _confirm_question(artifact)
    if isinstance(artifact, ChoiceArtifact):
        return _choice(artifact)
    if isinstance(artifact, HeartbeatArtifact):
        return _heartbeat(artifact)
    if isinstance(artifact, DeletedArtifact):
        return f"Deleted “{artifact.name}”. Its past runs are still in the history."
    return "Done."


def _when(playbook: PlaybookSummary) -> str:
    parts = list(playbook.schedule)
    parts += [f"whenever {e} happens" for e in playbook.events]
    return " and ".join(parts) or "when you run it"


def _before_after(before: list[str] | None, after: list[str] | None) -> str:
    if not before or not after or before == after:
        return ""
    gone = [line for line in before if line not in after]
    new = [line for line in after if line not in before]
    return "\nBefore: " + "; ".join(gone or before) + "\nAfter: " + "; ".join(new or after)


def _confirm(artifact: PlaybookArtifact) -> str:
    playbook = artifact.playbook
    if playbook.status != "active":
        if artifact.resume_text and artifact.resume_stored:
            return f"“{playbook.name}” is now {playbook.status} until {artifact.resume_text}; it picks up again by itself then."
        if artifact.resume_text:
            # The store cannot keep the end of a pause yet: say so rather than promise it.
            return (f"“{playbook.name}” is now {playbook.status}. You want it back on {artifact.resume_text}; "
                    "I can't resume it by myself yet, so ask me to resume it then.")
        return f"“{playbook.name}” is now {playbook.status}; it won't run on its own until you resume it."
    if artifact.updated and artifact.before is not None:
        text = f"Updated “{playbook.name}”." + _before_after(artifact.before, artifact.after)
        if playbook.next_runs_text:
            text += "\nNext runs: " + "; ".join(playbook.next_runs_text) + "."
        return text
    verb = "You already have" if artifact.already_existed else "Done! I've set up" if artifact.created else "Updated"
    steps = " → ".join(str(s.get("action", "")).replace("_", " ") for s in playbook.steps)
    text = f"{verb} “{playbook.name}”. It runs {_when(playbook)}: {steps}."
    if playbook.next_runs_text:
        text += " Next runs: " + "; ".join(playbook.next_runs_text) + "."
    return text + " You can pause or change it any time."


def _listing(playbooks: list[PlaybookSummary]) -> str:
    if not playbooks:
        return "You have no playbooks yet. Tell me what you'd like automated."
    lines = []
    for p in playbooks:
        when = " and ".join(p.schedule) or ", ".join(p.events) or "manual"
        nxt = f", next {p.next_runs_text[0]}" if p.next_runs_text else ""
        lines.append(f"- {p.name} ({p.status}): {when}{nxt}")
    return f"You have {len(playbooks)} playbook(s):\n" + "\n".join(lines)


def _heartbeat(artifact: HeartbeatArtifact) -> str:
    alerts = [c for c in artifact.checks if c.get("status") == "alert"]
    if not alerts:
        return "All clear: " + " ".join(c["message"] for c in artifact.checks)
    lines = [f"- {c['message']}" + (f" ({c['priority']} priority)" if c.get("priority") else "") for c in alerts]
    return f"{len(alerts)} thing{'s' if len(alerts) != 1 else ''} need your attention:\n" + "\n".join(lines)


def _confirm_question(artifact: ConfirmArtifact) -> str:
    text = artifact.question
    if artifact.before and artifact.after:
        text += _before_after(artifact.before, artifact.after)
    elif artifact.after:
        text += "\nIt would: " + "; ".join(artifact.after)
    answer = "Say yes to go ahead, or no to leave it."
    if artifact.alternative:
        answer = "Say yes to change it, or “new one” to add a separate playbook."
    return f"{text}\n{answer}"


def _choice(artifact: ChoiceArtifact) -> str:
    if not artifact.candidates:
        return f"I couldn't find a playbook called “{artifact.said}”. Which one do you mean?"
    lines = [f"- {p.name} ({p.status}" + (f", {p.schedule[0]}" if p.schedule else "") + ")" for p in artifact.candidates]
    lead = (f"“{artifact.said}” could be more than one playbook" if len(artifact.candidates) > 1
            else f"I couldn't find a playbook called “{artifact.said}”; the closest is")
    return f"{lead}:\n" + "\n".join(lines) + "\nWhich one do you mean? Nothing was changed."


def _step_line(step: dict) -> str:
    name = str(step.get("action", "")).replace("_", " ")
    extra = f": {step['error']}" if step.get("error") else f" ({step['summary']})" if step.get("summary") else ""
    return f"- {name}: {step.get('status')}{extra}"


def run_words(run: RunArtifact) -> str:
    """A run in words: its end (the result or the error), or where it is when the chat stopped following."""
    steps = "\n".join(_step_line(s) for s in run.steps or [])
    tail = f"\n{steps}" if steps else ""
    if run.status == "completed":
        done = sum(1 for s in run.steps or [] if s.get("status") == "completed")
        skipped = sum(1 for s in run.steps or [] if s.get("status") == "skipped")
        counts = f"{done} step{'s' if done != 1 else ''} completed" + (f", {skipped} skipped" if skipped else "")
        return f"“{run.playbook}” ran ({counts}):" + (tail or f" {run.result or 'done'}.")
    if run.status == "failed":
        return f"“{run.playbook}” failed: {run.error or 'a step failed'}." + tail
    if run.status == "waiting_approval":
        return f"“{run.playbook}” is waiting for your approval before it goes on." + tail
    if run.status in ("skipped", "missed"):
        return f"“{run.playbook}” was {run.status}: {run.error or 'no reason recorded'}." + tail
    return f"“{run.playbook}” is still {run.status} (run {run.execution_id}); every step is logged as it goes." + tail


def _seen_words(skip: dict) -> str:
    seen = skip.get("seen") or {}
    condition = str(skip.get("condition") or "")
    said = ", ".join(f"`{{{{{k}}}}}` was {v}" for k, v in seen.items())
    rest = condition
    for key in seen:
        rest = rest.replace("{{" + key + "}}", "").replace("{{ " + key + " }}", "")
    rest = rest.strip()
    name = str(skip.get("action", "")).replace("_", " ")
    if said and rest:
        return f"{name} was skipped: {said}, so `{rest}` was false."
    return f"{name} was skipped: its condition `{condition}` was false" + (f" ({said})" if said else "") + "."


def run_log(log: RunLogArtifact) -> str:
    """The last runs, or why the playbook did not run or act, from the run log and the slot records."""
    if not log.runs:
        when = " and ".join(log.schedule) or "only when you run it"
        if log.status != "active":
            return f"“{log.playbook}” has no runs yet, and it is {log.status}, so it won't run on its own."
        nxt = f" The next run is {log.next_runs_text[0]}." if log.next_runs_text else ""
        return f"“{log.playbook}” has no runs yet; it runs {when}.{nxt}"
    last = log.runs[0]
    head = f"The last run of “{log.playbook}” ({last.at or 'recently'}, {last.triggered_by or 'scheduled'})"
    if log.question == "why":
        lines = []
        if log.status != "active":
            lines.append(f"“{log.playbook}” is {log.status}, so its schedule does not fire.")
        if last.status in ("skipped", "missed", "failed"):
            lines.append(f"{head} {last.status}: {last.error or 'no reason recorded'}.")
        for skip in log.skipped:
            lines.append(_seen_words(skip))
        if not lines:
            lines.append(f"{head} {last.status}; nothing in it was skipped.")
        if log.next_runs_text:
            lines.append(f"Next run: {log.next_runs_text[0]}.")
        return " ".join(lines)
    text = f"{head}: {run_words(last)}"
    for skip in log.skipped:
        text += "\n" + _seen_words(skip)
    return text
