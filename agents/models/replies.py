"""The offline model's words after a tool answered: confirmations in plain language."""
from __future__ import annotations

import json
from typing import Any

from langchain_core.messages import ToolMessage


def reply_to_tool(tool: str, result: ToolMessage) -> str:
    """A plain-words answer to the user from a tool's result."""
    if result.status == "error":
        return f"I couldn't do that: {result.content}. Tell me what to change and I'll try again."
    try:
        data = json.loads(result.content) if isinstance(result.content, str) else {}
    except json.JSONDecodeError:
        data = {}
    if tool == "create_playbook" and data.get("alreadyExisted"):
        return _confirm("existing", data["playbook"])
    if tool in ("create_playbook", "update_playbook", "set_playbook_status") and "playbook" in data:
        return _confirm(tool, data["playbook"])
    if tool == "list_playbooks":
        return _listing(data.get("playbooks", []))
    if tool == "run_playbook":
        return f"Running “{data.get('playbook')}” now (run {data.get('executionId')}). I'll log every step."
    if tool == "delete_playbook":
        return f"Deleted “{data.get('name')}”. Its past runs are still in the history."
    return "Done."


def _when(playbook: dict[str, Any]) -> str:
    parts = list(playbook.get("schedule") or [])
    parts += [f"whenever {e} happens" for e in playbook.get("events") or []]
    return " and ".join(parts) or "when you run it"


def _confirm(tool: str, playbook: dict[str, Any]) -> str:
    name, status = playbook.get("name"), playbook.get("status")
    steps = " → ".join(s["action"].replace("_", " ") for s in playbook.get("steps", []))
    if status != "active":
        head = f"“{name}” is now {status}; it won't run on its own until you resume it."
        return head
    verb = {"create_playbook": "Done! I've set up", "existing": "You already have"}.get(tool, "Updated")
    text = f"{verb} “{name}”. It runs {_when(playbook)}: {steps}."
    runs = playbook.get("nextRunsText") or []
    if runs:
        text += " Next runs: " + "; ".join(runs) + "."
    return text + " You can pause or change it any time."


def _listing(playbooks: list[dict[str, Any]]) -> str:
    if not playbooks:
        return "You have no playbooks yet. Tell me what you'd like automated."
    lines = []
    for p in playbooks:
        when = " and ".join(p.get("schedule") or []) or ", ".join(p.get("events") or []) or "manual"
        nxt = f", next {p['nextRunsText'][0]}" if p.get("nextRunsText") else ""
        lines.append(f"- {p['name']} ({p['status']}): {when}{nxt}")
    return f"You have {len(playbooks)} playbook(s):\n" + "\n".join(lines)
