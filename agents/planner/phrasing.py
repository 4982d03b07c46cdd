"""Words the planner writes: playbook names, step parameters, message bodies, confirmations.

The reading side is `agents.planner.lexicon`; this module only turns what was read into text
and parameters.
"""
from __future__ import annotations

import re

from scheduler.catalog import ACTIONS, PERSONAS
from scheduler.catalog import EVENTS as EVENT_TYPES
from scheduler.expressions.templates import literal

# --- words out: names, parameters, message bodies ------------------------------------

NUMBER_WORDS = {w: i for i, w in enumerate(
    ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"])}
LAPSED = re.compile("|".join(EVENT_TYPES["customer.lapsed"].words))  # the words for customers who stopped coming
_TWEAKS = {  # name -> [(pattern in the request, better name)]
    "Inventory Check": [(r"out\s+of\s+stock|hits?\s+zero|sold\s+out|\bis\s+out\b", "Out of Stock Alert"),
                        (r"\blow\b|reorder\s+point", "Low Stock Alert")],
    "Competitor Report": [(r"\bdigest\b", "Competitor Digest")],
    "Sales Report": [(r"\bsummary\b", "Sales Summary")],
    "Export": [(r"\bback\s?up|\bbackups?\b", "Backup")],
    "Campaign Draft": [(r"\bdeal\s+of\s+the\s+day\b", "Deal of the Day"), (r"\bwin[\s-]?back\b", "Win-Back Campaign"),
                       (r"\bnewsletter\b", "Newsletter Draft"), (r"\bpromo", "Promo Campaign Draft")],
    "Margin Analysis": [(r"\b(?:below|under|above|drops?|falls?)\b", "Margin Alert")],
}


# "kick off my 'Price Matcher' playbook" -> Price Matcher (case kept: names are matched exactly)
_OTHER_PLAYBOOK = re.compile(
    r"\b(?:run|re-?run|kick\s+off|start|trigger|launch|fire\s+off|fire|call|chain)\s+(?:up\s+)?(?:my|our|the|that|"
    r"(?:the\s+)?other)\s+(?:['\"\u2018\u201c](?P<quoted>[^'\"\u2019\u201d]{1,60})['\"\u2019\u201d]\s*|"
    r"(?P<bare>(?:[\w&-]+\s+){1,4}))(?:playbook|automation|workflow)\b", re.IGNORECASE)
_EMIT = re.compile(r"\b(?:emit|raise|publish|broadcast|fire(?:\s+off)?|trigger|send\s+out)\s+(?:an?\s+|the\s+)?"
                   r"(?:custom\s+)?(?P<what>(?:[\w.'-]+\s+){0,3}?)event\b(?:\s+(?:called|named)\s+['\"]?(?P<called>[\w.-]+)|"
                   r"\s+(?:for|about|of|saying)\s+(?:an?\s+|the\s+)?(?P<about>(?:[\w.'-]+(?:\s+|$)){1,3}))?")


def other_playbook(text: str) -> str | None:
    """The name of another playbook a request runs as a step, as said."""
    m = _OTHER_PLAYBOOK.search(text)
    return (m.group("quoted") or m.group("bare")).strip() if m else None


def blank_other_playbooks(text: str) -> str:
    """The text with the names of other playbooks it runs blanked: "run my Weekly Reorder playbook" asks for no
    schedule, event or task of its own words."""
    def blank(m: re.Match) -> str:
        name = "quoted" if m.group("quoted") is not None else "bare"
        a, b = m.start(name) - m.start(), m.end(name) - m.start()
        return m.group(0)[:a] + " " * (b - a) + m.group(0)[b:]
    return _OTHER_PLAYBOOK.sub(blank, text)


def emitted_event(low: str) -> str | None:
    """The catalog event a request asks to emit ("raise a low stock event"), or None when none of the catalog's is named."""
    m = _EMIT.search(low)
    if not m:
        return None
    said = (m.group("called") or m.group("what") or m.group("about") or "").strip().rstrip(".")
    if not said or said in EVENT_TYPES:
        return said or None
    # "a price drop event": the last part of its name; "an out of stock event": its words
    return next((e.name for e in EVENT_TYPES.values() if e.name.split(".")[-1].replace("_", " ") in said), None) or \
        next((e.name for e in EVENT_TYPES.values() if any(re.search(w, said + " ") for w in e.words)), None)


def period(low: str) -> str:
    """Reporting period said in a request, as scheduler.timing.periods.Period names it.

    Without one, `since_last_run`: a weekly or quarterly run then covers its week or quarter.
    """
    for pattern, name in ((r"\btoday'?s?\b|\btonight'?s?\b|\bfor\s+the\s+day\b|\bthe\s+day'?s\b", "today"),
                          (r"\byesterday'?s?\b", "yesterday"),
                          (r"\b(?:last|previous)\s+week'?s?\b", "last_week"),  # the calendar week before this one
                          (r"\b(?:last|past)\s+(?:7|seven)\s+days\b|\bpast\s+week\b", "last_7_days"),
                          (r"\bthis\s+week'?s?\b|\bweek\s+to\s+date\b", "week_to_date"),
                          (r"\b(?:last|previous)\s+month'?s?\b", "last_month"),
                          (r"\b(?:last|past)\s+(?:30|thirty)\s+days\b|\bpast\s+month\b", "last_30_days"),
                          (r"\bthis\s+month'?s?\b|\bmonth\s+to\s+date\b", "month_to_date")):
        if re.search(pattern, low):
            return name
    return "since_last_run"


def count_before(noun: str, low: str, most: int = 20) -> int | None:
    """'three social posts' -> 3: a number (digits or a small word) up to two words before `noun`.

    A number above `most` is a name, not a count ("a 420 themed post", "our 2024 holiday posts").
    """
    # a time or an interval is no count: "at 9 check the competitors", "every 2 hours scan competitors"
    m = re.search(r"(?<![:$])(?<!\bat\s)(?<!\baround\s)(?<!\bevery\s)(?<!\beach\s)(?<!\bby\s)\b(\d+|"
                  + "|".join(NUMBER_WORDS) + r")\s+(?!(?:am|pm|o'?clock|hours?|minutes?|mins?|days?|weeks?)\b)"
                  r"(?:[\w-]+\s+){0,2}" + noun, low)
    if not m:
        return None
    n = int(m.group(1)) if m.group(1).isdigit() else NUMBER_WORDS[m.group(1)]
    return n if 0 < n <= most else None


def plain(words: str) -> str:
    """The user's words where no template may appear at all (names, subjects): brace marks dropped."""
    return re.sub(r"\s+", " ", re.sub(r"[{}%#]+", " ", words)).strip()


def step_params(action: str, text: str, low: str, f: dict, units: float | None, clause: str) -> dict:
    """Parameters for one task step, read from the request."""
    if action == "scan_competitors":
        focus = [name for name, k in (("prices", "prices"), ("menus", "menu"), ("promotions", "find_competitor_promotions"),
                                       ("new_products", "track_new_products")) if f[k]]
        top = count_before(r"competitors\b", low)
        return {"focus": focus or ["prices"], **({"limit": top} if top else {})}
    if action == "analyze_pricing":
        product = re.search(r"\bsells?\s+(.+?)\s+(?:for|at)\s+(?:less|a\s+lower|cheaper|under)", text, re.I)
        return {"compare_to": "our_prices", **({"products": [literal(product.group(1))]} if product else {})}
    if action == "check_inventory":
        which = "out_of_stock" if f["out_of_stock"] else "low_stock" if f["low_stock"] else "all"
        return {"filter": which, **({"threshold": units} if units is not None else {})}
    if action in ("sales_report", "top_sellers"):
        top = re.search(r"\btop\s+(\d+)\b", low)
        slow = action == "top_sellers" and re.search(r"\b(?:slow|slowest|worst|bottom|dead)\b", low)
        return {"period": period(low), **({"top": int(top.group(1))} if top else {}),
                **({"rank": "slowest"} if slow else {})}
    if action == "export_csv":
        data = next((d for d in ("orders", "inventory", "customers", "products") if re.search(rf"\b{d}\b", low)), "sales")
        return {"dataset": data, "period": period(low)}
    if action == "generate_social_post":
        topic = re.search(r"\bposts?\s+(?:for|about|on|featuring)\s+(?:our\s+)?(.+?)(?:[,.;!?]|\s+and\s+|$)", low)
        return {"count": count_before(r"(?:posts?|tweets?|captions?)\b", low, most=10) or 1,
                **({"topic": literal(topic.group(1))} if topic else {})}
    if action == "create_campaign_draft":
        return {"brief": literal(clause or text.strip())}
    if action == "segment_customers":
        segment = next((s for s in ("loyalty", "vip", "lapsed", "inactive", "new") if s in low), None)
        away = LAPSED.search(low)
        # "customers who haven't visited in 30 days": the gap is what picks the segment
        gap = re.search(r"\b(\d+)\s+(day|week|month)s?\b", low[away.start():]) if away else None
        return {"segment": segment or ("lapsed" if away else "all"),
                **({f"inactive_{gap.group(2)}s": int(gap.group(1))} if gap else {})}
    if action == "suggest_price_adjustment":
        return {"require_approval": bool(f["request_approval"])}
    if action == "wait":
        m = re.search(r"\b(?:wait|pause|hold)\w*\s+(?:off\s+)?(?:for\s+)?(\d+|an?)\s+(minute|hour|day|week)s?\b|"
                      r"\b(\d+|an?)\s+(minute|hour|day|week)s?\s+later\b", low)
        n, unit = (m.group(1) or m.group(3), m.group(2) or m.group(4)) if m else ("1", "hour")
        return {f"{unit}s": int(n) if n.isdigit() else 1}
    if action == "run_playbook":
        return {"playbook": literal(name)} if (name := other_playbook(text)) else {}
    if action == "emit_event":
        return {"name": name} if (name := emitted_event(low)) else {}
    if action == "request_approval":
        return {"prompt": "Approve the suggested changes?"}
    if action == "save_to_drive":
        return {"folder": "Playbooks"}
    if action == "post_webhook":
        url = re.search(r"https?://\S+", text)
        # No URL said: the organisation's default webhook (`playbooks integrations add webhook`).
        return {"url": url.group(0)} if url else {}
    return {}


def event_body(event: str | None, welcome: bool, to_customer: bool = False) -> str:
    """Message text for a delivery triggered straight by an event."""
    if to_customer and event == "order.created":  # "text the customer": the buyer, not the shop
        return "Thanks for your order at {{org.name}}, {{event.customer.name}}!"
    return {
        "inventory.low_stock": "Low stock: {{event.product_name}} has {{event.quantity}} left.",
        "inventory.out_of_stock": "Out of stock: {{event.product_name}}.",
        "inventory.restocked": "Back in stock: {{event.product_name}}.",
        "order.created": "New order {{event.order_id}} for ${{event.total}}.",
        "customer.created": ("Welcome to {{org.name}}, {{event.customer.name}}!" if welcome
                             else "New customer: {{event.customer.name}}."),
        "customer.lapsed": "{{event.customer.name}} has not ordered in {{event.days_since_last_order}} days.",
        "competitor.price_drop": "{{event.competitor}} dropped the price of {{event.product_name}}.",
        "competitor.price_change": "{{event.competitor}} changed the price of {{event.product_name}}.",
        "competitor.new_product": "{{event.competitor}} added {{event.product_name}}.",
        "playbook.failed": "Playbook {{event.playbook_name}} failed: {{event.error}}",
    }.get(event or "", "")


def cadence(cron: str) -> str:
    """'Daily', 'Weekly', 'Monthly'... for a playbook name, '' when no word fits."""
    minute, hour, dom, month, dow = cron.split()
    if "/" in minute or "/" in hour or "-" in hour or hour == "*":
        return "Hourly" if hour == "*" and minute.isdigit() else ""
    if month == "1,4,7,10":
        return "Quarterly"
    if dom != "*":
        return "Monthly" if month == "*" else ""
    if dow == "*":
        return "Nightly" if hour.isdigit() and int(hour) >= 21 else "Daily"
    return "Weekday" if dow == "1-5" else "Weekly"


def playbook_name(actions: list[str], low: str, event: str | None, cron: str | None,
                  reminder: str | None, conditional: bool, dataset: str | None) -> str:
    """Short title-case name: 'Weekly Sales Report', 'Low Stock Alert'."""
    if reminder:
        words = [w for w in plain(reminder).split() if w not in ("the", "a", "an", "our", "my")][:4]
        return " ".join(w.capitalize() for w in words) + " Reminder"
    # the catalog's title of the step that best names the playbook (lowest title_rank)
    name = min((ACTIONS[a] for a in actions if ACTIONS[a].title), key=lambda a: a.title_rank, default=None)
    name = name.title if name else None
    if event and (name is None or name == "Inventory Check"):
        name = EVENT_TYPES[event].title
        if event == "order.created" and conditional:
            name = "Large Order Alert"
        if event == "customer.created" and "welcome" in low:
            name = "New Customer Welcome"
    name = name or "Playbook"
    for pattern, better in _TWEAKS.get(name, []):
        if re.search(pattern, low):
            name = better
            break
    if name in ("Export", "Backup"):
        name = f"{(dataset or 'data').capitalize()} {name}"
    if cron and not name.endswith(("Alert", "Watch", "Reminder")):
        name = f"{cadence(cron)} {name}".strip()
    return name


def step_phrase(step: dict, persona: str | None, reminder: str | None) -> str:
    """What one step does, in words for the confirmation: 'email the team', 'have Craig draft a campaign'."""
    a = step["action"]
    if a == "delegate":
        return f"have {PERSONAS[step['params']['agent']].name} {step['params']['task']}"
    phrase = ACTIONS[a].phrase
    to = step.get("params", {}).get("to", "")
    if a == "notify" and reminder:
        phrase = f"remind you to {reminder}"
    elif ACTIONS[a].delivery and reminder:
        phrase = f"{phrase} a reminder to {reminder}"
    elif a == "send_email" and "customer" in to:
        phrase = "send them an email"
    elif a == "send_sms" and "customer" in to:
        phrase = "text them"
    elif a in ("send_email", "send_sms") and "team" in to:
        phrase = ("email" if a == "send_email" else "text") + " the team"
    elif a == "generate_social_post":
        n = step["params"].get("count", 1)
        phrase = "write a social post" if n == 1 else f"write {n} social posts"
    if persona and step.get("agent") and step["agent"] != persona:
        phrase = f"have {PERSONAS[step['agent']].name} {phrase}"
    return phrase


def join_words(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
