"""Deterministic planner: one chat request -> the plan object of evals/CONTRACT.md.

`plan(text, timezone)` returns `{"intent", "target", "playbook", "message"}` (plus
`"changes"` for update_playbook); the caller adds `id`. It runs the pipeline described in
`agents.planner`: normalise, extract, score intents, then compose here (a new playbook)
or in `agents.planner.manage` (an existing one). Schedules come from
`scheduler.timing.schedule_text` (code, never a model).

Conditions and filters reference an earlier step's output by action name, the
event payload, or the run context. The steps must provide these fields:

| source | field | meaning |
| --- | --- | --- |
| analyze_pricing | price_gap | largest % by which a competitor is below our price (0 if none) |
| detect_price_changes | change_count, max_change_pct | competitor prices changed since last run; largest move in % |
| track_new_products | new_count | competitor products not seen before |
| find_competitor_promotions | promo_count | competitor promotions found |
| check_inventory | low_stock_count, out_of_stock_count | items at/below reorder point (or `threshold` units); items at zero |
| analyze_margins | min_margin_pct, max_margin_pct | lowest / highest category margin in % |
| sales_report | revenue, order_count | as scheduler.steps.reports.sales.SalesReportOutput |
| create_campaign_draft, generate_social_post | content | the drafted text (their messages send it) |
| every step | summary | short text used in message bodies |
| event (order.created) | total, order_id, customer.email, customer.phone, customer.name | the buyer, when known |
| event (inventory.*) | product_name, quantity | |
| event (competitor.*) | competitor, product_name, drop_pct, change_pct | percentages are positive numbers |
| event (customer.*) | customer.email, customer.phone, customer.name, days_since_last_order | |
| run context | user.email, user.phone, org.name, org.team_email | `org.team_email` for "the team", "the board" |

`changes` of update_playbook may hold `triggers` (the new trigger list), `time`
("HH:MM" when only a time of day was said: keep the old days), `delivery`
(channel actions), `threshold` (number), `name`, `add_steps` (action names).
"""
from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from agents.planner import phrasing as W
from agents.planner.conditions import event_filter, keep_criteria, numbers
from agents.planner.extract import Reading, read, target_of
from agents.planner.followup import parts
from agents.planner.intents import FLOOR, decide
from agents.planner.manage import clarify, manage, result
from agents.planner.normalise import normalise
from agents.planner.tasks import build_steps, owner
from scheduler.catalog import ACTIONS, EVENTS, PERSONAS
from scheduler.timing.schedule_text import MAX_CHARS

__all__ = ["plan"]


def _create(reading: Reading) -> dict:
    """A new playbook from what was read: trigger, steps, condition, owner, name and confirmation."""
    text, low, sched = reading.text.text, reading.text.low, reading.schedule
    event = None if sched else reading.event
    nums = numbers(low)
    steps, meta, condition, cond_words = build_steps(text, low, event, nums)
    if sched:
        trigger = {"type": "schedule", "cron": sched.cron, "timezone": sched.timezone}
        when = sched.description[0].upper() + sched.description[1:]
    elif event:
        trigger = {"type": "event", "event": event}
        flt, flt_words = event_filter(event, nums)
        if flt:
            trigger["filter"] = flt
        when = "Whenever " + EVENTS[event].label + (f" ({flt_words})" if flt else "")
    elif (reading.manual or re.search(r"\b(?:create|make|set\s+up|build|add)\s+(?:a|an|me\s+a)\s+(?:new\s+)?"
                                      r"(?:playbook|automation|workflow)\b", low)) and steps:
        trigger, when = {"type": "manual"}, "When you ask"
    else:
        trigger = None
    if not steps or not (event or meta["reminder"] or any(not ACTIONS[s["action"]].delivery for s in steps)):
        if steps and trigger:  # "email me" with nothing we know how to put in the email
            return clarify(f"{when}, what should I send you? For example: a sales report or low-stock items.")
        if trigger:
            return clarify(f"{when}, what should I do? For example: email you a sales report.")
        return clarify("What should I automate? Tell me what to do and when, e.g. "
                        "'every Monday at 8am email me a sales report'.")
    if trigger is None:
        ask = "How often should I check?" if condition else "When should this run?"
        return clarify(f"{ask} Say a schedule ('every weekday at 9am') or an event ('when stock runs low').")
    if any(s["action"] == "emit_event" and not s["params"].get("name") for s in steps):
        known = ", ".join(EVENTS)
        return clarify(f"Which event should I raise? I can raise one of these: {known}.")
    keep_criteria(steps, trigger, nums, low)
    # work handed on once done ("... and pass it to Money Mike") does not decide the owner
    agent = owner(steps, event, (meta["delegated"] - meta["handoff"]) or meta["delegated"])
    for i, s in enumerate(steps):  # a step handed to a persona keeps its agent: that is the delegation
        if s.get("agent") == agent and not ACTIONS[s["action"]].thinking and i not in meta["delegated"]:
            del s["agent"]
    dataset = next((s["params"]["dataset"] for s in steps if s["action"] == "export_csv"), None)
    name = W.playbook_name([s["action"] for s in steps], low, event, sched.cron if sched else None,
                           meta["reminder"], bool(condition or trigger.get("filter")), dataset)
    for s in steps:
        if s["action"] == "send_email" and not s["params"]["subject"]:
            s["params"]["subject"] = ("Welcome to {{org.name}}!" if event == "customer.created" and meta["f"]["welcome"]
                                      else name)
    sentence = W.join_words([W.step_phrase(s, agent, meta["reminder"]) for s in steps])
    if cond_words and any(ACTIONS[s["action"]].delivery for s in steps):
        sentence += f" {cond_words}"
    playbook = {"name": name, "agent": agent, "category": PERSONAS[agent].category, "status": "active",
                "triggers": [trigger], "steps": steps}
    message = f"Done! {when}, I'll {sentence}. {PERSONAS[agent].name} owns this playbook ('{name}')."
    return result("create_playbook", message, None, playbook)


_OFFER = {"create_playbook": "set up a new playbook", "update_playbook": "change {t}", "pause_playbook": "pause {t}",
          "resume_playbook": "resume {t}", "delete_playbook": "delete {t}", "run_playbook": "run {t} now",
          "list_playbooks": "list your playbooks"}


def _ask_which(reading: Reading, tied: tuple[str, ...]) -> dict:
    """Two intents scored the same: ask which one was meant."""
    verb = reading.verb
    name = f"'{(verb.named or target_of(verb.rest)) if verb else ''}'".replace("''", "that playbook")
    a, b = (_OFFER[i].format(t=name) for i in tied)
    return clarify(f"Do you want me to {a} or {b}?")


def _ask_when(reading: Reading) -> dict:
    """A playbook not wanted at some times only: ask what should change rather than delete it."""
    name = f"'{target_of(reading.verb.rest)}'" if reading.verb else "it"
    return clarify(f"Should I stop {name} for good, or only change when it runs? Tell me the days and times it should run.")


def plan(text: str, timezone: str) -> dict:
    """Plan one chat request (evals/CONTRACT.md): intent, target, playbook and a confirmation message."""
    try:
        ZoneInfo(timezone)
    except (ValueError, TypeError, ZoneInfoNotFoundError):
        raise ValueError(f"unknown time zone {timezone!r}") from None  # a caller's configuration error
    if len((text or "").strip()) > MAX_CHARS:
        return clarify("That's a long message. Could you describe one playbook in a sentence or two: "
                        "what to do and when?")
    pieces = parts(text, timezone)
    if len(pieces) > 1:  # several schedules in one message: several playbooks (the chat makes them), never a merge
        listed = "; ".join(f"“{p}”" for p in pieces)
        return clarify(f"That asks for {len(pieces)} schedules: {listed}. I'll set them up as separate playbooks; shall I?")
    said = normalise(text)
    if said.words() < 2 and not re.match(r"(?:list|show|help)", said.core):
        return clarify("Could you tell me a bit more? Say what to do and when, e.g. "
                        "'every Monday at 8am email me a sales report'.")
    reading = read(said, timezone)
    decision = decide(reading)
    if decision.tied:
        return _ask_which(reading, decision.tied)
    if decision.intent == "clarify" and decision.scores["clarify"] > FLOOR:
        return _ask_when(reading)
    if decision.intent == "list_playbooks":
        return result("list_playbooks", "Here are your playbooks.")
    if decision.intent not in ("create_playbook", "clarify"):
        return manage(decision.intent, reading.verb, said, timezone)
    if reading.problem:
        return clarify(f"I can't schedule that: {reading.problem}. When should it run instead?")
    # a new playbook; or too little to act on, and the composer asks for what is missing
    return _create(reading)
