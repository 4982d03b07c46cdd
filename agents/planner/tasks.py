"""New playbooks: the steps, delivery, alert condition, event and owner read from a request.

Used by `agents.planner` (see its docstring for the fields conditions read). Everything
here matches the vocabulary of `agents.planner.lexicon`; nothing knows a whole sentence.
"""
from __future__ import annotations

import re

from agents.planner import lexicon as V
from agents.planner import phrasing as W
from agents.planner.asks import actions
from agents.planner.conditions import alert, first_number
from scheduler.catalog import ACTIONS, DEFAULT_PERSONA, EVENTS


def find_event(low: str) -> tuple[str, re.Match] | None:
    """The first event of the lexicon's list (narrower events first) said in the request, with its match."""
    for name, pattern in V.event_words():
        m = pattern.search(low)
        if m:
            return name, m
    return None


# An address said in the request ("email it to purchasing@shop.com"): it is the recipient, never dropped.
_ME_TOO = re.compile(r"\b(?:email|send|mail)\s+(?:it\s+to\s+)?(?:me|us)\b|\b(?:me|us)\s+and\b|\band\s+(?:me|us)\b")
_IN_APP = re.compile(r"\bin[\s-]?(?:the\s+)?app\b|\bapp\s+notifications?\b|\bpush\s+notifications?\b")
_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _to_customer(low: str, event: str | None) -> bool:
    """Whether a message goes to the customer the event is about (a sign-up, a lapse, the buyer of an order)."""
    return bool(event and event.split(".")[0] in ("customer", "order") and V.TO_CUSTOMER.search(low))


def _recipient(low: str, event: str | None, channel: str) -> str | list[str]:
    customer = _to_customer(low, event)
    if channel == "send_email":
        said = list(dict.fromkeys(a.rstrip(".") for a in _ADDRESS.findall(low)))
        if said:
            me = ["{{user.email}}"] if _ME_TOO.search(low) else []
            return said[0] if len(said) == 1 and not me else me + said
        return "{{event.customer.email}}" if customer else "{{org.team_email}}" if V.TEAM.search(low) else "{{user.email}}"
    return "{{event.customer.phone}}" if customer else "{{user.phone}}"


_DELIVER = r"(?:email|e-mail|text|send|post|notify|alert|ping|message|slack|save|let\s+me|tell\s+me)"
# A persona's task runs to the end of its clause: punctuation, "and/then <deliver>",
# "<deliver> me" after the task's first word ("have Pops email me ..." is Pops's task),
# or the next persona asked.
_SPAN_END = re.compile(r"[,.;!?]|\s+(?:(?:and|then)\s+)+" + _DELIVER + r"\b|"
                       r"\s+(?:email|e-mail|text|send|notify|alert|ping|tell|let)\s+(?:me|us)\b")


# Steps that already put the result somewhere or before someone (or hand it to other playbooks): no in-app notice
# is added for them.
_SETTLED = ("save_to_drive", "post_webhook", "request_approval", "emit_event", "run_playbook")
# Steps that only go ahead when the alert condition holds ("if anything is low, raise an event").
_REACTS = ("request_approval", "emit_event", "run_playbook")


def _persona_spans(low: str) -> list[tuple[int, int, str]]:
    """(start, end, persona) of each task handed to a persona: "have Craig <task>"."""
    asks = list(V.PERSONA_ASK.finditer(low))
    spans = []
    for i, m in enumerate(asks):
        stop = asks[i + 1].start() if i + 1 < len(asks) else len(low)
        verb = re.match(r"\s*\S*", low[m.end():stop])  # its own first word never ends it
        end = _SPAN_END.search(low, m.end() + verb.end(), stop)
        spans.append((m.end(), end.start() if end else stop, V.persona_id(m.group(1))))
    return spans


def _reminder(low: str) -> str | None:
    m = re.search(r"\b(?:remind\s+(?:me|us|the\s+team)|reminder)\b.*?\bto\s+(.+?)(?:[.!?]|$)", low)
    if not m:
        return None
    task = re.split(r"\s+(?:every|each|daily|nightly|weekly|monthly|at\s+\d|on\s+[a-z]+days?\b|in\s+the\s+"
                    r"(?:morning|afternoon|evening)|by\s+(?:text|email|sms|slack))\b", m.group(1))[0]
    return task.strip(" ,")


def _channels(low: str, reminder: str | None) -> list[str]:
    scope = low.replace(reminder, " ") if reminder else low
    hits = {c: next((m for m in p.finditer(scope) if not V.NEGATED.search(scope, 0, m.start())), None)
            for c, p in V.channels().items()}
    found = sorted((c for c in hits if hits[c]), key=lambda c: hits[c].start())  # in the order said
    if len(found) > 1 and "notify" in found and not _IN_APP.search(scope):
        found.remove("notify")  # "alert me on Slack" is one Slack message, not two; "in the app" is its own channel
    if _ADDRESS.search(scope) and "send_email" not in found:
        # "send the report to accounting@shop.com": an address is mailed
        found = [c for c in found if c != "notify"] + ["send_email"]
    return found or (["notify"] if reminder else [])


def owner(steps: list[dict], event: str | None, delegated: set[int]) -> str:
    """Pricing wins; else whoever owns the last substantive step; else the event's domain."""
    pricing = next((ACTIONS[s["action"]].owner for s in steps if ACTIONS[s["action"]].family == "pricing"), None)
    if pricing:
        return pricing
    owned = [s["action"] for i, s in enumerate(steps) if i not in delegated and ACTIONS[s["action"]].owner]
    if owned:
        return ACTIONS[owned[-1]].owner
    if delegated:  # only handed-over work: the persona it went to owns it
        last = steps[max(delegated)]
        return last.get("agent") or last["params"]["agent"]
    return EVENTS[event].owner if event else DEFAULT_PERSONA


def _delivery_params(channel: str, text: str, low: str, event: str | None, body: str) -> dict:
    if channel == "send_email":  # the subject is the playbook name, known once steps are chosen
        return {"to": _recipient(low, event, channel), "subject": "", "body": body}
    if channel == "send_sms":
        return {"to": _recipient(low, event, channel), "message": body}
    slack = re.search(r"#([\w-]+)", text) if channel == "post_slack" else None
    return {**({"channel": "#" + slack.group(1)} if slack else {}), "message": body}


def build_steps(text: str, low: str, event: str | None, nums: list) -> tuple[list[dict], dict, str | None, str]:
    """The playbook's steps, the feature matches, the alert condition and its words."""
    reminder = _reminder(low)
    scan = low.replace(reminder, " " * len(reminder)) if reminder else low
    acts, f = actions(scan, event)
    condition, source, cond_words, source_params = alert(acts, f, nums)
    spans = _persona_spans(low)
    steps: list[dict] = []
    delegated: set[int] = set()
    # By stage, then after what a step reads from the same stage, then in the order said.
    for a in sorted(acts, key=lambda a: (ACTIONS[a].stage, any(r in acts for r in ACTIONS[a].reads), acts[a])):
        who = next((p for lo, hi, p in spans if lo <= acts[a] < hi), None)
        clause = next((low[lo:hi].strip() for lo, hi, p in spans if lo <= acts[a] < hi), "")
        step: dict = {"action": a}
        if who or ACTIONS[a].thinking:
            step["agent"] = who or ACTIONS[a].owner
        if who:
            delegated.add(len(steps))
        units = first_number(nums, "units", "count")
        step["params"] = W.step_params(a, text, low, f, units[1] if units else None, clause)
        steps.append(step)
    for lo, hi, persona in spans:  # "have Craig handle it": nothing we know, so hand it over
        if not any(lo <= acts[a] < hi for a in acts) and low[lo:hi].strip():
            delegated.add(len(steps))
            steps.append({"action": "delegate", "params": {"agent": persona, "task": W.literal(low[lo:hi].strip())}})
    handoff: set[int] = set()
    for m in V.HAND_TO.finditer(low):  # work passed on after it is done, not asked of the persona up front
        persona = V.persona_id(m.group("who"))
        if not any(s.get("agent") == persona or s["params"].get("agent") == persona for s in steps):
            delegated.add(len(steps))
            handoff.add(len(steps))
            what = re.sub(r"^(?:it|them|this|that)\s*$", "", m.group("what").strip()) or "the results"
            steps.append({"action": "delegate", "params": {"agent": persona, "task": W.literal(f"follow up on {what}")}})
    channels = _channels(low, reminder)
    if not channels and steps and V.SEND_TO_ME.search(low):
        channels = ["send_email"]
    quiet = any(s["action"] in _SETTLED for s in steps)
    if not channels and not quiet and (condition or any(ACTIONS[s["action"]].tells for s in steps)):
        channels = ["notify"]
    last = next((s["action"] for s in reversed(steps) if ACTIONS[s["action"]].stage < 3), None)
    field = "content" if last and "content" in ACTIONS[last].outputs else "summary"  # drafts carry their text
    body = (f"Reminder: {W.literal(reminder)}" if reminder else f"{{{{{last}.{field}}}}}" if last
            else W.event_body(event, bool(f["welcome"]), _to_customer(low, event)))
    steps += [{"action": c, "params": _delivery_params(c, text, low, event, body)} for c in channels]
    if condition:
        at = next(i for i, s in enumerate(steps) if s["action"] == source)
        # "undercut us by more than 10%": 10 is also analyze_pricing's threshold, so the alert names only those.
        steps[at]["params"].update(source_params)
        for i, s in enumerate(steps):
            if i > at and (ACTIONS[s["action"]].delivery or s["action"] in _REACTS or i in delegated):
                s["condition"] = condition
    return (steps, {"f": f, "reminder": reminder, "delegated": delegated, "handoff": handoff},
            condition, cond_words)
