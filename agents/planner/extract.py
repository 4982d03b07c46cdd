"""Second stage of the planner: extractors read the evidence for each intent out of a request.

As in `scheduler.timing.schedule_extractors`, the extractors run in a fixed order over
one working copy of the request, and each claims (blanks out) the words it used, so a
later one cannot read them again: a listing's words are not also a verb; the verb of
"stop sending me the digest" is not also a negation; the "for good" of "stop it for good"
turns the verb into a delete and is not read again. The schedule and the tasks are read
from the whole request by their own parsers (the schedule parser claims spans the same
way). What they find is a list of `Evidence(kind, intent)`; `agents.planner.intents`
scores the intents from it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from agents.planner import lexicon as V
from agents.planner import phrasing as W
from agents.planner.asks import actions
from agents.planner.normalise import Text, no_addresses
from agents.planner.tasks import find_event
from scheduler.timing.schedule_text import (
    ParsedSchedule,
    ScheduleTextError,
    parse_schedule,
)

_CLAUSES = re.compile(r"\s*[,;.!?]+\s*|\s+(?:so|and|but|then)\s+")
_NAMED = re.compile(r"\b(?:the|my|our|that|this)\s+((?:[\w'-]+\s+){0,3}?" + V.PLAYBOOK_NOUN + r")\b")
_RECURS = re.compile(r"\b(?:every|each|daily|weekly|when|whenever)\b")
_NOW = re.compile(r"\b(?:now|right\s+now|immediately|right\s+away|again|once)\b")
_INSTEAD = re.compile(r"\b(?:instead|rather\s+than|from\s+now\s+on|going\s+forward)\b")
# "change the low stock threshold to 10": a setting only an existing playbook has
_SETTING = re.compile(r"\b(?:threshold|limit|cutoff|trigger\s+level|time|schedule|frequency|channel|recipients?)\b")
# Some times only: "on weekends", "at night", "on Sundays", "on holidays".
_SOME_TIMES = re.compile(r"\b(?:on|at|during|over|in)\s+(?:the\s+)?(?:weekends?|holidays?|nights?|"
                         r"(?:mon|tues|wednes|thurs|fri|satur|sun)days?|(?:morning|afternoon|evening)s?|after\s+hours)\b|\bovernight\b")
_HABITUALLY = re.compile(r"\b(?:on|during)\s+(?:weekends|holidays|(?:mon|tues|wednes|thurs|fri|satur|sun)days)\b")
_FOR_GOOD = re.compile(r"\b(?:permanently|for\s+good|forever)\b")


@dataclass(frozen=True)
class Evidence:
    """One thing said that speaks for an intent: `kind` is a row of the score table."""

    kind: str
    intent: str


@dataclass
class Verb:
    """A verb about an existing playbook: its intent, the words after it, the name said in another clause."""

    intent: str
    match: re.Match
    named: str | None = None

    @property
    def rest(self) -> str:
        """The verb's object and what follows it."""
        return self.match.group("rest")


@dataclass
class Reading:
    """Everything the extractors found in one request."""

    text: Text
    timezone: str
    evidence: list[Evidence] = field(default_factory=list)
    verb: Verb | None = None
    schedule: ParsedSchedule | None = None
    problem: ScheduleTextError | None = None  # a schedule was said but cannot run as said
    event: str | None = None
    manual: bool = False  # "a button I press", "on demand": run only when asked
    free: str = ""  # the core with every claimed span blanked

    def add(self, kind: str, intent: str) -> None:
        """Record one piece of evidence."""
        self.evidence.append(Evidence(kind, intent))

    def claim(self, pattern: re.Pattern | str, keep: str | None = None) -> re.Match | None:
        """Find `pattern` in the words no extractor has used yet, and use them (all but group `keep`)."""
        m = re.search(pattern, self.free)
        if m:
            end = m.start(keep) if keep else m.end()
            self.free = self.free[:m.start()] + " " * (end - m.start()) + self.free[end:]
        return m


def target_of(rest: str) -> str:
    """The words of a verb's object that name a playbook: "the low stock alert for now" -> "low stock alert"."""
    if re.match(r"(?:all|everything|every\s+one)\b", rest):
        return "all playbooks"
    first = re.split(r"\s*[,:;!?]", rest.strip())[0]
    pronoun = re.match(r"(?:that|this)(?:\s+one)?(?=\s|$)", first)
    if pronoun and not V.TARGET_STOP.sub("", first[pronoun.end():]).strip():
        return pronoun.group(0)  # "run that now": "that" is the name, not a determiner before "now"
    t = V.TARGET_TRIM.sub("", first)
    t = V.TARGET_STOP.sub("", t)
    t = V.TARGET_TRIM.sub("", t)
    return V.TARGET_TRIM.sub("", t).strip(" '\"")


def _listing(r: Reading) -> None:
    """"Show me my playbooks": a listing, unless it also says when ("every morning")."""
    if any(r.claim(p) for p in V.LIST):
        r.add("asks_list", "list_playbooks")
        if _RECURS.search(r.text.core):  # "show me every morning ...": a schedule, so a new playbook
            r.add("recurs", "list_playbooks")


def _find_verb(core: str) -> Verb | None:
    """The first verb about an existing playbook at the start, or in a later clause that says "it".

    "I don't need the inventory export anymore, please delete it": the verb is not first,
    and "it" is the playbook named in another clause.
    """
    for intent, pattern in V.MANAGE:
        if m := re.match(pattern, core):
            return Verb(intent, m)
    clauses = [c for c in _CLAUSES.split(core) if c]
    for i, clause in enumerate(clauses[1:], 1):
        clause = V.POLITE.sub("", clause).strip()
        for intent, pattern in V.MANAGE:
            m = re.match(pattern, clause)
            if not m or target_of(m.group("rest")) not in V.PRONOUNS:
                continue
            named = next((n for c in clauses[:i] if (n := _NAMED.search(c))), None)
            if named:
                return Verb(intent, m, target_of(named.group(0)))
    return None


def _refers(r: Reading, verb: Verb) -> bool:
    """Whether the verb's object names an existing playbook: "the price alert", "it", "my playbook"."""
    rest = verb.rest
    target = verb.named or target_of(rest)
    edit_only = verb.intent == "update_playbook" and re.match(V.EDIT_ONLY, r.text.core)
    if re.match(V.STOP_ABOUT, r.text.core):
        return True
    return bool(verb.named or (re.match(V.REFERENCE, rest) and (
        re.search(V.PLAYBOOK_NOUN, target) or target in V.PRONOUNS
        or re.search(r"\b(?:playbook|automation|workflow)s?\b", rest) or edit_only
        or (verb.intent == "update_playbook" and re.search(_SETTING, rest)))))


def _verb(r: Reading) -> None:
    """A verb about an existing playbook, and what else speaks for it: its object names one, "instead", "now"."""
    verb = _find_verb(r.text.core)
    if verb is None:
        return
    rest = verb.rest
    if verb.intent == "pause_playbook" and r.claim(_FOR_GOOD):
        verb.intent = "delete_playbook"  # "stop the order alert for good": it should not come back
    elif verb.intent == "pause_playbook" and _INSTEAD.search(rest) and any(p.search(rest) for p in V.channels().values()):
        verb.intent = "update_playbook"  # "stop getting the price alert by email, text me instead": a new channel
    r.verb = verb
    if verb.match.string == r.text.core:  # a verb at the start: its words are used (not one in a later clause)
        r.free = " " * verb.match.start("rest") + r.free[verb.match.start("rest"):]
    r.add("edit_verb" if verb.intent == "update_playbook" else "verb", verb.intent)
    if verb.intent in ("pause_playbook", "delete_playbook") and r.claim(_HABITUALLY):
        r.add("negated_when", "clarify")  # "pause the sales report on weekends": a schedule change, not a pause
    if re.match(V.PERSONA + r"\b", rest):
        r.add("persona_object", "create_playbook")  # "have Craig draft ..." is a new playbook, not an edit
    target = verb.named or target_of(rest)
    if _refers(r, verb):
        r.add("refers", verb.intent)
    if "instead" in r.text.low and re.search(V.PLAYBOOK_NOUN, target):
        r.add("instead", verb.intent)
    if verb.intent == "run_playbook" and r.claim(_NOW):
        r.add("now", verb.intent)


def _negation(r: Reading) -> None:
    """"I no longer want the low stock alert": a delete (a pause when it is only for a while)."""
    if r.verb is not None:
        return
    m = r.claim(V.NEGATION, keep="rest")
    if m is None:
        return
    verb = Verb("pause_playbook" if r.claim(V.FOR_NOW) else "delete_playbook", m)
    # "no more low stock alerts": a bare noun phrase ending in a playbook noun names one too
    bare = re.match(r"(?!to\b|miss\b|lose\b|any\b)(?:[a-z-]+\s+){0,4}" + V.PLAYBOOK_NOUN
                    + r"(?:\s+(?:please|anymore|any\s+more))?[\s.!]*$", verb.rest)
    if not (_refers(r, verb) or bare):  # "I don't want to miss a sale" is no playbook to remove
        return
    r.verb = verb
    if r.claim(_SOME_TIMES):  # "don't run the sales report on weekends": not gone, only not then
        r.add("negated_when", "clarify")
        return
    r.add("negation", verb.intent)
    r.add("refers", verb.intent)


def _instead(r: Reading) -> None:
    """"Text me instead of emailing for the low stock alert": a new way of doing what a named playbook does."""
    if r.verb is not None or not r.claim(_INSTEAD):
        return
    named = _NAMED.search(r.text.core)
    if named:
        r.verb = Verb("update_playbook", re.match(r"(?P<rest>.*)", r.text.core), target_of(named.group(0)))
        r.add("edit_verb", r.verb.intent)
        r.add("refers", r.verb.intent)
        r.add("instead", r.verb.intent)


def _triggers(r: Reading) -> None:
    """A schedule (or one that cannot run as said) or an event: a trigger speaks for a new playbook."""
    try:
        r.schedule = parse_schedule(no_addresses(W.blank_other_playbooks(r.text.text)), r.timezone)
    except ScheduleTextError as e:
        r.problem = None if e.kind == "missing" else e
    found = find_event(W.blank_other_playbooks(r.text.low))
    r.event = found[0] if found else None
    r.manual = bool(V.MANUAL.search(r.text.low))
    if r.schedule or r.problem or r.event or r.manual:
        r.add("trigger", "create_playbook")


def _tasks(r: Reading) -> None:
    """Work the catalog knows ("check inventory") speaks for a new playbook."""
    if actions(r.text.low, r.event)[0]:
        r.add("tasks", "create_playbook")


EXTRACTORS = (_listing, _verb, _instead, _negation, _triggers, _tasks)  # in this order: each claims what it read


def read(text: Text, timezone: str) -> Reading:
    """Run every extractor over the request."""
    r = Reading(text, timezone, free=text.core)
    for extract in EXTRACTORS:
        extract(r)
    return r
