"""Requests about existing playbooks: pause, resume, delete, run and update.

Whether a request is about an existing playbook is decided by `agents.planner.intents`;
`manage(...)` carries it out: the playbook's name as said, and what an update changes.
"""
from __future__ import annotations

import re

from agents.planner import lexicon as V
from agents.planner import phrasing as W
from agents.planner.asks import actions
from agents.planner.conditions import numbers
from agents.planner.extract import Verb, target_of
from agents.planner.normalise import Text, no_addresses
from scheduler.catalog import ACTIONS
from scheduler.timing.schedule_text import (
    ParsedSchedule,
    ScheduleTextError,
    parse_schedule,
)


def result(intent: str, message: str, target: str | None = None, playbook: dict | None = None,
            **extra) -> dict:
    """A plan as the contract shapes it: intent, target, playbook, message (and extra keys such as changes)."""
    return {"intent": intent, "target": target, "playbook": playbook, "message": message, **extra}


def clarify(message: str) -> dict:
    """A plan that asks the user a question instead of acting."""
    return result("clarify", message)


def schedule_trigger(s: ParsedSchedule) -> dict:
    """A schedule trigger, with its description for the confirmation (taken out before it is returned)."""
    return {"type": "schedule", "cron": s.cron, "timezone": s.timezone, "description": s.description}


_NOT_CHANNEL = re.compile(r"\b(?:instead\s+of|rather\s+than|from|not|don't|do\s+not|never|no)\s+(?:by\s+|via\s+|on\s+|in\s+|an?\s+)?"
                          r"(?:e-?mail\w*|text\w*|sms|slack|in-?app|notif\w*|push)(?:\s+(?:me|us|messages?))?")
_BARE_CHANNELS = {"send_email": re.compile(r"\be-?mail\b"), "send_sms": re.compile(r"\b(?:texts?|sms)\b"),
                  "post_slack": re.compile(r"\bslack\b"), "notify": re.compile(r"\b(?:in-?app|the\s+app|notifications?)\b")}
_OLD_WHEN = re.compile(r"(?i)\b(?:instead\s+of|rather\s+than|not|from)\s+(?:at\s+|on\s+)?(?:\d{1,2}(?::\d{2})?\s*(?:am|pm)?|"
                       r"noon|midnight|(?:mon|tues|wednes|thurs|fri|satur|sun)days?)(?=\W|$)")
_ONLY_DAYS = re.compile(r"\b(?:(?:mon|tues|wednes|thurs|fri|satur|sun)days?|weekdays|weekends?|week\s?days)\b")
_A_TIME = re.compile(r"\d|\b(?:noon|midnight|morning|afternoon|evening|night|nightly|hourly|daily|every\s+day)\b")
_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_NO = re.compile(r"\b(?:don't|do\s+not|no\s+longer|not|never|no\s+more)\b")
_ADD = re.compile(r"\b(?:also|add|adds|adding|plus|as\s+well|too|include|including)\b")


def _update_changes(text: str, low: str, after: str, timezone: str, verb: str = "") -> dict:
    """What the request changes, read from the words after the playbook's name (and a channel verb before it)."""
    changes: dict = {}
    at = low.rfind(after) if after.strip() else -1
    said = text[at:at + len(after)] if at >= 0 else after  # original case, for "ET", "PT"
    said = _OLD_WHEN.sub(" ", said)  # "at 7am instead of 9am": only the new time
    try:
        sched = parse_schedule(no_addresses(said), timezone)
        changes["triggers"] = [schedule_trigger(sched)]
        minute, hour, dom, month, dow = sched.cron.split()
        if not re.search(r"\b(?:every|each|daily|nightly|hourly|weekly|monthly|quarterly|week|month|"
                         r"[a-z]+days?|weekends?|mornings|evenings)\b", after):
            if minute.isdigit() and hour.isdigit():
                changes["time"] = f"{int(hour):02d}:{int(minute):02d}"
        elif _ONLY_DAYS.search(after) and not _A_TIME.search(after) and (dom, month) == ("*", "*") and dow != "*":
            changes["days"] = dow  # "move it to Tuesdays": the playbook keeps its time and zone
    except ScheduleTextError:
        pass
    wanted = _NOT_CHANNEL.sub(" ", f"{verb} {after}")  # "text me instead of email": only the new channel
    # "I don't want it by email anymore, text me": a clause that says no names no new channel
    wanted = " , ".join(c for c in re.split(r"[,;]|\s+but\s+", wanted) if not _NO.search(c)) or wanted
    channels = [c for c, p in V.channels().items() if p.search(wanted)] or [
        c for c, p in _BARE_CHANNELS.items() if p.search(wanted)]  # "from email to text"
    channels = [c for c in channels if c != "notify"] or channels
    if len(channels) > 1 and re.search(r"\binstead\b", wanted):
        # "by email and get a text instead": the clause saying "instead" names the new channel
        clause = next(c for c in re.split(r",|;|\s+and\s+|\s+but\s+", wanted) if re.search(r"\binstead\b", c))
        channels = [c for c in channels if V.channels()[c].search(clause)
                    or (c in _BARE_CHANNELS and _BARE_CHANNELS[c].search(clause))] or channels
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
        changes["add_steps"] = added + channels
    addresses = list(dict.fromkeys(a.rstrip(".") for a in _ADDRESS.findall(after)))
    if addresses:  # "send it to jane@example.com as well": more recipients, not an email to me
        changes["add_recipients"] = addresses
        for key in ("add_steps", "delivery"):
            if key in changes and "send_email" in changes[key] and not re.search(r"\b(?:me|us)\b", after):
                changes[key] = [c for c in changes[key] if c != "send_email"]
                if not changes[key]:
                    del changes[key]
    return changes


def _update_message(name: str, changes: dict) -> str:
    said = []
    if "triggers" in changes:
        when = changes["triggers"][0].pop("description")
        if "time" in changes:  # only a time was said: the playbook keeps its days
            hour, minute = map(int, changes["time"].split(":"))
            when = f"at {(hour % 12) or 12}:{minute:02d} {'AM' if hour < 12 else 'PM'} on its usual days"
        elif "days" in changes:  # only days were said: the playbook keeps its time and zone
            when = f"{when.split(' at ')[0]} at its usual time"
        said.append(f"it will now run {when}")
    if "delivery" in changes:
        said.append("it will now " + W.join_words([ACTIONS[c].phrase for c in changes["delivery"]]))
    if "threshold" in changes:
        said.append(f"the threshold is now {changes['threshold']}")
    if "name" in changes:
        said.append(f"it is now called '{changes['name']}'")
    if "add_steps" in changes:
        said.append("it will also " + W.join_words([ACTIONS[a].phrase for a in changes["add_steps"]]))
    if "add_recipients" in changes:
        said.append("it will also go to " + W.join_words(changes["add_recipients"]))
    if not said:
        return f"What should I change about {name}? A time, a channel, a threshold or a step?"
    return f"Updated {name}: " + "; ".join(said) + "."


_MESSAGES = {
    "pause_playbook": "Paused {name}. {They} won't run until you resume {them}.",
    "resume_playbook": "Resumed {name}. {They} will run on schedule again.",
    "delete_playbook": "Deleted {name}. {Their} past runs stay in the history.",
    "run_playbook": "Running {name} now. I'll post the results here when it finishes.",
}


def manage(intent: str, verb: Verb, text: Text, timezone: str) -> dict:
    """The plan for a request about an existing playbook: its target, and for an update the changes."""
    rest = verb.rest
    target = verb.named or target_of(rest)
    if not target:
        return clarify(f"Which playbook do you want me to {intent.split('_')[0]}?")
    name = f"'{target}'"
    if intent == "update_playbook":
        at = rest.find(target)
        if verb.named and at > 0:  # "text me instead of emailing for the low stock alert": all but the name
            after = rest[:at] + rest[at + len(target):]
        else:
            after = rest[at + len(target):] if at >= 0 else rest
        if verb.match.groupdict().get("add"):  # "add a Slack message to the low stock alert"
            after = f"also {verb.match.group('add')} {after}"
        said = verb.match.string[:verb.match.start("rest")] if re.match(r"(?:email|text|ping|post)\b", verb.match.string) else ""
        changes = _update_changes(text.text, text.low, after, timezone, said)
        return result(intent, _update_message(name, changes), target, changes=changes)
    many = target == "all playbooks"
    words = {"name": "all your playbooks" if many else name, "They": "They" if many else "It",
             "them": "them" if many else "it", "Their": "Their" if many else "Its"}
    return result(intent, _MESSAGES[intent].format(**words), target)
