"""Deterministic planner: one chat request -> the plan object of evals/CONTRACT.md.

`plan(text, timezone)` returns `{"intent", "target", "playbook", "message"}` (plus
`"changes"` for update_playbook); the caller adds `id`. Schedules come from
`scheduler.schedule_text` (code, never a model); everything else is matched
against the vocabulary in `agents.planner_vocab`.

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
| sales_report | revenue, order_count | as scheduler.steps.reports.SalesReportOutput |
| every step | summary | short text used in message bodies |
| event (order.created) | total, order_id | |
| event (inventory.*) | product_name, quantity | |
| event (competitor.*) | competitor, product_name, drop_pct, change_pct | percentages are positive numbers |
| event (customer.*) | customer.email, customer.phone, customer.name, days_since_last_order | |
| run context | user.email, user.phone, org.name, org.team_email | `org.team_email` for "the team", "the board" |

`changes` of update_playbook may hold `triggers` (the new trigger list), `time`
("HH:MM" when only a time of day was said: keep the old days), `delivery`
(channel actions), `threshold` (number), `name`, `add_steps` (action names).
"""
from __future__ import annotations

import json
import re
from typing import Iterable, Iterator
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from agents import planner_vocab as V
from scheduler.schedule_text import (
    MAX_CHARS,
    ParsedSchedule,
    ScheduleTextError,
    parse_schedule,
)

__all__ = ["plan", "plan_batch"]

_UNITS = (r"(?:(?P<cur>\$)\s*(?P<n1>\d[\d,]*(?:\.\d+)?)\s*(?P<k>k\b)?|(?P<n2>\d[\d,]*(?:\.\d+)?)\s*"
          r"(?P<unit>%|percent\b|dollars\b|bucks\b|units\b|items\b|pieces\b|left\b|in\s+stock\b|days\b))")
_LESS = re.compile(r"(?:below|under|less|fewer|lower|drops?|dropped|falls?|fell|dips?|beneath|at\s+most)\W*(?:\w+\W+){0,2}$")


def _result(intent: str, message: str, target: str | None = None, playbook: dict | None = None,
            **extra) -> dict:
    return {"intent": intent, "target": target, "playbook": playbook, "message": message, **extra}


def _clarify(message: str) -> dict:
    return _result("clarify", message)


def _numbers(text: str) -> list[tuple[str, float, str]]:
    """Numbers with a unit: (op '<' or '>', value, unit '%'|'$'|'units'|'days')."""
    out = []
    for m in re.finditer(_UNITS, text):
        raw = (m.group("n1") or m.group("n2")).replace(",", "")
        value = float(raw) * (1000 if m.group("k") else 1)
        unit = "$" if m.group("cur") or m.group("unit") in ("dollars", "bucks") else (
            "%" if m.group("unit") in ("%", "percent") else "days" if m.group("unit") == "days" else "units")
        op = "<" if _LESS.search(text[max(0, m.start() - 30):m.start()]) else ">"
        out.append((op, int(value) if value.is_integer() else value, unit))
    return out


def _first(nums, unit):
    return next(((op, n) for op, n, u in nums if u == unit), None)


# --- intents about existing playbooks -----------------------------------------------

def _target(rest: str) -> str:
    if re.match(r"(?:all|everything|every\s+one)\b", rest):
        return "all playbooks"
    t = V.TARGET_TRIM.sub("", rest.strip())
    t = V.TARGET_STOP.sub("", t)
    t = V.TARGET_TRIM.sub("", t)
    return V.TARGET_TRIM.sub("", t).strip(" '\"")


def _update_changes(text: str, low: str, after: str, timezone: str) -> dict:
    changes: dict = {}
    try:
        sched = parse_schedule(text, timezone)
        changes["triggers"] = [_schedule_trigger(sched)]
        if not re.search(r"\b(?:every|each|daily|nightly|hourly|weekly|monthly|quarterly|week|month|"
                         r"[a-z]+days?|weekends?|mornings|evenings)\b", low):
            minute, hour = sched.cron.split()[:2]
            if minute.isdigit() and hour.isdigit():
                changes["time"] = f"{int(hour):02d}:{int(minute):02d}"
    except ScheduleTextError:
        pass
    channels = [c for c, p in V.CHANNELS.items() if p.search(after)]
    if channels:
        changes["delivery"] = [c for c in channels if c != "notify"] or channels
    nums = _numbers(after)
    if nums:
        changes["threshold"] = nums[0][1]
    rename = re.search(r"\brename\b.*?\bto\s+(.+?)[.!?]*$", low)
    if rename:
        changes["name"] = rename.group(1).strip(" '\"").title()
    added = [a for a in _actions(after, None)[0] if a not in V.DELIVERY]
    if added and not rename:
        changes["add_steps"] = added
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
        said.append("it will now " + V.join_words([V.PHRASES[c] for c in changes["delivery"]]))
    if "threshold" in changes:
        said.append(f"the threshold is now {changes['threshold']}")
    if "name" in changes:
        said.append(f"it is now called '{changes['name']}'")
    if "add_steps" in changes:
        said.append("it will also " + V.join_words([V.PHRASES.get(a, a) for a in changes["add_steps"]]))
    if not said:
        return f"What should I change about {name}? A time, a channel, a threshold or a step?"
    return f"Updated {name}: " + "; ".join(said) + "."


def _manage(core: str, text: str, low: str, timezone: str, has_trigger: bool) -> dict | None:
    for intent, pattern in V.MANAGE:
        m = re.match(pattern, core)
        if not m:
            continue
        rest = m.group("rest")
        if re.match(r"(?:money\s+mike|mike|craig|ezal|pops)\b", rest):
            return None  # "have Craig draft ..." is a new playbook, not an edit
        target = _target(rest)
        refers = bool(re.match(V.REFERENCE, rest)) and bool(re.search(V.PLAYBOOK_NOUN, target) or target in ("it", "them"))
        if intent == "update_playbook":
            if not (refers or ("instead" in low and re.search(V.PLAYBOOK_NOUN, target))):
                return None
        elif intent == "run_playbook":
            if not (refers or re.search(r"\b(?:now|right\s+now|immediately|right\s+away|again|once)\b", core)
                    or not has_trigger):
                return None
        elif has_trigger and not refers:
            return None
        if not target:
            verb = intent.split("_")[0]
            return _clarify(f"Which playbook do you want me to {verb}?")
        name = f"'{target}'"
        if intent == "update_playbook":
            at = rest.find(target)
            changes = _update_changes(text, low, rest[at + len(target):] if at >= 0 else rest, timezone)
            return _result(intent, _update_message(name, changes), target, changes=changes)
        if target == "all playbooks":
            name = "all your playbooks"
        they = "They" if target == "all playbooks" else "It"
        messages = {
            "pause_playbook": f"Paused {name}. {they} won't run until you resume {'them' if they == 'They' else 'it'}.",
            "resume_playbook": f"Resumed {name}. {they} will run on schedule again.",
            "delete_playbook": f"Deleted {name}. Its past runs stay in the history.",
            "run_playbook": f"Running {name} now. I'll post the results here when it finishes.",
        }
        return _result(intent, messages[intent], target)
    return None


# --- new playbooks ------------------------------------------------------------------------

def _schedule_trigger(s: ParsedSchedule) -> dict:
    return {"type": "schedule", "cron": s.cron, "timezone": s.timezone, "description": s.description}


def _event(low: str) -> tuple[str, re.Match] | None:
    for name, pattern in V.EVENTS:
        m = pattern.search(low)
        if m:
            return name, m
    return None


def _actions(low: str, event: str | None) -> tuple[dict[str, int], dict]:
    """Task actions found in the text -> first position, plus the feature matches."""
    f = {k: p.search(low) for k, p in V.FEATURES.items()}
    at = {k: (m.start() if m else None) for k, m in f.items()}
    acts: dict[str, int] = {}

    def add(action: str, pos: int | None) -> None:
        if pos is not None:
            acts[action] = min(acts.get(action, pos), pos)

    comp = at["competitor"]
    on_menus = at["menu"] if (at["new_products"] is not None or at["promotions"] is not None) else None
    intel = comp if comp is not None else on_menus
    competitor_event = (event or "").startswith("competitor.")
    if at["compare"] is not None and (comp is not None or at["prices"] is not None):
        add("analyze_pricing", at["compare"])
    add("analyze_pricing", at["review_prices"])
    add("suggest_price_adjustment", at["suggest_price"])
    if at["suggest_price"] is not None and not competitor_event:
        add("analyze_pricing", at["suggest_price"])
    add("analyze_margins", at["margins"])
    if intel is not None:
        if at["price_change"] is not None and "analyze_pricing" not in acts and not competitor_event:
            add("detect_price_changes", at["price_change"])
        if not competitor_event:
            add("track_new_products", at["new_products"])
        add("find_competitor_promotions", at["promotions"])
        intel_brief = f["competitive_intel"]
        if not (intel_brief and intel_brief.start() <= (at["competitor_report"] or -1) < intel_brief.end() + 12):
            add("generate_competitor_report", at["competitor_report"])
        add("analyze_competitive_intelligence", at["competitive_intel"])
        if not competitor_event:
            add("scan_competitors", intel)
    if not (event or "").startswith("inventory."):
        add("check_inventory", at["inventory"])
    add("create_reorder_list", at["reorder"])
    if at["reorder"] is not None and not (event or "").startswith("inventory."):
        add("check_inventory", at["reorder"])
    add("top_sellers", at["top_sellers"])
    sales = re.search(r"\bsales\b(?!\s+events?)|\brevenue\b|\btakings\b|\bturnover\b|\bhow\s+much\s+we\s+(?:made|sold)\b|"
                      r"\b(?:summary|report|recap|total|count|numbers|tally)\s+of\s+(?:[\w']+\s+){0,2}(?:orders|transactions)\b|"
                      r"\b(?:orders?|transactions?)\s+(?:summary|report|recap|totals?|count|volume|numbers)\b", low)
    add("sales_report", sales.start() if sales else None)
    add("export_csv", at["export"])
    add("create_campaign_draft", at["campaign"])
    add("generate_social_post", at["social"])
    add("segment_customers", at["segment"] if not (event or "").startswith("customer.") else None)
    add("request_approval", at["approval"])
    return acts, f


def _recipient(low: str, event: str | None, channel: str) -> str:
    customer = event and event.startswith("customer.") and V.TO_CUSTOMER.search(low)
    if channel == "send_email":
        return "{{event.customer.email}}" if customer else "{{org.team_email}}" if V.TEAM.search(low) else "{{user.email}}"
    return "{{event.customer.phone}}" if customer else "{{user.phone}}"


def _alert(acts: dict, f: dict, nums: list) -> tuple[str | None, str | None, str]:
    """(condition for the steps that react, the action it reads, plain words for it)."""
    pct, money = _first(nums, "%"), _first(nums, "$")
    if "analyze_pricing" in acts and f["compare"]:
        n = pct[1] if pct else 0
        words = f"if a competitor undercuts you by more than {n}%" if n else "if a competitor is cheaper than you"
        return f"{{{{analyze_pricing.price_gap}}}} > {n}", "analyze_pricing", words
    if "analyze_margins" in acts and pct:
        op, n = pct
        field = "min_margin_pct" if op == "<" else "max_margin_pct"
        return (f"{{{{analyze_margins.{field}}}}} {op} {n}", "analyze_margins",
                f"if a margin is {'below' if op == '<' else 'above'} {n}%")
    if "detect_price_changes" in acts:
        if pct:
            return (f"{{{{detect_price_changes.max_change_pct}}}} > {pct[1]}", "detect_price_changes",
                    f"if a competitor price moves by more than {pct[1]}%")
        return "{{detect_price_changes.change_count}} > 0", "detect_price_changes", "if any competitor price changed"
    if "track_new_products" in acts:
        return "{{track_new_products.new_count}} > 0", "track_new_products", "if there are new products"
    if "check_inventory" in acts and (f["out_of_stock"] or f["low_stock"]):
        if f["out_of_stock"] and not (f["low_stock"] and f["low_stock"].start() < f["out_of_stock"].start()):
            return ("{{check_inventory.out_of_stock_count}} > 0", "check_inventory",
                    "if anything is out of stock")
        return "{{check_inventory.low_stock_count}} > 0", "check_inventory", "if anything is running low"
    if "sales_report" in acts and money:
        op, n = money
        return (f"{{{{sales_report.revenue}}}} {op} {n}", "sales_report",
                f"if sales are {'below' if op == '<' else 'above'} ${n:,}")
    if "find_competitor_promotions" in acts:
        return ("{{find_competitor_promotions.promo_count}} > 0", "find_competitor_promotions",
                "if competitors are running promotions")
    return None, None, ""


def _persona_spans(low: str) -> list[tuple[int, int, str]]:
    spans = []
    for m in V.PERSONA_ASK.finditer(low):
        end = re.search(r"[,.;!?]|\s+(?:and\s+)?(?:then\s+)?(?:email|text|send|post|notify|alert|save|let\s+me|tell\s+me)\b",
                        low[m.end():])
        spans.append((m.end(), m.end() + (end.start() if end else len(low) - m.end()),
                      V.PERSONAS[re.sub(r"\s+", " ", m.group(1))]))
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
    hits = {c: p.search(scope) for c, p in V.CHANNELS.items()}
    found = sorted((c for c in hits if hits[c]), key=lambda c: hits[c].start())  # in the order said
    if len(found) > 1 and "notify" in found:
        found.remove("notify")  # "alert me on Slack" is one Slack message, not two
    return found or (["notify"] if reminder else [])


def _owner(steps: list[dict], event: str | None, delegated: set[int]) -> str:
    """Pricing wins; else whoever owns the last substantive step; else the event's domain."""
    if any(s["action"] in V.PRICING for s in steps):
        return "money_mike"
    owned = [s["action"] for i, s in enumerate(steps) if i not in delegated and s["action"] in V.OWNER]
    if owned:
        return V.OWNER[owned[-1]]
    if delegated:  # only handed-over work: the persona it went to owns it
        last = steps[max(delegated)]
        return last.get("agent") or last["params"]["agent"]
    return V.EVENT_OWNER.get((event or "").split(".")[0], "pops")


def _delivery_params(channel: str, text: str, low: str, event: str | None, body: str) -> dict:
    if channel == "send_email":  # the subject is the playbook name, known once steps are chosen
        return {"to": _recipient(low, event, channel), "subject": "", "body": body}
    if channel == "send_sms":
        return {"to": _recipient(low, event, channel), "message": body}
    slack = re.search(r"#([\w-]+)", text) if channel == "post_slack" else None
    return {**({"channel": "#" + slack.group(1)} if slack else {}), "message": body}


def _steps(text: str, low: str, event: str | None, nums: list) -> tuple[list[dict], dict, str | None, str]:
    """The playbook's steps, the feature matches, the alert condition and its words."""
    reminder = _reminder(low)
    scan = low.replace(reminder, " " * len(reminder)) if reminder else low
    acts, f = _actions(scan, event)
    condition, source, cond_words = _alert(acts, f, nums)
    spans = _persona_spans(low)
    steps: list[dict] = []
    delegated: set[int] = set()
    for a in sorted(acts, key=lambda a: (V.STAGE[a], acts[a])):
        owner = next((p for lo, hi, p in spans if lo <= acts[a] < hi), None)
        clause = next((low[lo:hi].strip() for lo, hi, p in spans if lo <= acts[a] < hi), "")
        step: dict = {"action": a}
        if owner or a in V.THINKING:
            step["agent"] = owner or V.OWNER[a]
        if owner:
            delegated.add(len(steps))
        units = _first(nums, "units")
        step["params"] = V.step_params(a, text, low, f, units[1] if units else None, clause)
        steps.append(step)
    for lo, hi, persona in spans:  # "have Craig handle it": nothing we know, so hand it over
        if not any(lo <= acts[a] < hi for a in acts) and low[lo:hi].strip():
            delegated.add(len(steps))
            steps.append({"action": "delegate", "params": {"agent": persona, "task": low[lo:hi].strip()}})
    if V.DRIVE.search(low):
        steps.append({"action": "save_to_drive", "params": {"folder": "Playbooks"}})
    hook = V.CHANNELS["post_webhook"].search(low)
    if hook:
        url = re.search(r"https?://\S+", text)
        steps.append({"action": "post_webhook", "params": {"url": url.group(0) if url else "{{org.webhook_url}}"}})
    channels = [c for c in _channels(low, reminder) if c != "post_webhook"]
    if not channels and steps and V.SEND_TO_ME.search(low):
        channels = ["send_email"]
    producing = {"generate_competitor_report", "create_campaign_draft", "generate_social_post", "delegate",
                 "suggest_price_adjustment", "create_reorder_list", "sales_report", "top_sellers",
                 "analyze_margins", "analyze_competitive_intelligence"}
    quiet = any(s["action"] in ("save_to_drive", "post_webhook", "request_approval") for s in steps)
    if not channels and not quiet and (condition or producing & {s["action"] for s in steps}):
        channels = ["notify"]
    last = next((s["action"] for s in reversed(steps) if V.STAGE.get(s["action"], 9) < 3), None)
    field = "content" if last in V.CONTENT_STEPS else "summary"
    body = (f"Reminder: {reminder}" if reminder else f"{{{{{last}.{field}}}}}" if last
            else V.event_body(event, bool(f["welcome"])))
    steps += [{"action": c, "params": _delivery_params(c, text, low, event, body)} for c in channels]
    if condition:
        at = next(i for i, s in enumerate(steps) if s["action"] == source)
        for i, s in enumerate(steps):
            if i > at and (s["action"] in V.DELIVERY or s["action"] == "request_approval" or i in delegated):
                s["condition"] = condition
    return steps, {"f": f, "reminder": reminder, "delegated": delegated}, condition, cond_words


def _event_filter(event: str, nums: list) -> tuple[str | None, str]:
    """(filter on the event payload, plain words for it) from the numbers in the request."""
    money, pct, units, days = (_first(nums, u) for u in ("$", "%", "units", "days"))
    if event == "order.created" and money:
        return (f"{{{{event.total}}}} {money[0]} {money[1]}",
                f"{'under' if money[0] == '<' else 'over'} ${money[1]:,}")
    if event == "inventory.low_stock" and units:
        return f"{{{{event.quantity}}}} < {units[1]}", f"fewer than {units[1]} left"
    if event == "competitor.price_drop" and pct:
        return f"{{{{event.drop_pct}}}} > {pct[1]}", f"by more than {pct[1]}%"
    if event == "competitor.price_change" and pct:
        return f"{{{{event.change_pct}}}} > {pct[1]}", f"by more than {pct[1]}%"
    if event == "customer.lapsed" and days:
        return f"{{{{event.days_since_last_order}}}} >= {days[1]}", f"no order in {days[1]} days"
    return None, ""


def _create(text: str, low: str, timezone: str, sched: ParsedSchedule | None) -> dict:
    found = None if sched else _event(low)
    event = found[0] if found else None
    nums = _numbers(low)
    steps, meta, condition, cond_words = _steps(text, low, event, nums)
    if sched:
        trigger = {"type": "schedule", "cron": sched.cron, "timezone": sched.timezone}
        when = sched.description[0].upper() + sched.description[1:]
    elif event:
        trigger = {"type": "event", "event": event}
        flt, flt_words = _event_filter(event, nums)
        if flt:
            trigger["filter"] = flt
        when = "Whenever " + V.EVENT_LABELS[event] + (f" ({flt_words})" if flt else "")
    elif re.search(r"\b(?:create|make|set\s+up|build|add)\s+(?:a|an|me\s+a)\s+(?:new\s+)?"
                   r"(?:playbook|automation|workflow)\b", low) and steps:
        trigger, when = {"type": "manual"}, "When you ask"
    else:
        trigger = None
    if not steps or not (event or meta["reminder"] or any(s["action"] not in V.DELIVERY for s in steps)):
        if steps and trigger:  # "email me" with nothing we know how to put in the email
            return _clarify(f"{when}, what should I send you? For example: a sales report or low-stock items.")
        if trigger:
            return _clarify(f"{when}, what should I do? For example: email you a sales report.")
        return _clarify("What should I automate? Tell me what to do and when, e.g. "
                        "'every Monday at 8am email me a sales report'.")
    if trigger is None:
        ask = "How often should I check?" if condition else "When should this run?"
        return _clarify(f"{ask} Say a schedule ('every weekday at 9am') or an event ('when stock runs low').")
    agent = _owner(steps, event, meta["delegated"])
    for s in steps:
        if s.get("agent") == agent and s["action"] not in V.THINKING:
            del s["agent"]
    dataset = next((s["params"]["dataset"] for s in steps if s["action"] == "export_csv"), None)
    name = V.playbook_name([s["action"] for s in steps], low, event, sched.cron if sched else None,
                           meta["reminder"], bool(condition or trigger.get("filter")), dataset)
    for s in steps:
        if s["action"] == "send_email" and not s["params"]["subject"]:
            s["params"]["subject"] = ("Welcome to {{org.name}}!" if event == "customer.created" and meta["f"]["welcome"]
                                      else name)
    sentence = V.join_words([V.step_phrase(s, agent, meta["reminder"]) for s in steps])
    if cond_words and any(s["action"] in V.DELIVERY for s in steps):
        sentence += f" {cond_words}"
    playbook = {"name": name, "agent": agent, "category": V.CATEGORY[agent], "status": "active",
                "triggers": [trigger], "steps": steps}
    message = f"Done! {when}, I'll {sentence}. {V.PERSONA_NAMES[agent]} owns this playbook ('{name}')."
    return _result("create_playbook", message, None, playbook)


def plan(text: str, timezone: str) -> dict:
    """Plan one chat request (evals/CONTRACT.md): intent, target, playbook and a confirmation message."""
    try:
        ZoneInfo(timezone)
    except (ValueError, TypeError, ZoneInfoNotFoundError):
        raise ValueError(f"unknown time zone {timezone!r}") from None  # a caller's configuration error
    text = (text or "").strip()
    if len(text) > MAX_CHARS:
        return _clarify("That's a long message. Could you describe one playbook in a sentence or two: "
                        "what to do and when?")
    low = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    core = V.POLITE.sub("", low).strip(" ,.!?")
    if len(re.findall(r"[a-z]{2,}", core)) < 2 and not re.match(r"(?:list|show|help)", core):
        return _clarify("Could you tell me a bit more? Say what to do and when, e.g. "
                        "'every Monday at 8am email me a sales report'.")
    if any(p.search(core) for p in V.LIST) and not re.search(r"\b(?:every|each|daily|weekly|when|whenever)\b", core):
        return _result("list_playbooks", "Here are your playbooks.")
    try:
        sched = parse_schedule(text, timezone)
        problem = None
    except ScheduleTextError as e:
        sched, problem = None, (None if e.kind == "missing" else e)
    has_trigger = bool(sched or problem or _event(low))
    managed = _manage(core, text, low, timezone, has_trigger)
    if managed:
        return managed
    if problem:
        return _clarify(f"I can't schedule that: {problem}. When should it run instead?")
    return _create(text, low, timezone, sched)


def plan_batch(lines: Iterable[str]) -> Iterator[str]:
    """Plan JSON lines ({id, text, timezone}); yield one compact JSON line each, id first, errors as clarify."""
    for line in lines:
        if not line.strip():
            continue
        ident = None
        try:
            req = json.loads(line)
            if not isinstance(req, dict):
                raise ValueError("each line must be a JSON object")
            ident = req.get("id")
            text, zone = req.get("text"), req.get("timezone")
            if not isinstance(text, str) or not isinstance(zone, str):
                raise ValueError("'text' and 'timezone' must be strings")
            out = {"id": ident, **plan(text, zone)}
        except Exception as e:  # one bad line must not stop the batch; the reason goes back in the line
            out = {"id": ident, "intent": "clarify", "error": f"{type(e).__name__}: {e}"}
        yield json.dumps(out, separators=(",", ":"), ensure_ascii=False)
