"""The step catalog, declared once: every action the planner may write, its owner, stage and outputs.

A registered step type (scheduler.steps) implements one of these actions; an action
with no registered step is planned but refused when a playbook naming it is saved.
The planner, validation, the prompts and `playbooks steps` read this table.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum


class Stage(IntEnum):
    """Pipeline order of a playbook's steps: gather, analyse, produce, approve, file, deliver."""

    gather = 0
    analyse = 1
    produce = 2
    approve = 3
    file = 4
    hand_off = 5
    deliver = 6


@dataclass(frozen=True)
class Action:
    """One canonical action of the step catalog."""

    name: str
    family: str  # intelligence, pricing, operations, marketing, delivery, control
    owner: str | None  # the persona that owns it; None: whoever owns the playbook
    stage: Stage
    phrase: str  # what it does, after "I'll": "check inventory"
    description: str  # one line for the catalog, the docs and the model
    title: str | None = None  # the default playbook name when this is its main step
    title_rank: int = 99  # lower wins when several steps could name the playbook
    thinking: bool = False  # a persona's model does the work (the step's `agent` says whose)
    delivery: bool = False  # delivers to a person (email, text, Slack, in-app)
    outputs: dict[str, str] = field(default_factory=dict)  # field -> meaning (with unit), as templates read it


_ACTIONS = (
    # intelligence (Ezal)
    Action("scan_competitors", "intelligence", "ezal", Stage.gather, "scan your competitors",
           "Fetch the competitors' menus and read their products and prices.", "Competitor Scan", 16,
           outputs={"pages_fetched": "pages fetched (count)", "cache_hits": "pages unchanged since last scan (count)"}),
    Action("detect_price_changes", "intelligence", "ezal", Stage.analyse, "look for price changes",
           "Compare competitor prices with the previous scan.", "Competitor Price Change Alert", 3, thinking=True,
           outputs={"change_count": "prices changed since the last run (count)",
                    "max_change_pct": "largest price move (percent, positive)"}),
    Action("track_new_products", "intelligence", "ezal", Stage.analyse, "look for new products",
           "Find products competitors added or removed since the last scan.", "New Product Watch", 4, thinking=True,
           outputs={"new_count": "competitor products not seen before (count)"}),
    Action("find_competitor_promotions", "intelligence", "ezal", Stage.analyse, "find competitor promotions",
           "Find competitor products on sale.", "Competitor Promotions Watch", 7, thinking=True,
           outputs={"promo_count": "competitor promotions found (count)"}),
    Action("generate_competitor_report", "intelligence", "ezal", Stage.produce, "write a competitor report",
           "Write a report of what the competitors did.", "Competitor Report", 6, thinking=True),
    Action("analyze_competitive_intelligence", "intelligence", "ezal", Stage.analyse,
           "analyze the competitive landscape", "Turn competitor findings into actions for the right persona.",
           "Competitive Intelligence Brief", 5, thinking=True),
    # pricing (Money Mike)
    Action("analyze_pricing", "pricing", "money_mike", Stage.analyse, "compare their prices with yours",
           "Compare our prices with the competitors'.", "Competitor Price Alert", 1, thinking=True,
           outputs={"price_gap": "largest percent by which a competitor is below our price (0 if none)"}),
    Action("suggest_price_adjustment", "pricing", "money_mike", Stage.produce, "suggest price adjustments",
           "Suggest price changes for approval.", "Price Adjustment Suggestions", 0, thinking=True),
    Action("analyze_margins", "pricing", "money_mike", Stage.analyse, "analyze your margins",
           "Margins by category from prices and costs.", "Margin Analysis", 2, thinking=True,
           outputs={"min_margin_pct": "lowest category margin (percent)",
                    "max_margin_pct": "highest category margin (percent)"}),
    # operations (Pops)
    Action("check_inventory", "operations", "pops", Stage.gather, "check inventory",
           "Items at or below their reorder point, and items out of stock.", "Inventory Check", 10,
           outputs={"low_stock_count": "items at or below the reorder point (count)",
                    "out_of_stock_count": "items at zero (count)"}),
    Action("create_reorder_list", "operations", "pops", Stage.analyse, "build a reorder list",
           "Quantities to reorder for low items.", "Reorder List", 9),
    Action("sales_report", "operations", "pops", Stage.gather, "prepare a sales report",
           "Orders, revenue and top sellers for a period.", "Sales Report", 12,
           outputs={"revenue": "revenue in the period (dollars)", "order_count": "orders in the period (count)"}),
    Action("top_sellers", "operations", "pops", Stage.gather, "pull your top sellers",
           "The best-selling products of a period.", "Top Sellers Report", 11),
    Action("export_csv", "operations", "pops", Stage.file, "export a CSV",
           "Export a data set as a CSV file.", "Export", 8),
    # marketing (Craig)
    Action("create_campaign_draft", "marketing", "craig", Stage.produce, "draft a campaign",
           "A campaign draft for a segment, never sent without approval.", "Campaign Draft", 14, thinking=True),
    Action("segment_customers", "marketing", "craig", Stage.gather, "pick the customer segment",
           "Customers by recency, frequency, spend or loyalty tier.", "Customer Segment", 15, thinking=True),
    Action("generate_social_post", "marketing", "craig", Stage.produce, "write social posts",
           "Draft social media posts.", "Social Posts", 13, thinking=True),
    # delivery
    Action("send_email", "delivery", None, Stage.deliver, "email you", "Send an email.", delivery=True),
    Action("send_sms", "delivery", None, Stage.deliver, "text you", "Send a text message.", delivery=True),
    Action("post_slack", "delivery", None, Stage.deliver, "post it to Slack", "Post to a Slack channel.", delivery=True),
    Action("notify", "delivery", None, Stage.deliver, "notify you", "Leave an in-app notification.", delivery=True),
    Action("post_webhook", "delivery", None, Stage.hand_off, "post it to your webhook", "POST signed JSON to a URL."),
    Action("save_to_drive", "delivery", None, Stage.hand_off, "save it to Drive", "Save a file to storage."),
    # control
    Action("delegate", "control", None, Stage.produce, "hand it to another persona",
           "Hand a task to another persona (params.agent)."),
    Action("request_approval", "control", None, Stage.approve, "ask for your approval",
           "Wait for a person to approve or reject."),
    Action("wait", "control", None, Stage.hand_off, "wait", "Wait a while before the next step."),
    Action("run_playbook", "control", None, Stage.hand_off, "run another playbook", "Start another playbook."),
    Action("emit_event", "control", None, Stage.hand_off, "raise an event", "Emit a named event."),
    Action("summarize", "control", None, Stage.produce, "summarize it", "Summarise what earlier steps found."),
    Action("fetch_url", "intelligence", "ezal", Stage.gather, "read the page",
           "Fetch a public web page (params.url) and read its title and text.",
           outputs={"status": "HTTP status code", "title": "the page title", "text": "the page's visible text (truncated)"}),
)
ACTIONS: dict[str, Action] = {a.name: a for a in _ACTIONS}
# Fields every step's output has.
COMMON_OUTPUTS = {"summary": "a short text of what the step found, used in message bodies"}


def action(name: str) -> Action | None:
    """The catalog entry of an action, or None."""
    return ACTIONS.get(name)
