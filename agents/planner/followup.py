"""Follow-ups and compound requests: "make it 8am", "also text me", "pause it until Monday", "daily at 9 ... also Fridays at 5".

A follow-up is said about the playbook in context; `as_edit` words it the way the
update reading understands ("change it to 8am", "change it: also text me"). `until`
reads the end of a pause. `parts` splits a message that asks for several schedules
into one request each, so they become several playbooks, never one merged schedule.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from agents.planner.normalise import no_addresses
from scheduler.timing.schedule_text import ScheduleTextError, parse_schedule

_IT = r"(?:it|that|this|that\s+one|this\s+one|them)"
_LEAD = r"^(?:(?:actually|ok|okay|oh|and|but|hmm|wait|sorry|please|pls|also\s+please)[\s,]+)*"
_EDITS = [
    # "make it 8am", "set it to Tuesdays", "move it to 7:30", "switch it to texts"
    (re.compile(_LEAD + rf"(?:make|set|change|move|switch|put|have|turn)\s+{_IT}\s+"
                r"(?:to\s+|run\s+|go\s+out\s+|happen\s+|be\s+)?(?P<rest>.+)$"),
     "change it to {rest}"),
    # "also text me", "and send it to jane@example.com", "plus Slack"
    (re.compile(_LEAD + r"(?:also|plus|and\s+also)\s+(?P<rest>.+)$"), "change it: also {rest}"),
    # "send it to jane@example.com as well", "text me too"
    (re.compile(_LEAD + r"(?P<rest>(?:send|email|e-mail|text|sms|post|cc|copy|notify|ping|add)\b.+?)\s+(?:too|as\s+well)[\s.!]*$"),
     "change it: also {rest}"),
    # "at 8am instead", "on Tuesdays instead", "text me instead"
    (re.compile(_LEAD + r"(?P<rest>.+?)\s+instead(?:\s+of\s+.+)?[\s.!]*$"), "change it to {rest} instead"),
]
_POLITE = re.compile(r"^(?:(?:can|could|would)\s+you\s+(?:please\s+)?|please\s+)", re.IGNORECASE)


def as_edit(text: str) -> str | None:
    """A follow-up about the playbook in context, worded as an update of "it"; None if the words are no follow-up."""
    said = _POLITE.sub("", text.strip()).rstrip(" ?")
    low = said.lower()
    if re.match(r"(?:change|update|edit|modify)\s+(?:it|that|this)\b", low):
        return None  # already an update of "it"
    for pattern, form in _EDITS:
        found = pattern.match(low)
        if found:
            at = found.start("rest")
            return form.format(rest=said[at:at + len(found.group("rest"))])
    return None


_DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
UNTIL = re.compile(r"\s+(?:until|till|til|through|thru)\s+(?P<when>(?:next\s+)?(?:mon|tues|wednes|thurs|fri|satur|sun)day|"
                   r"tomorrow|next\s+week|(?:the\s+)?weekend|next\s+month)\b[\s.!]*$", re.IGNORECASE)


def until(text: str, zone: str, now: datetime) -> tuple[str, str | None]:
    """'pause it until Monday' -> ('pause it', start of next Monday in the zone, ISO in UTC); the text unchanged otherwise."""
    found = UNTIL.search(text)
    if not found:
        return text, None
    when = found.group("when").lower().replace("next ", "")
    local = now.astimezone(ZoneInfo(zone))
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if when == "tomorrow":
        day = midnight + timedelta(days=1)
    elif when in ("week", "weekend"):
        target = 0 if when == "week" else 5
        day = midnight + timedelta(days=(target - local.weekday()) % 7 or 7)
    elif when == "month":
        day = (midnight.replace(day=1) + timedelta(days=32)).replace(day=1)
    else:
        day = midnight + timedelta(days=(_DAYS.index(when) - local.weekday()) % 7 or 7)
    return text[:found.start()], day.astimezone(ZoneInfo("UTC")).isoformat().replace("+00:00", "Z")


# Where one request ends and the next begins: "..., also ...", ". Also ...", "; and ...".
_SPLIT = re.compile(r"(?:\s*[.;!]\s+|\s*,\s*|\s+)(?:and\s+)?(?:also|additionally|plus)\b[\s,]*|\s*[.;!]\s+(?=[A-Za-z])",
                    re.IGNORECASE)
_WHEN_WORDS = re.compile(r"\b(?:every\s+(?:day|morning|evening|night|week|month)|daily|nightly|weekly|monthly|each\s+day|"
                         r"(?:on\s+)?(?:mon|tues|wednes|thurs|fri|satur|sun)days?|weekdays|weekends?|at\s+\d{1,2}(?::\d{2})?"
                         r"\s*(?:am|pm)?|\d{1,2}(?::\d{2})?\s*(?:am|pm)|noon|midnight|in\s+the\s+(?:morning|evening|afternoon))\b",
                         re.IGNORECASE)


def _schedule(text: str, zone: str) -> str | None:
    try:
        return parse_schedule(no_addresses(text), zone).cron
    except ScheduleTextError:
        return None


def parts(text: str, zone: str) -> list[str]:
    """The separate requests of a message that names several schedules; [text] when it names one (or none)."""
    pieces = [p.strip(" ,.;") for p in _SPLIT.split(text) if p and p.strip(" ,.;")]
    if len(pieces) < 2:
        return [text]
    timed = [p for p in pieces if _WHEN_WORDS.search(no_addresses(p)) and _schedule(p, zone)]
    if len(timed) < 2 or len({_schedule(p, zone) for p in timed}) < 2:
        return [text]
    # A piece with a schedule and no task of its own ("also Fridays at 5") does the task said before it.
    out: list[str] = []
    task = ""
    for piece in pieces:
        bare = _WHEN_WORDS.sub(" ", piece)
        bare = re.sub(r"\b(?:at|on|every|each|and|the|in)\b", " ", bare, flags=re.IGNORECASE)
        if re.search(r"[a-z]{3,}", bare, re.IGNORECASE):
            task = _WHEN_WORDS.sub(" ", piece)
            out.append(piece)
        elif out:
            out.append(f"{piece} {task}".strip())
        else:
            task = ""
            out.append(piece)
    return [re.sub(r"\s+", " ", p).strip() for p in out if _WHEN_WORDS.search(p)] or [text]
