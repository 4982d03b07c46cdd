"""Which step actions a request asks for: the catalog's words, plus a small table of cross-action rules.

Every action of `scheduler.catalog.ACTIONS` that declares `words` is asked for where its
words are said, unless a rule below names it: then only its rules ask for it. A rule is
data, not code per action: "compare" asks for analyze_pricing only when competitors or
prices are said; an inventory event already says what check_inventory would find.
Adding a step type to the catalog (with its words) needs nothing here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from agents.planner import lexicon as V
from agents.planner import phrasing as W
from scheduler.catalog import ACTIONS


@dataclass(frozen=True)
class Ask:
    """`action` is asked for where `via` is said, if one of `needs` holds and none of `unless` does.

    Names in `needs` / `unless`: a feature or an action's words said in the request;
    `+action` an action already asked for (rules run in order); `event:<family>` the
    request's event is of that family; `~action` the `via` words lie inside that action's words.
    """

    action: str
    via: str = ""  # default: the action's own words
    needs: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()


_ANALYSIS = ("+analyze_pricing", "+detect_price_changes", "+track_new_products", "+suggest_price_adjustment",
             "+find_competitor_promotions", "+analyze_competitive_intelligence", "+analyze_margins")
RULES = (
    Ask("analyze_pricing"),
    Ask("analyze_pricing", "compare", needs=("scan_competitors", "prices")),
    Ask("analyze_pricing", "suggest_price_adjustment", unless=("event:competitor",)),
    # competitor work needs competitors (or a menu with new products or promotions) to be said
    Ask("detect_price_changes", needs=("intel",), unless=("+analyze_pricing", "event:competitor")),
    Ask("track_new_products", needs=("intel",), unless=("event:competitor",)),
    Ask("find_competitor_promotions", needs=("intel",)),
    Ask("generate_competitor_report", needs=("intel",), unless=("~analyze_competitive_intelligence",)),
    Ask("analyze_competitive_intelligence", needs=("intel",)),
    Ask("scan_competitors", "intel", unless=("event:competitor",)),
    # "scan competitor menus and email me a report": the report is about the scan
    Ask("generate_competitor_report", "report", needs=("intel",), unless=(*_ANALYSIS, "prices")),
    # an event of the family already brings what the step would look up
    Ask("check_inventory", unless=("event:inventory",)),
    Ask("check_inventory", "create_reorder_list", unless=("event:inventory",)),
    Ask("segment_customers", unless=("event:customer",)),
    Ask("sales_report"),
    Ask("sales_report", "day_orders", unless=("sales_report", "export_csv")),
)
_RULED = {r.action for r in RULES}
# Where the claimed span of an action's words reaches past its last word ("competitive intelligence brief").
_REACH = 12


def said(low: str) -> dict[str, re.Match | None]:
    """First match of every feature and of every action's words; `intel`: competitors (or their menus) named."""
    own = W.blank_other_playbooks(low)  # "run our reorder playbook" asks for no reorder list
    hits = {k: p.search(own) for k, p in V.FEATURES.items()}
    hits |= {name: p.search(low if name == "run_playbook" else own) for name, p in V.action_words().items()}
    menus = hits["menu"] if hits["track_new_products"] or hits["find_competitor_promotions"] else None
    hits["intel"] = hits["scan_competitors"] or menus
    return hits


def _holds(name: str, hits: dict, acts: dict, event: str | None, via: re.Match) -> bool:
    if name.startswith("+"):
        return name[1:] in acts
    if name.startswith("event:"):
        return (event or "").startswith(name[6:] + ".")
    if name.startswith("~"):
        span = hits[name[1:]]
        return bool(span) and span.start() <= via.start() < span.end() + _REACH
    return bool(hits[name])


def actions(low: str, event: str | None) -> tuple[dict[str, int], dict]:
    """Task actions asked for -> the position they were first asked for at, plus what was said."""
    hits = said(low)
    acts: dict[str, int] = {}
    plain = [Ask(name) for name, a in ACTIONS.items() if a.words and not a.delivery and name not in _RULED]
    for rule in (*plain, *RULES):
        via = hits[rule.via or rule.action]
        if via is None or (rule.needs and not any(_holds(n, hits, acts, event, via) for n in rule.needs)):
            continue
        if any(_holds(n, hits, acts, event, via) for n in rule.unless):
            continue
        acts[rule.action] = min(acts.get(rule.action, via.start()), via.start())
    return acts, hits
