"""A follow-up as an edit of the stored playbook: only what was said changes; days, zone and steps not mentioned stay.

`apply(spec, changes)` is pure: the stored spec (as `PlaybookService.spec_of` gives it)
and the changes a model asked for -> the new spec. `describe(spec)` words a spec in a
few lines so a change is shown as before -> after, and `risks(before, after)` names
what needs the user's yes (a delivery removed, a recipient or webhook added).
"""
from __future__ import annotations

import copy
import re
from typing import Any

from scheduler.catalog import ACTIONS
from scheduler.expressions.templates import literal
from scheduler.timing.cron import describe as cron_words

# What the update tool understands besides the stored fields (name, agent, category, status, triggers, steps).
EDIT_KEYS = ("time", "days", "timezone", "delivery", "add_steps", "remove_steps", "add_recipients", "threshold")
EMAIL = re.compile(r"^[^@\s{}]+@[^@\s{}]+\.[a-z]{2,}$", re.IGNORECASE)
# Who a new delivery step goes to when the user says "text me", "email me": the user, from the run context.
ME = {"send_email": "{{user.email}}", "send_sms": "{{user.phone}}"}


class EditError(ValueError):
    """A change that cannot be applied as said; the model (or the user) can fix it."""


def is_delivery(action: str) -> bool:
    """Whether an action delivers something to someone (email, text, Slack, in-app, webhook)."""
    known = ACTIONS.get(action)
    return bool(known and known.delivery)


def _hhmm(value: Any) -> tuple[int, int]:
    try:
        hour, minute = (int(x) for x in str(value).split(":"))
    except ValueError:
        hour = minute = -1
    if not (0 <= hour < 24 and 0 <= minute < 60):
        raise EditError(f"time must be HH:MM, got {value!r}")
    return hour, minute


def _schedules(triggers: list[dict[str, Any]], change: Any) -> list[dict[str, Any]]:
    """Each schedule trigger with its cron fields changed by `change(fields) -> fields`; other triggers as they were."""
    out = []
    for trigger in triggers:
        fields = str(trigger.get("cron") or "").split()
        if trigger.get("type") == "schedule" and len(fields) == 5:
            trigger = {**trigger, "cron": " ".join(change(fields))}
        out.append(trigger)
    return out


def _body_of(steps: list[dict[str, Any]]) -> tuple[str, str | None]:
    """What the existing deliveries say, and their condition (a new channel says the same, under the same condition)."""
    for step in steps:
        if is_delivery(step.get("action", "")):
            params = step.get("params") or {}
            return str(params.get("body") or params.get("message") or ""), step.get("condition")
    return "", None


def delivery_step(action: str, body: str, condition: str | None, subject: str, to: Any = None) -> dict[str, Any]:
    """A new delivery step saying `body`, under `condition`, to the user unless `to` says otherwise."""
    if action == "send_email":
        # The subject is the playbook's name: words, never a template.
        params: dict[str, Any] = {"to": to or ME["send_email"], "subject": literal(subject), "body": body}
    elif action == "send_sms":
        params = {"to": to or ME["send_sms"], "message": body}
    else:
        params = {"message": body}
    step: dict[str, Any] = {"action": action, "params": params}
    if condition:
        step["condition"] = condition
    return step


def _recipients(value: Any) -> list[str]:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v) for v in value or []]


def _add_recipients(spec: dict[str, Any], addresses: list[str]) -> None:
    bad = [a for a in addresses if not EMAIL.match(a)]
    if bad:
        raise EditError("not an email address: " + ", ".join(bad))
    emails = [s for s in spec["steps"] if s.get("action") == "send_email"]
    if not emails:
        body, condition = _body_of(spec["steps"])
        spec["steps"].append(delivery_step("send_email", body, condition, spec["name"], addresses))
        return
    for step in emails:
        params = step.setdefault("params", {})
        have = _recipients(params.get("to"))
        for address in addresses:
            if address.lower() not in {h.lower() for h in have}:
                have.append(address)
        params["to"] = have


def _threshold(steps: list[dict[str, Any]], number: Any) -> None:
    try:
        value = float(number)
    except (TypeError, ValueError):
        raise EditError(f"threshold must be a number, got {number!r}") from None
    said = str(int(value)) if value.is_integer() else str(value)
    for step in steps:
        if step.get("condition"):
            step["condition"] = re.sub(r"(>=|<=|>|<)\s*-?\d+(?:\.\d+)?", lambda m: f"{m.group(1)} {said}", step["condition"])
        if "threshold" in (step.get("params") or {}):
            step["params"]["threshold"] = value


def apply(spec: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """The playbook with the changes applied; everything the changes do not mention is kept."""
    new = copy.deepcopy(spec)
    changes = dict(changes)
    for key in ("name", "agent", "category", "status", "triggers", "steps"):
        if key in changes:
            new[key] = copy.deepcopy(changes[key])
    if "name" in changes:
        new["name"] = re.sub(r"\s+", " ", re.sub(r"[{}%#]+", " ", str(new["name"]))).strip()  # a name is plain words
    if "time" in changes:
        hour, minute = _hhmm(changes["time"])
        new["triggers"] = _schedules(new["triggers"], lambda f: [str(minute), str(hour), *f[2:]])
    if "days" in changes:
        days = str(changes["days"]).strip()
        if not re.fullmatch(r"[0-7](?:[-,][0-7])*|\*", days):
            raise EditError(f"days must be cron day-of-week values (0-6, e.g. '2' or '1-5'), got {days!r}")
        new["triggers"] = _schedules(new["triggers"], lambda f: [f[0], f[1], "*", f[3], days])
    if "timezone" in changes:
        new["triggers"] = [{**t, "timezone": changes["timezone"]} if t.get("type") == "schedule" else t for t in new["triggers"]]
    steps = new["steps"]
    body, condition = _body_of(steps)
    if "delivery" in changes:
        channels = [c for c in changes["delivery"] if is_delivery(c)]
        kept = [s for s in steps if not is_delivery(s.get("action", "")) or s["action"] in channels]
        have = {s["action"] for s in kept}
        kept += [delivery_step(c, body, condition, new["name"]) for c in channels if c not in have]
        new["steps"] = steps = kept
    for action in changes.get("add_steps") or []:
        if is_delivery(action):
            if not any(s.get("action") == action for s in steps):
                steps.append(delivery_step(action, body, condition, new["name"]))
        elif action in ACTIONS and not any(s.get("action") == action for s in steps):
            at = next((i for i, s in enumerate(steps) if is_delivery(s.get("action", ""))), len(steps))
            steps.insert(at, {"action": action, "params": {}})
    if changes.get("remove_steps"):
        gone = set(changes["remove_steps"])
        new["steps"] = steps = [s for s in steps if s.get("action") not in gone]
    if changes.get("add_recipients"):
        _add_recipients(new, _recipients(changes["add_recipients"]))
    if "threshold" in changes:
        _threshold(new["steps"], changes["threshold"])
    return new


def _outside(spec: dict[str, Any]) -> set[str]:
    """Every literal place a playbook sends to: addresses, webhook URLs (templates like {{user.email}} stay inside)."""
    found: set[str] = set()
    for step in spec.get("steps") or []:
        params = step.get("params") or {}
        for key in ("to", "url", "webhook_url"):
            for value in _recipients(params.get(key)):
                if "{{" not in value:
                    found.add(value.lower())
    return found


def risks(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """What in a change needs the user's yes: deliveries removed, recipients or webhooks added."""
    said = []
    old = [s.get("action") for s in before.get("steps") or [] if is_delivery(s.get("action", ""))]
    new = [s.get("action") for s in after.get("steps") or [] if is_delivery(s.get("action", ""))]
    removed = [a for a in old if a not in new]
    if removed:
        said.append("stops " + ", ".join(ACTIONS[a].phrase for a in removed if a in ACTIONS))
    added = sorted(_outside(after) - _outside(before))
    if added:
        said.append("sends to " + ", ".join(added))
    return said


def new_recipients(spec: dict[str, Any]) -> set[str]:
    """The literal addresses and URLs a playbook reaches (checked against what the user typed)."""
    return _outside(spec)


def describe(spec: dict[str, Any]) -> list[str]:
    """A playbook in a few lines: when it runs, what it does, where it sends."""
    lines = []
    for trigger in spec.get("triggers") or []:
        if trigger.get("type") == "schedule":
            try:
                lines.append("runs " + cron_words(trigger["cron"], trigger.get("timezone") or "UTC"))
            except ValueError:
                lines.append(f"runs on cron {trigger.get('cron')}")
        elif trigger.get("type") == "event":
            lines.append(f"runs whenever {trigger.get('event')} happens")
        else:
            lines.append("runs when you ask")
    doing = []
    for step in spec.get("steps") or []:
        action = step.get("action", "")
        phrase = ACTIONS[action].phrase if action in ACTIONS else action.replace("_", " ")
        to = _recipients((step.get("params") or {}).get("to"))
        if to and is_delivery(action):
            phrase += " (to " + ", ".join(to) + ")"
        if step.get("condition") and is_delivery(action):
            phrase += f" when {step['condition']}"
        doing.append(phrase)
    if doing:
        lines.append("then " + ", ".join(doing))
    return lines
