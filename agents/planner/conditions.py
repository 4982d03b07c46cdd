"""Numbers said in a request, and the conditions and event filters made of them: tables, not code per action.

`ALERTS` says, for each step whose output a delivery can wait on, which output field a
number said in which unit compares with (the fields of `scheduler.catalog.ACTIONS[...].outputs`);
`FILTERS` does the same for an event's payload. The first row that applies wins.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from scheduler.catalog import ACTIONS
from scheduler.steps.registry import default_registry

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


@dataclass(frozen=True)
class Alert:
    """When `action` is asked for, a delivery after it waits on `field` compared with a number said in `unit`.

    `field` may depend on the comparison said ({"<": lowest, ">": highest}). `op` fixes the comparison;
    then with no number said the condition is "> 0" (any at all), unless `required`. A count ("more
    than 5 new products") sets the number only when it says "more than". `needs`: one of these
    features must be said, and not after `not_after` ("low stock or out of stock": the first said).
    `words`: how the confirmation says it, with a number and without. `param`: the step's own parameter
    the number said also sets, so what the step reports agrees with what the alert waits on.
    """

    action: str
    field: str | dict[str, str]
    unit: str | None = None
    op: str | None = None
    required: bool = False
    needs: tuple[str, ...] = ()
    not_after: str | None = None
    words: tuple[str, str] = ("", "")
    param: str | None = None


ALERTS = (
    Alert("analyze_pricing", "price_gap", "%", ">", needs=("compare",),
          words=("if a competitor undercuts you by more than {n}%", "if a competitor is cheaper than you"), param="threshold"),
    Alert("analyze_margins", {"<": "min_margin_pct", ">": "max_margin_pct"}, "%", required=True,
          words=("if a margin is {below} {n}%", "")),
    Alert("detect_price_changes", "max_change_pct", "%", ">", required=True,
          words=("if a competitor price moves by more than {n}%", "")),
    Alert("detect_price_changes", "change_count", "count", ">",
          words=("if more than {n} competitor prices changed", "if any competitor price changed")),
    Alert("track_new_products", "new_count", "count", ">",
          words=("if there are more than {n} new products", "if there are new products")),
    Alert("check_inventory", "out_of_stock_count", op=">", needs=("out_of_stock",), not_after="low_stock",
          words=("", "if anything is out of stock")),
    Alert("check_inventory", "low_stock_count", op=">", needs=("out_of_stock", "low_stock"),
          words=("", "if anything is running low")),
    Alert("sales_report", "revenue", "$", required=True, words=("if sales are {below} ${n:,}", "")),
    Alert("sales_report", "order_count", "orders", required=True, words=("if there are {fewer} than {n} orders", "")),
    Alert("find_competitor_promotions", "promo_count", "count", ">",
          words=("if competitors are running more than {n} promotions", "if competitors are running promotions")),
)


def _applies(row: Alert, acts: dict, f: dict) -> bool:
    if row.action not in acts or (row.needs and not any(f[n] for n in row.needs)):
        return False
    first = f[row.not_after] if row.not_after else None
    return not (first and any(f[n] and first.start() < f[n].start() for n in row.needs))


def alert(acts: dict, f: dict, nums: list) -> tuple[str | None, str | None, str, dict]:
    """(condition for the steps that react, the action it reads, plain words for it, params it sets on that action's step)."""
    for row in ALERTS:
        if not _applies(row, acts, f):
            continue
        said = first_number(nums, row.unit) if row.unit else None
        if said and row.unit == "count" and said[0] != ">":
            said = None  # "fewer than 5 new products" sets no count to exceed: any at all
        if said is None and (row.required or row.op is None):
            continue
        op = row.op or said[0]
        n = said[1] if said else 0
        field = row.field[op] if isinstance(row.field, dict) else row.field
        words = row.words[0 if said else 1].format(n=n, below="below" if op == "<" else "above",
                                                   fewer="fewer" if op == "<" else "more")
        # The parameters these set are percents: a number past 100 stays in the condition alone.
        params = {row.param: n} if row.param and said and 0 < n <= 100 else {}
        return f"{{{{{row.action}.{field}}}}} {op} {n}", row.action, words, params
    return None, None, "", {}


# event -> (units its number may be said in, payload field, comparison (None: as said), words)
FILTERS = {
    "order.created": (("$", "count"), "total", None, "{over} ${n:,}"),
    "inventory.low_stock": (("units", "count"), "quantity", "<", "fewer than {n} left"),
    "competitor.price_drop": (("%",), "drop_pct", ">", "by more than {n}%"),
    "competitor.price_change": (("%",), "change_pct", ">", "by more than {n}%"),
    "customer.lapsed": (("days",), "days_since_last_order", ">=", "no order in {n} days"),
}


def event_filter(event: str, nums: list) -> tuple[str | None, str]:
    """(filter on the event payload, plain words for it) from the numbers in the request."""
    units, field, op, words = FILTERS.get(event, ((), "", None, ""))
    said = first_number(nums, *units) if units else None
    if said is None:
        return None, ""
    op = op or said[0]
    return f"{{{{event.{field}}}}} {op} {said[1]}", words.format(n=said[1], over="under" if op == "<" else "over")


def _said_numbers(value) -> list[float]:
    if isinstance(value, dict):
        return [n for v in value.values() for n in _said_numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in _said_numbers(v)]
    if isinstance(value, bool) or value is None:
        return []
    return [float(x.replace(",", "")) for x in re.findall(r"\d[\d,]*(?:\.\d+)?", str(value))]


@cache
def _takes_criteria(action: str) -> bool:
    """Whether the registered step type of `action` reads a limit in the user's words (params.criteria)."""
    kind = default_registry().get(action)
    return kind is not None and "criteria" in kind.Params.model_fields


def keep_criteria(steps: list[dict], trigger: dict, nums: list, low: str) -> None:
    """A limit no condition or filter could express goes to the model-driven step that judges it.

    "find competitor promotions and alert me if any discount is more than 25%": no output
    field holds discounts, so find_competitor_promotions gets `criteria` in the user's words.
    """
    used = set(_said_numbers([s.get("condition") for s in steps] + [s.get("params") for s in steps]
                             + [trigger.get("filter")]))
    judge = next((s for s in reversed(steps) if ACTIONS[s["action"]].thinking and _takes_criteria(s["action"])), None)
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
