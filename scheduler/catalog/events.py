"""The event catalog, declared once: names, what each means, who owns it, and the data it carries."""
from __future__ import annotations

from dataclasses import dataclass, field

from scheduler.catalog.actions import COMPETITOR_WORDS, NEW_THINGS


@dataclass(frozen=True)
class EventType:
    """A named domain event that can start playbooks."""

    name: str
    label: str  # "an item runs low on stock": reads after "whenever"
    owner: str  # the persona that owns playbooks started by it
    title: str  # the default name of a playbook it starts
    data: dict[str, str] = field(default_factory=dict)  # field -> meaning, as `{{event.<field>}}`
    # Regular expressions (on lower-cased text) that say this event happened, for the planner
    # ("when an item runs low on stock"); several when some must be tried before other events' words.
    words: tuple[str, ...] = ()
    # Data for a run by hand ("Run now" on an event playbook, no event given): every declared field, made up.
    example: dict[str, object] = field(default_factory=dict)


# Made-up data of the examples (what a hand run of an event playbook sees without an event).
_ITEM = {"product_id": "prd_example", "product_name": "Example Product", "sku": "EX-1", "reorder_point": 10}
_CUSTOMER = {"id": "cus_example", "name": "Example Customer", "email": "customer@example.com", "phone": None}
_RIVAL = {"competitor": "Example Competitor", "product_name": "Example Product"}

EVENTS: dict[str, EventType] = {e.name: e for e in (
    EventType("inventory.low_stock", "an item runs low on stock", "pops", "Low Stock Alert",
              {"product_name": "the product", "quantity": "units left", "reorder_point": "its reorder point"},
              words=(r"\b(?:almost|nearly|about\s+to|close\s+to|getting\s+close\s+to)\s+(?:run\w*\s+|sell\w*\s+)?out\b|"
                     r"\brunning\s+out\b",
                     r"\blow\s+(?:on\s+)?(?:stock|inventory)\b|"
                     r"\b(?:stock|inventory|quantity)\s+(?:is\s+|gets\s+|goes\s+|runs?\s+)?low\b|"
                     r"\brun(?:s|ning)?\s+low\b|\bgets?\s+low\b|\blow[- ]stock\b|"
                     r"\b(?:below|under)\s+(?:the\s+)?(?:reorder|par)\s+(?:point|level)\b|"
                     r"\b(?:stock|inventory|quantity|units)\b.{0,30}?\b(?:drops?|falls?|goes|dips?|gets?|is|are)\s+"
                     r"(?:below|under|low|less\s+than|fewer\s+than)\b|"
                     r"\b(?:below|under|only)\s+\d+\s+(?:units|left|in\s+stock|on\s+hand)\b|"
                     r"\b(?:anything|something|an?\s+item|an?\s+product|any\s+\w+)\s+(?:is|gets|goes|runs)\s+low\b|"
                     r"\b(?:stock|inventory|quantity)\b.{0,30}?\b(?:hits?|reach\w*|(?:gets?|goes|drops?|falls?)\s+to)\s+\d+\b|"
                     r"\b(?:fewer|less)\s+than\s+\d+\s+(?:units|left|in\s+stock)\b"),
              example={**_ITEM, "quantity": 3, "previous_quantity": 12}),
    EventType("inventory.out_of_stock", "a product runs out of stock", "pops", "Out of Stock Alert",
              {"product_name": "the product", "quantity": "units left (0)"},
              words=(r"\b(?:we'?re|we\s+are)\s+(?:completely\s+|all\s+)?out\s+of\b|\bout[\s-]of[\s-]stock\b|"
                     r"\bsold[\s-]out\b|\bsells?\s+out\b|\bruns?\s+out\b|\bstockouts?\b|"
                     r"\b(?:hits?|reach\w*|goes\s+to|drops?\s+to|falls?\s+to|at)\s+(?:zero|0)\b|"
                     r"\bzero\s+(?:stock|inventory|units)\b",),
              example={**_ITEM, "quantity": 0, "previous_quantity": 2}),
    EventType("inventory.restocked", "an item is restocked", "pops", "Restock Alert",
              {"product_name": "the product", "quantity": "units now in stock"},
              words=(r"\brestock(?:ed|s)?\b(?!\s+list)|\bback[\s-]in[\s-]stock\b|\breplenish\w*|"
                     r"\bback\s+on\s+(?:the\s+)?shel(?:f|ves)\b|\b(?:available|in\s+stock|for\s+sale)\s+again\b|"
                     r"\bcomes?\s+back\s+in(?:to)?\s+stock\b",),
              example={**_ITEM, "quantity": 40, "previous_quantity": 0}),
    EventType("order.created", "a new order comes in", "pops", "New Order Alert",
              {"order_id": "the order", "total": "order total in dollars",
               "customer.email": "the buyer's email (when known)", "customer.phone": "the buyer's phone (when known)",
               "customer.name": "the buyer's name (when known)"},
              words=(r"\bnew\s+orders?\b|\borders?\s+(?:\w+\s+){0,4}(?:comes?|came)\s+in\b|"
                     r"\borders?\s+(?:is\s+|are\s+|gets?\s+)?(?:placed|received|created|made)\b|"
                     r"\bplaces?\s+an?\s+(?:\w+\s+)?order\b|\b(?:receive|get|gets|have)\s+an?\s+(?:\w+\s+)?order\b|"
                     r"\b(?:every|each|any|an|a)\s+(?:\w+\s+)?order\b|\b(?:large|big|huge)\s+orders?\b|"
                     r"\bsomeone\s+(?:orders|buys|purchases)\b|\b(?:make|makes|made|get|gets|ring\s+up)\s+an?\s+(?:\w+\s+)?sale\b|"
                     r"\ba\s+sale\s+(?:is\s+)?(?:made|comes\s+in|happens|goes\s+through)\b|"
                     r"\b(?:orders?|purchases?)\s+(?:over|above|of\s+more\s+than|worth)\b",),
              example={"order_id": "ord_example", "total": 120.0, "item_count": 2, "customer": None}),
    EventType("customer.created", "a new customer signs up", "craig", "New Customer Alert",
              {"customer.email": "their email", "customer.phone": "their phone", "customer.name": "their name"},
              words=(r"\bnew\s+(?:customers?|members?|sign[\s-]?ups?|users?|shoppers?|subscribers?)\b|\bsigns?\s+up\b|\bregisters?\b|"
                     r"\bcreates?\s+an\s+account\b|\bjoins?\b|\bfirst[\s-]time\s+(?:customers?|buyers?|shoppers?)\b",),
              example={"customer": _CUSTOMER}),
    EventType("customer.lapsed", "a customer lapses", "craig", "Lapsed Customer Alert",
              {"customer.email": "their email", "customer.name": "their name",
               "days_since_last_order": "days since their last order"},
              words=(r"\blapsed\b|\blapses\b|"
                     r"\b(?:hasn'?t|has\s+not|haven'?t|have\s+not|hadn'?t|didn'?t|did\s+not|not)\s+(?:ordered|bought|"
                     r"purchased|visited|shopped|returned|been\s+(?:back|in|around|by)|come\s+(?:back|in|by)|"
                     r"(?:made|placed)\s+an?\s+(?:purchase|order)|(?:stopped|dropped)\s+(?:by|in))\b|"
                     r"\b(?:goes|gone|went|go|been|passed)\s+\d+\s+(?:days?|weeks?|months?)\s+without\b|"
                     r"\bno\s+(?:purchases?|orders?|visits?)\s+(?:in|for)\b|\bwe\s+haven'?t\s+seen\b|"
                     r"\binactive\s+(?:customers?|for)\b|\b(?:been\s+)?(?:gone|away|absent|missing|m\.?i\.?a)\s+(?:for\s+)?"
                     r"(?:\d+|a\s+(?:while|month|few)|over\s+a|more\s+than|months|weeks)\b|"
                     r"\bstop(?:s|ped)?\s+(?:buying|ordering|shopping|coming|visiting)\b|\bchurn\w*",),
              example={"customer": _CUSTOMER, "days_since_last_order": 60}),
    EventType("competitor.price_change", "a competitor changes a price", "ezal", "Competitor Price Change Alert",
              {"competitor": "the competitor", "product_name": "the product", "change_pct": "percent change (positive)"},
              words=(COMPETITOR_WORDS + r".{0,40}\b(?:chang\w+|rais\w+|updat\w+|mov\w+|increas\w+|adjust\w+)\s+"
                     r"(?:\w+\s+){0,3}(?:prices?|pricing)\b|\bprice\s+changes?\b.{0,40}" + COMPETITOR_WORDS + "|" + COMPETITOR_WORDS +
                     r".{0,30}\bpric(?:es?|ing)\s+(?:\w+\s+)?(?:changes?|changed|moves?|moved|goes\s+up|went\s+up|"
                     r"increases?|increased|shifts?|shifted|rises?|rose)\b",),
              example={**_RIVAL, "old_price": 40.0, "new_price": 44.0, "change_pct": 10.0, "change_percent": 10.0}),
    EventType("competitor.price_drop", "a competitor drops a price", "ezal", "Competitor Price Drop Alert",
              {"competitor": "the competitor", "product_name": "the product", "drop_pct": "percent drop (positive)"},
              words=(COMPETITOR_WORDS + r".{0,40}\b(?:drops?|dropped|lowers?|lowered|cuts?|reduces?|reduced|slash\w*|"
                     r"undercuts?|discounts?)\b|\bprice\s+drops?\b.{0,40}" + COMPETITOR_WORDS + "|" + COMPETITOR_WORDS +
                     r".{0,30}\bpric(?:es?|ing)\s+(?:\w+\s+)?(?:drops?|dropped|falls?|fell|goes\s+down|went\s+down|"
                     r"decreases?|decreased|is\s+(?:cut|lowered|reduced))\b",),
              example={**_RIVAL, "old_price": 40.0, "new_price": 36.0, "drop_pct": 10.0, "change_percent": -10.0}),
    EventType("competitor.new_product", "a competitor lists a new product", "ezal", "Competitor New Product Alert",
              {"competitor": "the competitor", "product_name": "the product"},
              words=(COMPETITOR_WORDS + r".{0,60}\b(?:adds?|added|launch\w*|lists?|listed|releases?|released|introduc\w+|"
                     r"(?:has|have|gets?|got)\s+(?:a\s+|any\s+)?new|start\w*\s+(?:selling|carrying|stocking|offering)|"
                     r"(?:a|any)\s+new\s+" + NEW_THINGS + r")\b|\bnew\s+" + NEW_THINGS + r"\b.{0,40}" + COMPETITOR_WORDS,),
              example={**_RIVAL, "price": 30.0}),
    EventType("playbook.failed", "a playbook fails", "pops", "Playbook Failure Alert",
              {"playbook_id": "the playbook that failed", "error": "why it failed"},
              words=(r"\b(?:playbooks?|automations?|workflows?|jobs?|runs?)\s+(?:\w+\s+)?"
                     r"(?:fails?|failed|errors?|errored|breaks?|broke|crash\w*)\b|"
                     r"\bfails?\s+to\s+run\b|\b(?:anything|something)\s+(?:fails|breaks|goes\s+wrong)\b|"
                     r"\b(?:playbooks?|automations?|workflows?|jobs?)\s+(?:doesn'?t|didn'?t|does\s+not|did\s+not|won'?t|can'?t)\s+"
                     r"(?:run|work|finish|complete)\b",),
              example={"playbook_id": "pb_example", "playbook_name": "Example Playbook", "execution_id": "ex_example",
                       "error": "an example failure"}),
)}
EVENT_NAMES: tuple[str, ...] = tuple(EVENTS)
