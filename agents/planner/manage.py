"""Requests about existing playbooks: pause, resume, delete, run and update.

`manage(...)` returns the plan for such a request, or None when the words describe a
new playbook instead ("have Craig draft ...", "delete old drafts every night").
"""
from __future__ import annotations

import re

from agents.planner import lexicon as V
from agents.planner import phrasing as W
from agents.planner.asks import actions
from agents.planner.tasks import numbers
from scheduler.catalog import ACTIONS
from scheduler.timing.schedule_text import ParsedSchedule, ScheduleTextError, parse_schedule


def result(intent: str, message: str, target: str | None = None, playbook: dict | None = None,
            **extra) -> dict:
    return {"intent": intent, "target": target, "playbook": playbook, "message": message, **extra}


def clarify(message: str) -> dict:
    return result("clarify", message)


def schedule_trigger(s: ParsedSchedule) -> dict:
    return {"type": "schedule", "cron": s.cron, "timezone": s.timezone, "description": s.description}


def _target(rest: str) -> str:
    if re.match(r"(?:all|everything|every\s+one)\b", rest):
        return "all playbooks"
    t = V.TARGET_TRIM.sub("", rest.strip())
    t = V.TARGET_STOP.sub("", t)
    t = V.TARGET_TRIM.sub("", t)
    return V.TARGET_TRIM.sub("", t).strip(" '\"")


_NOT_CHANNEL = re.compile(r"\b(?:instead\s+of|rather\s+than|from|not)\s+(?:by\s+|via\s+|on\s+|in\s+|an?\s+)?"
                          r"(?:e-?mail\w*|text\w*|sms|slack|in-?app|notif\w*|push)(?:\s+(?:me|us|messages?))?")
_BARE_CHANNELS = {"send_email": re.compile(r"\be-?mail\b"), "send_sms": re.compile(r"\b(?:texts?|sms)\b"),
                  "post_slack": re.compile(r"\bslack\b"), "notify": re.compile(r"\b(?:in-?app|the\s+app|notifications?)\b")}
_ADD = re.compile(r"\b(?:also|add|adds|adding|plus|as\s+well|too|include|including)\b")


def _update_changes(text: str, low: str, after: str, timezone: str, verb: str = "") -> dict:
    """What the request changes, read from the words after the playbook's name (and a channel verb before it)."""
    changes: dict = {}
    at = low.rfind(after) if after.strip() else -1
    said = text[at:at + len(after)] if at >= 0 else after  # original case, for "ET", "PT"
    try:
        sched = parse_schedule(said, timezone)
        changes["triggers"] = [schedule_trigger(sched)]
        if not re.search(r"\b(?:every|each|daily|nightly|hourly|weekly|monthly|quarterly|week|month|"
                         r"[a-z]+days?|weekends?|mornings|evenings)\b", after):
            minute, hour = sched.cron.split()[:2]
            if minute.isdigit() and hour.isdigit():
                changes["time"] = f"{int(hour):02d}:{int(minute):02d}"
    except ScheduleTextError:
        pass
    wanted = _NOT_CHANNEL.sub(" ", f"{verb} {after}")  # "text me instead of email": only the new channel
    channels = [c for c, p in V.CHANNELS.items() if p.search(wanted)] or [
        c for c, p in _BARE_CHANNELS.items() if p.search(wanted)]  # "from email to text"
    channels = [c for c in channels if c != "notify"] or channels
    adding = bool(_ADD.search(after))
    if channels and not adding:
        changes["delivery"] = channels
    nums = numbers(after)
    if nums:
        changes["threshold"] = nums[0][1]
    rename = re.search(r"\brename\b.*?\bto\s+(.+?)[.!?]*$", low)
    if rename:
        changes["name"] = rename.group(1).strip(" '\"").title()
    added = [a for a in actions(after, None)[0] if not ACTIONS[a].delivery]
    if adding and not rename and (added or channels):  # "also post to Slack": one more step
        changes["add_steps"] = added + [c for c in channels if c != "post_webhook"]
    return changes


def _update_message(name: str, changes: dict) -> str:
    said = []
    if "triggers" in changes:
        when = changes["triggers"][0].pop("description")
        if "time" in changes:  # only a time was said: the playbook keeps its days
            hour, minute = map(int, changes["time"].split(":"))
            when = f"at {(hour % 12) or 12}:{minute:02d} {'AM' if hour < 12 else 'PM'} on its usual days"
        said.append(f"it will now run {when}")
    if "delivery" in changes:
        said.append("it will now " + W.join_words([ACTIONS[c].phrase for c in changes["delivery"]]))
    if "threshold" in changes:
        said.append(f"the threshold is now {changes['threshold']}")
    if "name" in changes:
        said.append(f"it is now called '{changes['name']}'")
    if "add_steps" in changes:
        said.append("it will also " + W.join_words([ACTIONS[a].phrase for a in changes["add_steps"]]))
    if not said:
        return f"What should I change about {name}? A time, a channel, a threshold or a step?"
    return f"Updated {name}: " + "; ".join(said) + "."


_PRONOUN = ("it", "them", "that", "this", "that one", "this one")
_CLAUSES = re.compile(r"\s*[,;.!?]+\s*|\s+(?:so|and|but|then)\s+")
_NAMED = re.compile(r"\b(?:the|my|our|that|this)\s+((?:[\w'-]+\s+){0,3}?" + V.PLAYBOOK_NOUN + r")\b")


def _verbs(core: str) -> list[tuple[str, re.Match, str | None]]:
    """(intent, match, name said elsewhere) for the request, or for a later clause of it.

    "I don't need the inventory export anymore, please delete it": the verb is not first,
    and "it" is the playbook named in another clause.
    """
    found = [(intent, m, None) for intent, pattern in V.MANAGE if (m := re.match(pattern, core))]
    if found:
        return found
    clauses = [c for c in _CLAUSES.split(core) if c]
    for i, clause in enumerate(clauses[1:], 1):
        clause = V.POLITE.sub("", clause).strip()
        for intent, pattern in V.MANAGE:
            m = re.match(pattern, clause)
            if not m or _target(m.group("rest")) not in _PRONOUN:
                continue
            named = next((n for c in clauses[:i] if (n := _NAMED.search(c))), None)
            if named:
                return [(intent, m, _target(named.group(0)))]
    return []


def manage(core: str, text: str, low: str, timezone: str, has_trigger: bool) -> dict | None:
    for intent, m, named in _verbs(core):
        rest = m.group("rest")
        if re.match(V.PERSONA + r"\b", rest):
            return None  # "have Craig draft ..." is a new playbook, not an edit
        target = named or _target(rest)
        refers = bool(named) or (bool(re.match(V.REFERENCE, rest)) and bool(
            re.search(V.PLAYBOOK_NOUN, target) or target in _PRONOUN
            or re.search(r"\b(?:playbook|automation|workflow)s?\b", rest)
            or (intent == "update_playbook" and re.match(V.EDIT_ONLY, core))))
        if intent == "update_playbook":
            if not (refers or ("instead" in low and re.search(V.PLAYBOOK_NOUN, target))):
                return None
        elif intent == "run_playbook":
            if not (refers or re.search(r"\b(?:now|right\s+now|immediately|right\s+away|again|once)\b", core)
                    or not has_trigger):
                return None
        elif has_trigger and not refers:
            return None
        if intent == "pause_playbook" and re.search(r"\b(?:permanently|for\s+good|forever)\b", low):
            intent = "delete_playbook"  # "stop the order alert for good": it should not come back
        if not target:
            verb = intent.split("_")[0]
            return clarify(f"Which playbook do you want me to {verb}?")
        name = f"'{target}'"
        if intent == "update_playbook":
            at = rest.find(target)
            verb = m.string[:m.start("rest")] if re.match(r"(?:email|text|ping|post)\b", m.string) else ""
            changes = _update_changes(text, low, rest[at + len(target):] if at >= 0 else rest, timezone, verb)
            return result(intent, _update_message(name, changes), target, changes=changes)
        if target == "all playbooks":
            name = "all your playbooks"
        they = "They" if target == "all playbooks" else "It"
        messages = {
            "pause_playbook": f"Paused {name}. {they} won't run until you resume {'them' if they == 'They' else 'it'}.",
            "resume_playbook": f"Resumed {name}. {they} will run on schedule again.",
            "delete_playbook": f"Deleted {name}. {'Their' if they == 'They' else 'Its'} past runs stay in the history.",
            "run_playbook": f"Running {name} now. I'll post the results here when it finishes.",
        }
        return result(intent, messages[intent], target)
    return None


