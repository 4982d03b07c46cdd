"""What the offline model does next, as a pure function of the structured conversation.

The history is what was said and what the tools answered, with their typed
artifacts: the chat never re-reads its own prose. Two readings of context live
here: an answer to our clarifying question completes the request it was asked
about, and "it" / "that one" / "the 6pm one" is a playbook the conversation has
shown (matched by recency, or by the time of its schedule).
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from agents.planner import lexicon, plan
from agents.replies import reply_to_tool
from tools.artifacts import (
    Artifact,
    DeletedArtifact,
    PlaybookArtifact,
    PlaybookListArtifact,
    PlaybookSummary,
    RunArtifact,
)

# A whole message asking what needs attention now (never a request that merely mentions alerts): the heartbeat.
WHATS_UP = re.compile(
    r"^(?:(?:hey|hi|so|ok|okay)\b[\s,]*)?(?:(?:is\s+there\s+)?anything\s+(?:else\s+|new\s+)?(?:i|we)\s+"
    r"(?:should|need\s+to|ought\s+to)\s+know(?:\s+about)?|what\s+(?:should|do)\s+(?:i|we)\s+(?:need\s+to\s+)?know|"
    r"any\s+(?:alerts|problems|issues|news)|what\s+needs\s+my\s+attention|how(?:'s|\s+is)\s+(?:the\s+)?"
    r"(?:shop|store|business)\s+doing)(?:\s+(?:today|right\s+now|now|this\s+morning))?\s*[?.!]*$")


@dataclass(frozen=True)
class UserSaid:
    """The user's words."""

    text: str


@dataclass(frozen=True)
class WeSaid:
    """Our words; `shown` holds artifacts a client kept as data parts of that message."""

    text: str
    shown: tuple[Artifact, ...] = ()


@dataclass(frozen=True)
class ToolAnswered:
    """A tool's answer: its artifact, or the error the model was told."""

    tool: str
    artifact: Artifact | None = None
    error: str | None = None


Event = UserSaid | WeSaid | ToolAnswered


@dataclass(frozen=True)
class Say:
    """Answer with words."""

    text: str


@dataclass(frozen=True)
class Call:
    """Call a tool."""

    tool: str
    args: dict[str, Any] = field(default_factory=dict)


STATUS_FOR_INTENT = {"pause_playbook": "paused", "resume_playbook": "active"}
# The planner's pronouns, and a bare "one" left by "the 6pm one" once its time was read.
PRONOUNS = {*lexicon.PRONOUNS, "one"}
# "the 6pm one", "the 8:30 am playbook", "the one at noon"
_TIME = r"(\d{1,2}(?::\d{2})?\s*(?:am|pm)|\d{1,2}:\d{2}|noon|midnight)"
BY_TIME = re.compile(rf"\bthe\s+{_TIME}\s+(?:one|playbook|report|alert)\b|\bthe\s+one\s+(?:at|for)\s+{_TIME}", re.IGNORECASE)


def next_move(history: Sequence[Event], zone: str, tools: set[str]) -> Say | Call:
    """The model's next message: a reply to a tool's answer, a tool call, or a question."""
    last = history[-1] if history else None
    if isinstance(last, ToolAnswered):
        return Say(reply_to_tool(last.artifact, last.error))
    if not isinstance(last, UserSaid):
        return Say("What would you like me to set up?")
    if "heartbeat" in tools and WHATS_UP.match(last.text.strip().lower()):
        return Call("heartbeat", {})
    decided = plan_in_context(history, zone)
    call = tool_call(decided, tools)
    if call is None:
        return Say(decided.get("message") or "Could you say a bit more about what you'd like me to do?")
    return call


def plan_in_context(history: Sequence[Event], zone: str) -> dict[str, Any]:
    """Plan the latest words, reading them with the conversation: answers to a question, and references."""
    last = history[-1] if history else None
    if not isinstance(last, UserSaid):
        raise ValueError("plan_in_context reads the user's latest words; the history does not end with them")
    earlier = history[:-1]
    text, referent = resolve_by_time(last.text, shown_playbooks(earlier))
    decided = plan(text, zone)
    asked = asked_about(history)
    if decided.get("intent") == "clarify" and asked:
        # The user answered our question: the request is their earlier words plus this answer.
        combined = plan(f"{asked}. {text}", zone)
        if combined.get("intent") != "clarify":
            return combined
    if (decided.get("target") or "").lower() in PRONOUNS:
        meant = referent or last_shown(earlier)
        if meant is None:
            # A pronoun is no name: looking it up would act on whatever playbook has "it" in its name.
            return {"intent": "clarify", "target": None, "playbook": None, "message": which_one(earlier)}
        decided = {**decided, "target": meant.name, "target_id": meant.id}
    return decided


def which_one(history: Sequence[Event]) -> str:
    """The question to ask when "it" points at no playbook the conversation has shown."""
    names = [p.name for p in shown_playbooks(history)][:3]
    example = f" (for example “{names[0]}”)" if names else ""
    return f"Which playbook do you mean? Tell me its name{example}."


def asked_about(history: Sequence[Event]) -> str | None:
    """The user's request just before our last words, if those were a question and nothing was done."""
    if len(history) < 3:
        return None
    request, question = history[-3], history[-2]
    if isinstance(request, UserSaid) and isinstance(question, WeSaid) and "?" in question.text:
        return request.text
    return None


def _artifacts(history: Sequence[Event]) -> list[Artifact]:
    """Every artifact the conversation has shown, latest first."""
    found: list[Artifact] = []
    for event in reversed(history):
        if isinstance(event, ToolAnswered) and event.artifact is not None:
            found.append(event.artifact)
        elif isinstance(event, WeSaid):
            found.extend(reversed(event.shown))
    return found


@dataclass(frozen=True)
class Referent:
    """The playbook a reference resolved to: its id (what tools act on) and its name (what we say)."""

    id: str
    name: str


def last_shown(history: Sequence[Event]) -> Referent | None:
    """The playbook the conversation last showed on its own (what "it" means)."""
    deleted: set[str] = set()
    for artifact in _artifacts(history):
        if isinstance(artifact, DeletedArtifact):
            deleted.add(artifact.id)
        elif isinstance(artifact, PlaybookArtifact) and artifact.playbook.id not in deleted:
            return Referent(artifact.playbook.id, artifact.playbook.name)
        elif isinstance(artifact, RunArtifact) and artifact.playbook_id not in deleted:
            return Referent(artifact.playbook_id, artifact.playbook)
        elif isinstance(artifact, PlaybookListArtifact):
            alive = [p for p in artifact.playbooks if p.id not in deleted]
            # A listing of several is no single "it": stop looking further back.
            return Referent(alive[0].id, alive[0].name) if len(alive) == 1 else None
    return None


def shown_playbooks(history: Sequence[Event]) -> list[PlaybookSummary]:
    """Every playbook the conversation has shown, latest first, once each, without deleted ones."""
    seen: dict[str, PlaybookSummary] = {}
    deleted: set[str] = set()
    for artifact in _artifacts(history):
        if isinstance(artifact, DeletedArtifact):
            deleted.add(artifact.id)
        elif isinstance(artifact, PlaybookArtifact):
            seen.setdefault(artifact.playbook.id, artifact.playbook)
        elif isinstance(artifact, PlaybookListArtifact):
            for playbook in artifact.playbooks:
                seen.setdefault(playbook.id, playbook)
    return [p for pid, p in seen.items() if pid not in deleted]


def resolve_by_time(text: str, playbooks: Sequence[PlaybookSummary]) -> tuple[str, Referent | None]:
    """'pause the 6pm one' -> ('pause it', that playbook) when exactly one shown playbook runs at 6 PM."""
    found = BY_TIME.search(text)
    if not found:
        return text, None
    moment = clock_time(found.group(1) or found.group(2))
    matches = [p for p in playbooks if moment is not None and moment in fixed_times(p)]
    if len(matches) != 1:
        return text, None
    return text[:found.start()] + "it" + text[found.end():], Referent(matches[0].id, matches[0].name)


def clock_time(words: str) -> tuple[int, int] | None:
    """'6pm' -> (18, 0); '8:30 am' -> (8, 30); 'noon' -> (12, 0); None if it is no time of day."""
    low = words.lower().replace(" ", "")
    if low in ("noon", "midnight"):
        return (12, 0) if low == "noon" else (0, 0)
    found = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?(am|pm)?", low)
    if not found:
        return None
    hour, minute, half = int(found.group(1)), int(found.group(2) or 0), found.group(3)
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    return (hour, minute) if hour < 24 and minute < 60 else None


def fixed_times(playbook: PlaybookSummary) -> set[tuple[int, int]]:
    """The times of day a playbook's schedules fire at (cron with fixed minute and hours)."""
    times: set[tuple[int, int]] = set()
    for trigger in playbook.triggers:
        fields = str(trigger.get("cron") or "").split()
        if trigger.get("type") != "schedule" or len(fields) != 5 or not fields[0].isdigit():
            continue
        hours = fields[1].split(",")
        if all(h.isdigit() for h in hours):
            times.update((int(h), int(fields[0])) for h in hours)
    return times


def tool_call(decided: dict[str, Any], tools: set[str]) -> Call | None:
    """The tool call that carries out a plan, if the plan is an action and the tool is bound."""
    intent, target = decided.get("intent"), decided.get("target") or ""
    # A resolved reference travels as the playbook's id: names repeat ("Daily Sales Report"), ids do not.
    which = {"name": target, **({"playbook_id": decided["target_id"]} if decided.get("target_id") else {})}
    if intent == "create_playbook" and decided.get("playbook"):
        call = Call("create_playbook", {"playbook": decided["playbook"]})
    elif intent == "list_playbooks":
        call = Call("list_playbooks", {})
    elif intent == "run_playbook":
        call = Call("run_playbook", which)
    elif intent in STATUS_FOR_INTENT:
        call = Call("set_playbook_status", {**which, "status": STATUS_FOR_INTENT[intent]})
    elif intent == "delete_playbook":
        call = Call("delete_playbook", which)
    elif intent == "update_playbook" and decided.get("changes"):
        changes = dict(decided["changes"])
        if "time" in changes:
            # A new time keeps the playbook's own days; the planner cannot know them.
            changes.pop("triggers", None)
        call = Call("update_playbook", {**which, "changes": changes})
    else:
        return None
    return call if call.tool in tools else None
