"""A client's UI messages (AI SDK v5 UIMessage) as LangChain messages, keeping the structured parts.

User messages keep their text. An assistant message becomes, step by step, its
text and tool calls (an AIMessage) followed by the tools' answers (ToolMessages
whose artifact is read back from the tool output), so a real model sees proper
tool-use history and the offline model finds the playbooks it showed. Data parts
no tool part explains (a client that keeps only text and `data-*` parts) ride on
the message's last AIMessage as shown artifacts.
"""
from __future__ import annotations

import json
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from agents.models.offline import SHOWN_KEY
from tools.artifacts import Artifact, artifact_from_output, artifact_from_part

Part = dict[str, Any]


def to_langchain(messages: list[dict[str, Any]]) -> list[BaseMessage]:
    """UIMessages (or {role, content}) to LangChain messages; system messages are left out."""
    out: list[BaseMessage] = []
    for message in messages:
        parts = [p for p in message.get("parts") or [] if isinstance(p, dict)]
        if message.get("role") == "user":
            text = _joined(parts) or (message.get("content") or "")
            if text.strip():
                out.append(HumanMessage(text))
        elif message.get("role") == "assistant":
            out += _assistant(parts, message.get("content") or "")
            answers = [a for a in (approval_answer(p) for p in parts) if a]
            if answers:  # an approval answered on a tool part is the user's yes (or no) to the held change
                out.append(HumanMessage(answers[-1]))
    return out


def _joined(parts: list[Part]) -> str:
    # Parts are separate pieces of text: joined with a space, never glued ("9am" + "email").
    texts = [(p.get("text") or "").strip() for p in parts if p.get("type") == "text"]
    return " ".join(t for t in texts if t)


def _assistant(parts: list[Part], content: str) -> list[BaseMessage]:
    out: list[BaseMessage] = []
    explained: set[str] = set()
    for step in _steps(parts):
        calls, answers = [], []
        for part in step:
            call = _tool_call(part)
            if call is None:
                continue
            answer = _tool_answer(part, call)
            calls.append(call)
            answers.append(answer)
            if isinstance(answer.artifact, Artifact) and answer.artifact.ui_part:
                explained.add(f"{answer.artifact.ui_part}:{answer.artifact.ui_data()[1]}")
        text = _joined(step)
        if text or calls:
            out.append(AIMessage(text, tool_calls=calls))
        out += answers
    if not out and content.strip():
        out.append(AIMessage(content))
    shown = _shown(parts, explained)
    if shown:
        if not out or not isinstance(out[-1], AIMessage):
            out.append(AIMessage(""))
        out[-1].additional_kwargs[SHOWN_KEY] = shown
    return out


def _steps(parts: list[Part]) -> list[list[Part]]:
    steps: list[list[Part]] = [[]]
    for part in parts:
        if part.get("type") == "step-start":
            steps.append([])
        else:
            steps[-1].append(part)
    return [s for s in steps if s]


# Tool part states of an AI SDK 6 client that was asked to approve a held change (api.stream.chat).
APPROVAL_STATES = ("approval-requested", "approval-responded", "output-denied")


def approval_id(tool_call_id: str) -> str:
    """The approval id of a held tool call (one approval per call)."""
    return f"approval-{tool_call_id}"


def uses_approvals(messages: list[dict[str, Any]]) -> bool:
    """Whether a client's history shows it handles tool approvals (an AI SDK 6 client)."""
    return any(isinstance(p, dict) and (p.get("state") in APPROVAL_STATES or "approval" in p)
               for m in messages for p in m.get("parts") or [])


def approval_answer(part: Part) -> str | None:
    """The user's answer to a held change, as words ("yes" / "no"), from an answered approval part."""
    approval = part.get("approval") if isinstance(part.get("approval"), dict) else None
    if approval is None or approval.get("approved") is None:
        return None
    return "yes" if approval["approved"] else "no"


def _tool_call(part: Part) -> dict[str, Any] | None:
    """The call of a finished (or held for approval) tool part (`tool-<name>` or `dynamic-tool`); None otherwise."""
    kind = str(part.get("type") or "")
    name = kind[5:] if kind.startswith("tool-") else part.get("toolName") if kind == "dynamic-tool" else None
    # A call that never got its answer is left out: a model would be handed a dangling tool use.
    if not name or not part.get("toolCallId") or part.get("state") not in ("output-available", "output-error", *APPROVAL_STATES):
        return None
    args = part.get("input") if isinstance(part.get("input"), dict) else {}
    return {"name": name, "args": args, "id": part["toolCallId"], "type": "tool_call"}


def _tool_answer(part: Part, call: dict[str, Any]) -> ToolMessage:
    if part.get("state") in APPROVAL_STATES:
        # The held change itself rides in the message's data-confirm part; the user's answer follows as words.
        return ToolMessage("The change waits for the user's approval.", tool_call_id=call["id"], name=call["name"])
    if part.get("state") == "output-error":
        return ToolMessage(str(part.get("errorText") or "error"), tool_call_id=call["id"], name=call["name"], status="error")
    output = part.get("output")
    artifact = artifact_from_output(output)
    content = output if isinstance(output, str) else json.dumps(output)
    return ToolMessage(content, tool_call_id=call["id"], name=call["name"], artifact=artifact)


def _shown(parts: list[Part], explained: set[str]) -> list[Artifact]:
    shown = []
    for part in parts:
        kind = str(part.get("type") or "")
        if not kind.startswith("data-"):
            continue
        artifact = artifact_from_part(kind[5:], part.get("data"))
        if artifact is not None and f"{artifact.ui_part}:{artifact.ui_data()[1]}" not in explained:
            shown.append(artifact)
    return shown
