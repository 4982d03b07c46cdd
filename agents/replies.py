"""The offline model's words after a tool answered: confirmations in plain language, from the tool's artifact."""
from __future__ import annotations

from tools.artifacts import (
    Artifact,
    DeletedArtifact,
    HeartbeatArtifact,
    PlaybookArtifact,
    PlaybookListArtifact,
    PlaybookSummary,
    RunArtifact,
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
        return f"Running “{artifact.playbook}” now (run {artifact.execution_id}). I'll log every step."
    if isinstance(artifact, HeartbeatArtifact):
        return _heartbeat(artifact)
    if isinstance(artifact, DeletedArtifact):
        return f"Deleted “{artifact.name}”. Its past runs are still in the history."
    return "Done."


def _when(playbook: PlaybookSummary) -> str:
    parts = list(playbook.schedule)
    parts += [f"whenever {e} happens" for e in playbook.events]
    return " and ".join(parts) or "when you run it"


def _confirm(artifact: PlaybookArtifact) -> str:
    playbook = artifact.playbook
    if playbook.status != "active":
        return f"“{playbook.name}” is now {playbook.status}; it won't run on its own until you resume it."
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
