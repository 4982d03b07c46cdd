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
from datetime import UTC, datetime
from typing import Any

from agents.planner import lexicon, plan
from agents.planner.followup import as_edit, parts, until
from agents.replies import reply_to_tool
from agents.talk import sign, small_talk
from scheduler.services.names import resolve
from tools.artifacts import (
    Artifact,
    ChoiceArtifact,
    ConfirmArtifact,
    DeletedArtifact,
    PlaybookArtifact,
    PlaybookListArtifact,
    PlaybookSummary,
    RunArtifact,
    RunLogArtifact,
)
from tools.consent import says_no, says_yes

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


# Questions about runs, read from the run log rather than planned: "show me the last run", "what did it find?",
# "why didn't it run this morning?", "did the price alert go out?".
LAST_RUN = re.compile(
    r"\b(?:show|tell|give)\s+me\s+(?:the\s+|its\s+)?(?:last|latest|most\s+recent|previous)\s+(?:run|result|results|execution)s?|"
    r"\bwhat\s+did\s+(?:it|that|the\s+.+?|they)\s+(?:find|say|show|turn\s+up|report|send|do)\b|"
    r"\bhow\s+did\s+(?:it|that|the\s+.+?)\s+go\b|\b(?:last|latest)\s+run\b|\bdid\s+(?:it|that|the\s+.+?)\s+(?:run|work|go\s+out)\b",
    re.IGNORECASE)
WHY_NOT = re.compile(r"\bwhy\s+(?:didn'?t|did\s+not|hasn'?t|has\s+not|wasn'?t|was\s+not|isn'?t|is\s+not|no)\b|"
                     r"\bwhy\s+(?:was|were)\s+.+?\s+skipped\b|\bwhy\s+no\s+(?:email|alert|text|message)\b", re.IGNORECASE)
RUN_NAMED = re.compile(r"\b(?:the|my|our)\s+(?P<name>[\w' -]+?)\s+(?:run|go|work|find|say|report|send|fire|"
                       r"playbook|alert|report)\b", re.IGNORECASE)
SEPARATE = re.compile(r"\b(?:new\s+one|another(?:\s+one)?|separate|second\s+one|add\s+(?:a\s+)?new|keep\s+both|both)\b",
                      re.IGNORECASE)


def next_move(history: Sequence[Event], zone: str, tools: set[str], persona: str | None = None,
              now: datetime | None = None) -> Say | Call:
    """The model's next message: a reply to a tool's answer, a tool call, or a question (signed by the persona)."""
    move = _next(history, zone, tools, persona, now)
    return Say(sign(move.text, persona)) if isinstance(move, Say) else move


def _next(history: Sequence[Event], zone: str, tools: set[str], persona: str | None, now: datetime | None) -> Say | Call:
    last = history[-1] if history else None
    if isinstance(last, ToolAnswered):
        more = next_part(history, zone, tools)
        if more is not None:
            return more
        return Say(reply_to_turn(history))
    if not isinstance(last, UserSaid):
        return Say("What would you like me to set up?")
    text = last.text.strip()
    answered = answer_to_pending(history, tools)
    if answered is not None:
        return answered
    talk = small_talk(text, persona)
    if talk is not None:
        return Say(talk)
    if "heartbeat" in tools and WHATS_UP.match(text.lower()):
        return Call("heartbeat", {})
    asked_runs = about_runs(history, tools)
    if asked_runs is not None:
        return asked_runs
    pieces = parts(text, zone)
    if len(pieces) > 1:
        # Several schedules asked at once: one playbook each, made one after the other (next_part).
        first = plan(pieces[0], zone)
        call = tool_call(first, tools, text)
        return call or Say(first.get("message") or "Could you say that one playbook at a time?")
    text, resume_at = until(text, zone, now or datetime.now(UTC))
    decided = plan_in_context([*history[:-1], UserSaid(text)], zone)
    call = tool_call(decided, tools, last.text)
    if call is None:
        return Say(decided.get("message") or "Could you say a bit more about what you'd like me to do?")
    if resume_at and call.tool == "set_playbook_status" and call.args.get("status") == "paused":
        call = Call(call.tool, {**call.args, "resume_at": resume_at})
    return call


def _since_user(history: Sequence[Event]) -> tuple[UserSaid | None, list[ToolAnswered]]:
    """The user's latest words and the tool answers that followed them."""
    answers: list[ToolAnswered] = []
    for event in reversed(history):
        if isinstance(event, UserSaid):
            return event, list(reversed(answers))
        if isinstance(event, ToolAnswered):
            answers.append(event)
    return None, list(reversed(answers))


def next_part(history: Sequence[Event], zone: str, tools: set[str]) -> Call | None:
    """The next playbook of a message that asked for several, once the previous one was made."""
    said, answers = _since_user(history)
    if said is None or not answers or answers[-1].error or not isinstance(answers[-1].artifact, PlaybookArtifact):
        return None
    pieces = parts(said.text, zone)
    if len(pieces) <= len(answers):
        return None
    return tool_call(plan(pieces[len(answers)], zone), tools, said.text)


def reply_to_turn(history: Sequence[Event]) -> str:
    """Our words after the tools of this turn answered: one reply per answer."""
    _, answers = _since_user(history)
    return "\n\n".join(reply_to_tool(a.artifact, a.error) for a in answers) if answers else "Done."


def pending(history: Sequence[Event]) -> ConfirmArtifact | ChoiceArtifact | None:
    """What our last answer left open: a change waiting for a yes, or a choice between playbooks."""
    for event in reversed(history[:-1]):
        if isinstance(event, UserSaid):
            return None
        found = [event.artifact] if isinstance(event, ToolAnswered) else list(event.shown) if isinstance(event, WeSaid) else []
        for artifact in reversed(found):
            if isinstance(artifact, ConfirmArtifact | ChoiceArtifact):
                return artifact
    return None


def answer_to_pending(history: Sequence[Event], tools: set[str]) -> Say | Call | None:
    """The user's answer to our question: yes applies the held change; a pick names the playbook; no leaves it."""
    open_ = pending(history)
    text = history[-1].text if isinstance(history[-1], UserSaid) else ""
    if isinstance(open_, ConfirmArtifact):
        if open_.alternative and SEPARATE.search(text):
            alt = open_.alternative
            return Call(alt["tool"], alt["args"]) if alt.get("tool") in tools else None
        if says_yes(text):
            return Call(open_.tool, open_.args) if open_.tool in tools else None
        if says_no(text):
            return Say(f"OK, I left “{open_.name}” as it was." if open_.name else "OK, I left everything as it was.")
        return None
    if isinstance(open_, ChoiceArtifact) and open_.action in tools:
        # "yes" to the one closest playbook offered picks it (a delete still asks again before it acts).
        picked = open_.candidates[0] if len(open_.candidates) == 1 and says_yes(text) else pick(text, open_.candidates)
        if picked is not None:
            return Call(open_.action, {**open_.args, "name": picked.name, "playbook_id": picked.id})
    return None


ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "last": -1}


def pick(text: str, candidates: Sequence[PlaybookSummary]) -> PlaybookSummary | None:
    """Which of the offered playbooks the answer names: by time ("the 6pm one"), order ("the second"), or name."""
    if not candidates:
        return None
    _, by_time = resolve_by_time(text if BY_TIME.search(text) else f"the {text.strip()} one", candidates)
    if by_time is not None:
        return next(c for c in candidates if c.id == by_time.id)
    word = next((w for w in re.findall(r"[a-z0-9]+", text.lower()) if w in ORDINALS), None)
    if word is not None and len(candidates) > abs(ORDINALS[word]) - (ORDINALS[word] < 0):
        return candidates[ORDINALS[word]]
    found = resolve(text, list(candidates), lambda c: c.name)
    return found.match


def about_runs(history: Sequence[Event], tools: set[str]) -> Call | None:
    """ "show me the last run", "what did it find?", "why didn't it run this morning?": the run log of the playbook meant."""
    text = history[-1].text if isinstance(history[-1], UserSaid) else ""
    why = bool(WHY_NOT.search(text))
    if "run_history" not in tools or not (why or LAST_RUN.search(text)):
        return None
    question = "why" if why else "last"
    named = RUN_NAMED.search(text)
    name = named.group("name").strip() if named else ""
    if name.lower() in PRONOUNS or re.fullmatch(r"(?:last|latest|most\s+recent|previous|first|next)", name.lower()):
        name = ""
    if name:
        return Call("run_history", {"name": name, "question": question})
    meant = last_shown(history[:-1])
    if meant is None:
        return None
    return Call("run_history", {"name": meant.name, "playbook_id": meant.id, "question": question})


def plan_in_context(history: Sequence[Event], zone: str) -> dict[str, Any]:
    """Plan the latest words, reading them with the conversation: answers to a question, and references."""
    last = history[-1] if history else None
    if not isinstance(last, UserSaid):
        raise ValueError("plan_in_context reads the user's latest words; the history does not end with them")
    earlier = history[:-1]
    text, referent = resolve_by_time(last.text, shown_playbooks(earlier))
    decided = plan(text, zone)
    edit = as_edit(text) if last_shown(earlier) is not None else None
    if edit and decided.get("intent") in ("clarify", "create_playbook"):
        # "make it 8am", "also text me": a follow-up about the playbook in context, not a new one.
        followed = plan(edit, zone)
        if followed.get("intent") == "update_playbook" and followed.get("changes"):
            decided = followed
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
        elif isinstance(artifact, RunArtifact | RunLogArtifact) and artifact.playbook_id not in deleted:
            return Referent(artifact.playbook_id, artifact.playbook)
        elif isinstance(artifact, ConfirmArtifact) and artifact.playbook_id and artifact.playbook_id not in deleted:
            return Referent(artifact.playbook_id, artifact.name or "")
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


_ZONE_WORDS = re.compile(r"\b(?:eastern|central|mountain|pacific|utc|gmt|[a-z]+/[a-z_]+|[ecmp][sd]?t)\b", re.IGNORECASE)


def as_edits(changes: dict[str, Any], said: str) -> dict[str, Any]:
    """The planner's changes as edits of the stored playbook: a new schedule keeps what was not said (zone, days, time)."""
    changes = dict(changes)
    if "time" in changes or "days" in changes:
        changes.pop("triggers", None)  # the planner cannot know the playbook's own days, time or zone
    triggers = changes.get("triggers") or []
    if len(triggers) == 1 and triggers[0].get("type") == "schedule" and not _ZONE_WORDS.search(said):
        minute, hour, dom, month, dow = str(triggers[0]["cron"]).split()
        if minute.isdigit() and hour.isdigit() and (dom, month) == ("*", "*"):
            # "to Tuesdays at 10am": time and days change, the playbook's zone stays.
            del changes["triggers"]
            changes["time"] = f"{int(hour):02d}:{int(minute):02d}"
            changes["days"] = dow
    for trigger in changes.get("triggers") or []:
        trigger.pop("description", None)
    return changes


def tool_call(decided: dict[str, Any], tools: set[str], said: str = "") -> Call | None:
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
        call = Call("update_playbook", {**which, "changes": as_edits(decided["changes"], said)})
    else:
        return None
    return call if call.tool in tools else None
