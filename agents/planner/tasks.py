"""New playbooks: the steps, delivery, alert condition, event and owner read from a request.

Used by `agents.planner` (see its docstring for the fields conditions read). Everything
here matches the vocabulary of `agents.planner.lexicon`; nothing knows a whole sentence.
"""
from __future__ import annotations

import re

from agents.planner import lexicon as V
from agents.planner import phrasing as W
from agents.planner.asks import actions
from scheduler.catalog import ACTIONS, DEFAULT_PERSONA, EVENTS

_UNITS = (r"(?:(?P<cur>\$)\s*(?P<n1>\d[\d,]*(?:\.\d+)?)\s*(?P<k>k\b)?|(?P<n2>\d[\d,]*(?:\.\d+)?)\s*"
          r"(?P<unit>%|percent\b|dollars\b|bucks\b|units\b|items\b|pieces\b|left\b|in\s+stock\b|days\b|"
          r"orders\b|transactions\b))")
# A bare number right after a comparison ("falls below 15") is a count.
_BARE = re.compile(r"\b(?:below|under|less\s+than|fewer\s+than|more\s+than|over|above|at\s+least|at\s+most|"
                   r"exceeds?|tops?|hits?|reach(?:es)?|(?:drops?|falls?|gets?|goes|dips?)\s+to)\s+"
                   r"(?P<n>\d[\d,]*(?:\.\d+)?)\b(?!\s*(?:%|[.:]\d|am\b|pm\b|o'?clock|st\b|nd\b|rd\b|th\b|"
                   r"percent|dollars|bucks|k\b|[a-z]+))")
_LESS = re.compile(r"(?:below|under|less|fewer|lower|drops?|dropped|falls?|fell|dips?|beneath|at\s+most)\W*(?:\w+\W+){0,2}$")


def numbers(text: str) -> list[tuple[str, float, str]]:
    """Numbers with a unit: (op '<' or '>', value, unit '%'|'$'|'units'|'days'|'orders'|'count').

    'count' is a bare number after a comparison ("falls below 15"); what it counts
    depends on the task (stock units, an order total).
    """
    found = []
    for m in re.finditer(_UNITS, text):
        raw = (m.group("n1") or m.group("n2")).replace(",", "")
        value = float(raw) * (1000 if m.group("k") else 1)
        unit = m.group("unit") or ""
        unit = "$" if m.group("cur") or unit in ("dollars", "bucks") else (
            "%" if unit in ("%", "percent") else unit if unit in ("days", "orders") else
            "orders" if unit == "transactions" else "units")
        found.append((m.start(), value, unit))
    for m in _BARE.finditer(text):
        if not any(at == m.start("n") for at, _, _ in found):
            found.append((m.start("n"), float(m.group("n").replace(",", "")), "count"))
    out = []
    for at, value, unit in sorted(found):
        op = "<" if _LESS.search(text[max(0, at - 30):at]) else ">"
        out.append((op, int(value) if value.is_integer() else value, unit))
    return out


def first_number(nums, *units):
    """(op, value) of the first number in the first of `units` that was said."""
    return next((hit for unit in units if (hit := next(((op, n) for op, n, u in nums if u == unit), None))), None)


def find_event(low: str) -> tuple[str, re.Match] | None:
    for name, pattern in V.EVENTS:
        m = pattern.search(low)
        if m:
            return name, m
    return None


def _recipient(low: str, event: str | None, channel: str) -> str:
    customer = event and event.startswith("customer.") and V.TO_CUSTOMER.search(low)
    if channel == "send_email":
        return "{{event.customer.email}}" if customer else "{{org.team_email}}" if V.TEAM.search(low) else "{{user.email}}"
    return "{{event.customer.phone}}" if customer else "{{user.phone}}"


def alert(acts: dict, f: dict, nums: list) -> tuple[str | None, str | None, str]:
    """(condition for the steps that react, the action it reads, plain words for it)."""
    pct, money = first_number(nums, "%"), first_number(nums, "$")
    count = first_number(nums, "count")
    n = count[1] if count and count[0] == ">" else 0  # "if there are more than 5"; otherwise any at all
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
        return (f"{{{{detect_price_changes.change_count}}}} > {n}", "detect_price_changes",
                f"if more than {n} competitor prices changed" if n else "if any competitor price changed")
    if "track_new_products" in acts:
        return (f"{{{{track_new_products.new_count}}}} > {n}", "track_new_products",
                f"if there are more than {n} new products" if n else "if there are new products")
    if "check_inventory" in acts and (f["out_of_stock"] or f["low_stock"]):
        if f["out_of_stock"] and not (f["low_stock"] and f["low_stock"].start() < f["out_of_stock"].start()):
            return ("{{check_inventory.out_of_stock_count}} > 0", "check_inventory",
                    "if anything is out of stock")
        return "{{check_inventory.low_stock_count}} > 0", "check_inventory", "if anything is running low"
    if "sales_report" in acts and money:
        op, n = money
        return (f"{{{{sales_report.revenue}}}} {op} {n}", "sales_report",
                f"if sales are {'below' if op == '<' else 'above'} ${n:,}")
    orders = first_number(nums, "orders")
    if "sales_report" in acts and orders:
        op, n = orders
        return (f"{{{{sales_report.order_count}}}} {op} {n}", "sales_report",
                f"if there are {'fewer' if op == '<' else 'more'} than {n} orders")
    if "find_competitor_promotions" in acts:
        return (f"{{{{find_competitor_promotions.promo_count}}}} > {n}", "find_competitor_promotions",
                f"if competitors are running more than {n} promotions" if n else "if competitors are running promotions")
    return None, None, ""


_DELIVER = r"(?:email|e-mail|text|send|post|notify|alert|ping|message|slack|save|let\s+me|tell\s+me)"
# A persona's task runs to the end of its clause: punctuation, "and/then <deliver>",
# "<deliver> me" after the task's first word ("have Pops email me ..." is Pops's task),
# or the next persona asked.
_SPAN_END = re.compile(r"[,.;!?]|\s+(?:(?:and|then)\s+)+" + _DELIVER + r"\b|"
                       r"\s+(?:email|e-mail|text|send|notify|alert|ping|tell|let)\s+(?:me|us)\b")


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
    if len(found) > 1 and "notify" in found:
        found.remove("notify")  # "alert me on Slack" is one Slack message, not two
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
    condition, source, cond_words = alert(acts, f, nums)
    spans = _persona_spans(low)
    steps: list[dict] = []
    delegated: set[int] = set()
    for a in sorted(acts, key=lambda a: (ACTIONS[a].stage, acts[a])):
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
            steps.append({"action": "delegate", "params": {"agent": persona, "task": low[lo:hi].strip()}})
    handoff: set[int] = set()
    for m in V.HAND_TO.finditer(low):  # work passed on after it is done, not asked of the persona up front
        persona = V.persona_id(m.group("who"))
        if not any(s.get("agent") == persona or s["params"].get("agent") == persona for s in steps):
            delegated.add(len(steps))
            handoff.add(len(steps))
            what = re.sub(r"^(?:it|them|this|that)\s*$", "", m.group("what").strip()) or "the results"
            steps.append({"action": "delegate", "params": {"agent": persona, "task": f"follow up on {what}"}})
    channels = _channels(low, reminder)
    if not channels and steps and V.SEND_TO_ME.search(low):
        channels = ["send_email"]
    producing = {"generate_competitor_report", "create_campaign_draft", "generate_social_post", "delegate",
                 "suggest_price_adjustment", "create_reorder_list", "sales_report", "top_sellers",
                 "analyze_margins", "analyze_competitive_intelligence"}
    quiet = any(s["action"] in ("save_to_drive", "post_webhook", "request_approval") for s in steps)
    if not channels and not quiet and (condition or producing & {s["action"] for s in steps}):
        channels = ["notify"]
    last = next((s["action"] for s in reversed(steps) if ACTIONS[s["action"]].stage < 3), None)
    field = "content" if last in W.CONTENT_STEPS else "summary"
    body = (f"Reminder: {reminder}" if reminder else f"{{{{{last}.{field}}}}}" if last
            else W.event_body(event, bool(f["welcome"])))
    steps += [{"action": c, "params": _delivery_params(c, text, low, event, body)} for c in channels]
    if condition:
        at = next(i for i, s in enumerate(steps) if s["action"] == source)
        for i, s in enumerate(steps):
            if i > at and (ACTIONS[s["action"]].delivery or s["action"] == "request_approval" or i in delegated):
                s["condition"] = condition
    return (steps, {"f": f, "reminder": reminder, "delegated": delegated, "handoff": handoff},
            condition, cond_words)


def _said_numbers(value) -> list[float]:
    if isinstance(value, dict):
        return [n for v in value.values() for n in _said_numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in _said_numbers(v)]
    if isinstance(value, bool) or value is None:
        return []
    return [float(x.replace(",", "")) for x in re.findall(r"\d[\d,]*(?:\.\d+)?", str(value))]


def keep_criteria(steps: list[dict], trigger: dict, nums: list, low: str) -> None:
    """A limit no condition or filter could express goes to the model-driven step that judges it.

    "find competitor promotions and alert me if any discount is more than 25%": no output
    field holds discounts, so find_competitor_promotions gets `criteria` in the user's words.
    """
    used = set(_said_numbers([s.get("condition") for s in steps] + [s.get("params") for s in steps]
                             + [trigger.get("filter")]))
    judge = next((s for s in reversed(steps) if ACTIONS[s["action"]].thinking), None)
    if judge is None:
        return
    said = []
    for _, n, unit in nums:
        if unit == "days" or float(n) in used:
            continue
        at = re.search(rf"(?<![\d,.]){re.escape(f'{n:,}' if unit == '$' and n >= 1000 else str(n))}(?![\d])", low) \
            or re.search(rf"(?<![\d,.]){n}(?![\d])", low)
        if at:
            clause = re.split(r"[,.;!?]", low[:at.start()])[-1] + low[at.start():].split(",")[0].split(".")[0]
            cue = list(re.finditer(r"\b(?:if|when|whenever|where|whose|which|that|with|for)\b", clause))
            said.append(clause[cue[-1].end():].strip() if cue else clause.strip())
    if said:
        judge["params"]["criteria"] = "; ".join(said)


def event_filter(event: str, nums: list) -> tuple[str | None, str]:
    """(filter on the event payload, plain words for it) from the numbers in the request."""
    money, pct, units, days = (first_number(nums, *u) for u in (("$", "count"), ("%",), ("units", "count"), ("days",)))
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

