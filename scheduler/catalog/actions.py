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
    # What it makes is for a person: planned with no channel said, the user is still told (in-app).
    tells: bool = False
    # Regular expressions (on lower-cased text, joined with "|") that ask for this action in a chat
    # request. The planner finds actions by running these; one with none is never planned from words.
    words: tuple[str, ...] = ()
    # Actions of the same stage whose outputs this one reads: planned, it comes after those.
    reads: tuple[str, ...] = ()


# Words shared by several actions and events: who the competitors are, what a menu gets new of.
COMPETITOR_WORDS = (
    r"\b(?:competitors?'?s?|competition|competitive|rivals?'?|(?<!\bour\s)(?<!\bmy\s)(?<!\bboth\s)dispensaries|"
    r"(?:other|nearby|nearest|local|competing|neighbou?ring|surrounding|area)\s+(?:\w+\s+)?(?:stores|shops|retailers)|"
    r"(?:store|shop|dispensary)\s+(?:down|across|up)\s+the\s+(?:street|road|block)|"
    r"(?:any(?:one|body)|some(?:one|body)|other\s+(?:places|shops|stores|spots)|places|spots)\s+"
    r"(?:nearby|near\s+(?:us|here|by)|around\s+(?:us|here)|in\s+(?:the|our)\s+area|in\s+town|down\s+the\s+(?:street|road)))\b")
NEW_THINGS = (r"(?:products?|items?|skus?|arrivals|launch(?:es)?|strains?|flavou?rs|listings?|menu\s+items|drops|brands?|"
              r"edibles|vapes|carts|cartridges|concentrates|pre-?rolls|gummies|tinctures|flower|stuff|lines?)")


_ACTIONS = (
    # intelligence (Ezal)
    Action("scan_competitors", "intelligence", "ezal", Stage.gather, "scan your competitors",
           "Fetch the competitors' menus and read their products and prices.", "Competitor Scan", 16,
           outputs={"pages_fetched": "pages fetched (count)", "cache_hits": "pages unchanged since last scan (count)"},
           words=(COMPETITOR_WORDS,)),
    Action("detect_price_changes", "intelligence", "ezal", Stage.analyse, "look for price changes",
           "Compare competitor prices with the previous scan.", "Competitor Price Change Alert", 3, thinking=True,
           outputs={"change_count": "prices changed since the last run (count)",
                    "max_change_pct": "largest price move (percent, positive)"},
           words=(r"\b(?:chang|rais|lower|cut|drop|mov|increas|decreas|adjust|updat|hik|slash|reduc)\w*\s+"
                  r"(?:\w+\s+){0,3}(?:prices?|pricing)\b",
                  r"\bprice\s+(?:changes?|moves?|movements?|drops?|increases?|decreases?|cuts?|hikes?|updates?)\b",
                  r"\bprices?\s+(?:changed?|changes|went|go|move[sd]?|dropped|drops?|falls?|fell|rises?|rose|jumps?|jumped)\b|"
                  r"\bprices?\s+for\s+(?:any\s+)?changes\b",
                  r"\bchanges?\s+(?:in|to)\s+(?:\w+\s+){0,2}prices?\b",
                  r"\bpric(?:es?|ing)\b[^.;]{0,40}\b(?:changed?|changes|moved?|shifted|jumped|swung|fluctuat\w*|"
                  r"went\s+(?:up|down)|dropped|fell|rose|increased|decreased|spiked|dipped|plunged|moved)\b")),
    Action("track_new_products", "intelligence", "ezal", Stage.analyse, "look for new products",
           "Find products competitors added or removed since the last scan.", "New Product Watch", 4, thinking=True,
           outputs={"new_count": "competitor products not seen before (count)"},
           words=(r"\bnew\s+" + NEW_THINGS + r"\b",
                  r"\b(?:start\w*|begin\w*)\s+(?:selling|carrying|stocking|offering)\b",
                  r"\b(?:adds?|added|launch(?:es|ed)?|lists?|listed|releases?|released|introduc\w+)\s+(?:a\s+|any\s+)?new\b")),
    Action("find_competitor_promotions", "intelligence", "ezal", Stage.analyse, "find competitor promotions",
           "Find competitor products on sale.", "Competitor Promotions Watch", 7, thinking=True,
           outputs={"promo_count": "competitor promotions found (count)"},
           words=(r"\b(?:promotions?|promos?|deals|specials|discounts|coupons|offers|sales\s+events?|bogo|promoting|"
                  r"running\s+(?:any\s+)?(?:sales|specials|deals))\b",)),
    Action("generate_competitor_report", "intelligence", "ezal", Stage.produce, "write a competitor report",
           "Write a report of what the competitors did.", "Competitor Report", 6, thinking=True, tells=True,
           words=(r"\b(?:competitors?|competitive|competition|market)\s+(?:\w+\s+)?(?:reports?|digests?|summar(?:y|ies)|"
                  r"round-?ups?|brief(?:ing)?s?|updates?|overviews?|recaps?|newsletters?)\b",
                  r"\b(?:reports?|digests?|summar(?:y|ies)|round-?ups?|brief(?:ing)?s?|overviews?|recaps?)\s+"
                  r"(?:of|on|about)\s+(?:our\s+|the\s+|what\s+)?(?:competitors?|competition|rivals?)\b",
                  r"\brivals?'?\s+(?:\w+\s+)?(?:reports?|digests?|summar(?:y|ies)|round-?ups?|brief(?:ing)?s?|recaps?)\b")),
    Action("analyze_competitive_intelligence", "intelligence", "ezal", Stage.analyse,
           "analyze the competitive landscape", "Turn competitor findings into actions for the right persona.",
           "Competitive Intelligence Brief", 5, thinking=True, tells=True,
           reads=("analyze_pricing", "detect_price_changes", "track_new_products", "find_competitor_promotions"),
           words=(r"\bcompetitive\s+(?:intelligence|intel|landscape|analysis|positioning|insights?)\b",
                  r"\bmarket\s+(?:analysis|trends|intelligence|intel|insights?)\b|\bcompetitor\s+(?:analysis|trends|intel|insights?)\b",
                  r"\banaly[sz]\w*\s+(?:our\s+|the\s+)?(?:competitors|competition)\b")),
    # pricing (Money Mike)
    Action("analyze_pricing", "pricing", "money_mike", Stage.analyse, "compare their prices with yours",
           "Compare our prices with the competitors'.", "Competitor Price Alert", 1, thinking=True,
           outputs={"price_gap": "largest percent by which a competitor is below our price (0 if none)"},
           words=(r"\b(?:review|audit|analy[sz]e|evaluate|assess)\w*\s+(?:our\s+|my\s+|the\s+|their\s+|"
                  r"(?:competitor|competition|rival|market)(?:'?s|s')?\s+)?(?:prices|pricing)\b",)),
    Action("suggest_price_adjustment", "pricing", "money_mike", Stage.produce, "suggest price adjustments",
           "Suggest price changes for approval.", "Price Adjustment Suggestions", 0, thinking=True, tells=True,
           words=(r"\b(?:suggest|recommend|propos|advis)\w*\b.{0,40}\b(?:prices?|pricing|adjust\w*|changes|match\w*|"
                  r"on\s+sale|mark\s*-?downs?|discount\w*)\b",
                  r"\bhow\s+(?:much\s+)?(?:we|i)\s+should\s+(?:charge|price|adjust|reprice|change)\b|\bwhat\s+to\s+charge\b",
                  r"\bprice\s+(?:adjustments?|suggestions?|recommendations?)\b|\brepric\w+",
                  r"\bpric(?:es?|ing)\b.{0,40}\b(?:suggestions?|recommendations?)\b",
                  r"\b(?:match|beat)\s+(?:their|the|competitor)\s+prices?\b|\bwhat\s+(?:we|i)\s+should\s+charge\b")),
    Action("analyze_margins", "pricing", "money_mike", Stage.analyse, "analyze your margins",
           "Margins by category from prices and costs.", "Margin Analysis", 2, thinking=True, tells=True,
           outputs={"min_margin_pct": "lowest category margin (percent; none when no product has a cost)",
                    "max_margin_pct": "highest category margin (percent; none when no product has a cost)",
                    "categories": "each category's catalogue margin (percent), units, revenue and gross profit (dollars)",
                    "below_floor": "products whose margin is below floor_pct, lowest first (percent)",
                    "below_floor_count": "products below the margin floor (count)"},
           words=(r"\bmargins?\b|\bprofitab\w+|\bmarkups?\b|\bgross\s+profit\b",)),
    # Not in the planner contract (shared/evals/CONTRACT.md) yet, so no words: playbooks name these, the planner does not.
    Action("price_history", "pricing", "money_mike", Stage.gather, "look up your price history",
           "Our price changes over time: approved price suggestions and the prices order lines were charged at.",
           "Price History", 20,
           outputs={"change_count": "price changes found (count)", "products_changed": "products whose price changed (count)",
                    "changes": "each change: product, when, old and new price (dollars), change (percent), source"}),
    Action("discount_impact", "pricing", "money_mike", Stage.analyse, "measure the effect of a price change",
           "A product's sales per day before and after a price change (its latest, or params.at).", "Price Change Impact", 20,
           outputs={"units_change_pct": "change in units a day, after against before (percent)",
                    "revenue_change_pct": "change in revenue a day, after against before (percent)",
                    "before": "units, revenue (dollars) and days before the change",
                    "after": "units, revenue (dollars) and days after the change"}),
    # operations (Pops)
    Action("check_inventory", "operations", "pops", Stage.gather, "check inventory",
           "Items at or below their reorder point, and items out of stock.", "Inventory Check", 10,
           outputs={"low_stock_count": "items at or below the reorder point (count)",
                    "out_of_stock_count": "items at zero (count)",
                    "items": "the items listed, each with quantity, reorder point and days of cover (days)"},
           words=(r"\binventory\b|\bstock\b|\bstock\s+levels?\b|\breorder|\bre-order|\bout[\s-]of[\s-]stock\b|\bstockouts?\b",
                  r"\brun(?:s|ning)?\s+(?:low|out)\b|\bsold[\s-]out\b|\bunits\s+left\b|\b\d+\s+units\b|\bon\s+hand\b",
                  # "text me what's low", "anything that's getting low": what is low is stock
                  r"\b(?:what'?s|what\s+is|whats|anything(?:\s+that'?s)?|everything\s+that'?s|stuff\s+that'?s|items?\s+(?:that\s+)?(?:is|are)|products?\s+(?:that\s+)?(?:is|are))\s+(?:running\s+|getting\s+)?low\b",
                  r"\bquantit(?:y|ies)\b")),
    Action("create_reorder_list", "operations", "pops", Stage.analyse, "build a reorder list",
           "Quantities to reorder for low items, from sales velocity and lead time; a stored draft, not an order.",
           "Reorder List", 9, tells=True,
           outputs={"item_count": "products on the list (count)", "total_units": "units to order in all (count)"},
           words=(r"\b(?:reorder|re-order)\s+(?:list|report|sheet)\b|\bpurchase\s+orders?\b|\brestock\s+list\b",
                  r"\bwhat\s+(?:to|we\s+should|i\s+should)\s+(?:re-?)?order\b|\border\s+more\b|\bre-?order(?:ing|ed)?\b(?!\s+point)")),
    Action("sales_report", "operations", "pops", Stage.gather, "prepare a sales report",
           "Orders, revenue and top sellers for a period (yesterday, last week, ... or since the last scheduled report).",
           "Sales Report", 12, tells=True,
           outputs={"revenue": "revenue in the period (dollars)", "order_count": "orders in the period (count)"},
           words=(r"\b(?:we|i)(?:'ve|\s+have)?\s+(?:sold|made|done|taken\s+in)\b|\bsales\b(?!\s+events?)",
                  r"\brevenue\b|\btakings\b|\bturnover\b|\bhow\s+much\s+we\s+(?:made|sold)\b",
                  r"\b(?:summary|report|recap|total|count|numbers|tally)\s+of\s+(?:[\w']+\s+){0,2}(?:orders|transactions)\b",
                  r"\b(?:summari[sz]e|recap|total\s+up|tally)\s+(?:[\w']+\s+){0,2}(?:orders|transactions)\b",
                  r"\b(?:orders?|transactions?)\s+(?:summary|report|recap|totals?|count|volume|numbers)\b",
                  r"\bhow\s+many\s+(?:orders|transactions|sales)\b|\b(?:number|count|total)\s+of\s+(?:orders|transactions)\b",
                  r"\b(?:fewer|less|more)\s+than\s+\d[\d,]*\s+(?:orders|transactions)\b")),
    Action("top_sellers", "operations", "pops", Stage.gather, "pull your top sellers",
           "The best-selling (or slowest) products of a period, by units or revenue.", "Top Sellers Report", 11, tells=True,
           outputs={"best": "the first product of the list (name)", "total_units": "units sold in the period (count)"},
           words=(r"\btop[\s-]?(?:\d+\s+)?(?:best[\s-]?)?(?:sellers?|selling|products?|items?|skus?|strains)\b",
                  r"\b(?:slow|slowest|worst)[\s-]+(?:moving|selling|sellers?|movers?)\b|\bbottom\s+sellers?\b|\bdead\s+stock\b",
                  r"\bbest[\s-]?(?:sellers?|selling)\b|\bmost\s+popular\b|\bfast(?:est)?[\s-]moving\b",
                  r"\bsell(?:s|ing)?\s+(?:the\s+)?(?:best|most)\b|\b(?:biggest|best)\s+(?:sellers?|movers?|performers?)\b",
                  r"\btop\s+(?:movers?|performers?)\b|\bmost\s+sold\b",
                  # "a rundown of what's selling and what's not"
                  r"\bwhat(?:'?s|\s+is|\s+isn'?t|\s+sells?)\s+(?:not\s+)?(?:selling|moving|flying\s+off)\b")),
    Action("export_csv", "operations", "pops", Stage.file, "export a CSV",
           "Export orders, products, inventory or customers for a period as a CSV file (email attaches it).", "Export", 8,
           outputs={"row_count": "rows written (count)", "file": "the CSV file (name, path, bytes)"},
           words=(r"\bcsv\b|\bspreadsheet\b|\bexport\w*|\bback\s?up\b|\bbackups?\b|\bexcel\b|\bdump\b",)),
    # Not in the planner contract (shared/evals/CONTRACT.md) yet, so no words: playbooks name these, the planner does not.
    Action("inventory_value", "operations", "pops", Stage.gather, "value your inventory",
           "The stock on hand at cost and at retail, by category.", "Inventory Value", 20, tells=True,
           outputs={"total_cost_value": "stock on hand at cost (dollars)", "total_retail_value": "stock on hand at retail (dollars)",
                    "total_units": "units on hand (count)", "categories": "units, cost and retail value per category (dollars)"}),
    Action("dead_stock", "operations", "pops", Stage.gather, "find dead stock",
           "Products in stock with no sale in params.days days (30), and the cost they tie up.", "Dead Stock", 20, tells=True,
           outputs={"count": "products in stock with no recent sale (count)", "tied_up_cost": "their stock at cost (dollars)",
                    "items": "each product with quantity, last sale and days since (days)"}),
    Action("sales_forecast", "operations", "pops", Stage.analyse, "forecast sales",
           "Units per product over the next params.days days, from recent rates and the weekday pattern.", "Sales Forecast", 20,
           tells=True,
           outputs={"total_units": "units expected over the forecast days (count)",
                    "short_count": "products whose forecast exceeds their stock (count)",
                    "forecasts": "each product's daily rate and forecast units (count)"}),
    Action("order_anomalies", "operations", "pops", Stage.analyse, "look for unusual orders",
           "Orders whose total is far outside the usual range (robust z-score over median and MAD).", "Order Anomalies", 20,
           tells=True,
           outputs={"anomaly_count": "unusual orders found (count)", "median_total": "the usual order total (dollars)",
                    "anomalies": "each unusual order: id, total (dollars), z-score, high or low"}),
    Action("daily_summary", "operations", "pops", Stage.gather, "sum up the day",
           "Yesterday's (or today's) orders, revenue, new customers and top seller, with what is low in stock.",
           "Daily Summary", 20, tells=True,
           outputs={"order_count": "orders that day (count)", "revenue": "revenue that day (dollars)",
                    "new_customers": "customers whose first order was that day (count)",
                    "low_stock_count": "products at or below the reorder point now (count)"}),
    Action("busiest_hours", "operations", "pops", Stage.gather, "find your busiest hours",
           "Orders and revenue by local hour and by weekday over params.days days (28), for staffing.", "Busiest Hours", 20,
           tells=True,
           outputs={"busiest_hour": "the local hour with the most orders (0-23)", "busiest_weekday": "the busiest weekday (Mon-Sun)",
                    "by_hour": "orders, revenue (dollars) and orders a day per hour"}),
    # marketing (Craig)
    Action("create_campaign_draft", "marketing", "craig", Stage.produce, "draft a campaign",
           "A campaign draft for a segment, never sent without approval.", "Campaign Draft", 14, thinking=True, tells=True,
           outputs={"content": "the drafted campaign text"},
           words=(r"\bcampaigns?\b",
                  r"\b(?:e-?mail|text|message|sms|dm|send\s+(?:a\s+|an\s+)?\w+\s+to)\s+(?:(?:all|our|the|my|every)\s+)?"
                  r"(?:\w+\s+){0,2}?(?:customers|members|subscribers|shoppers|clients|regulars)\b",
                  r"\bnewsletters?\b|\bblasts?\b|\bmass\s+(?:texts?|emails?|messages?)\b",
                  r"\b(?:deal|special)s?\s+of\s+the\s+(?:day|week)\b|\b(?:daily|weekly)\s+(?:deals?|specials?)\b",
                  r"\bflash\s+sales?\b|\bwin[\s-]?back\b",
                  r"\b(?:draft|write|create|plan|prepare|put\s+together)\w*\s+(?:a\s+|an\s+|our\s+|some\s+)?(?:\w+\s+){0,3}"
                  r"(?:promos?|promotions?|offers?|sales?|announcements?|flyers?)\b"
                  r"(?!\s+(?:reports?|summar(?:y|ies)|numbers|totals?|figures|data|recaps?|digests?|counts?))")),
    Action("segment_customers", "marketing", "craig", Stage.gather, "pick the customer segment",
           "Customers by recency, frequency, spend or loyalty tier.", "Customer Segment", 15, thinking=True,
           outputs={"count": "customers in the segment (count)", "spend": "their spend in the window (dollars)",
                    "with_email": "of them, with an email address (count)"},
           words=(r"\bsegment\w*|\b(?:list|report|summary|count|number)\s+of\s+(?:\w+\s+){0,2}(?:customers|members|sign-?ups|shoppers)\b",
                  r"\bloyalty\s+(?:members|customers|program)\b|\bvips?\b|\blapsed\b|\binactive\s+customers\b",
                  r"\bcustomer\s+(?:lists?|groups?|segments?)\b|\b(?:customers|members|shoppers)\s+who\b",
                  # "figure out which customers are slipping away": picking customers out is segmenting them
                  r"\b(?:which|what)\s+(?:of\s+(?:our|my|the)\s+)?(?:customers|members|shoppers|regulars|clients)\b")),
    Action("generate_social_post", "marketing", "craig", Stage.produce, "write social posts",
           "Draft social media posts.", "Social Posts", 13, thinking=True, tells=True,
           outputs={"content": "the drafted posts"},
           words=(r"\bsocials?(?:\s+media)?\b|\binsta(?:gram)?\b|\bfacebook\b|\btweets?\b|\btwitter\b|\btiktok\b|\blinkedin\b|\bcaptions?\b",)),
    # The planner contract (shared/evals/CONTRACT.md) lists the actions a plan may name; these four, like set
    # and log below, are not among them yet, so they carry no words: playbooks name them, the planner does not.
    Action("compliance_check", "marketing", "craig", Stage.approve, "check the copy against the advertising rules",
           "Check marketing copy against cannabis advertising rules; findings quote the offending phrase.",
           "Compliance Check", 17,
           outputs={"passed": "true when the copy breaks no rule", "finding_count": "problems found (count)"}),
    Action("customer_winback", "marketing", "craig", Stage.produce, "draft a win-back message",
           "A win-back message for regulars who stopped coming, drafted for approval.", "Customer Win-Back", 12,
           thinking=True, tells=True,
           outputs={"reachable": "lapsed regulars reachable on the channel (count)", "content": "the drafted message"}),
    Action("loyalty_report", "marketing", "craig", Stage.gather, "report on the loyalty programme",
           "Loyalty members, activity and spend by tier; new, lapsed and top members.", "Loyalty Report", 11, tells=True,
           outputs={"total_members": "loyalty members (count)", "active_members": "members who ordered in the window (count)",
                    "spend": "members' spend in the window (dollars)"}),
    Action("reply_to_review", "marketing", "craig", Stage.produce, "draft replies to reviews",
           "A reply to a customer review, by its rating and words, drafted for approval.", "Review Replies", 13,
           thinking=True, tells=True,
           outputs={"content": "the drafted reply", "sentiment": "positive, neutral or negative"}),
    # Not in the planner contract (shared/evals/CONTRACT.md) yet, so no words: playbooks name these, the planner does not.
    Action("review_sentiment", "marketing", "craig", Stage.analyse, "read the mood of your reviews",
           "Reviews classed positive, negative or neutral by their words (negations flip a word); the complaints counted.",
           "Review Sentiment", 20, tells=True,
           outputs={"positive": "positive reviews (count)", "negative": "negative reviews (count)", "neutral": "neutral reviews (count)",
                    "net_score": "positive minus negative, per cent of reviews (percent)",
                    "complaints": "the negative words and how often they came up (count)"}),
    Action("basket_analysis", "marketing", "craig", Stage.analyse, "find what sells together",
           "Pairs of products bought in the same orders: support, confidence and lift, for bundles and cross-sells.",
           "Bought Together", 20, tells=True,
           outputs={"pair_count": "pairs bought together in min_orders orders or more, at min_lift or more (count)",
                    "top_pair": "the pair bought together most often",
                    "pairs": "each pair: orders together (count), support and confidence (percent), lift"}),
    Action("send_campaign", "marketing", "craig", Stage.deliver, "send the approved campaign",
           "Email an approved, compliant campaign draft to its segment's customers with an email (capped a run); each once.",
           "Campaign Send", 20,
           outputs={"sent": "emails sent by this run (count)", "already_sent": "recipients this draft reached before (count)",
                    "remaining": "recipients left for a later run by the cap (count)"}),
    # delivery
    Action("send_email", "delivery", None, Stage.deliver, "email you", "Send an email.", delivery=True,
           words=(r"\be-?mail(?:s|ed|ing)?\b(?!\s+(?:list|address|addresses|subscribers|marketing|blast|campaigns?|"
                  r"newsletters?|templates?|drafts?|sequences?))",
                  r"\bmail\s+(?:me|us|it)\b|\binbox\b")),
    Action("send_sms", "delivery", None, Stage.deliver, "text you",
           "Send a text message (params.to, default the user's phone).", delivery=True,
           outputs={"to": "the number texted"},
           words=(r"\btext\s+(?:me|us|them|him|her|the\s+team|the\s+manager|my\s+phone|"
                  r"the\s+(?:customer|buyer|shopper|client|person|guest))\b",
                  r"\btext\s+(?:it|them|this|that|those|the\s+\w+)\s+(?:over\s+)?to\s+(?:me|us|the\s+\w+)\b|\bsms\b|\btext\s+messages?\b",
                  r"\b(?:send|shoot|get|by|via|with|a|an)\s+(?:me\s+)?(?:a\s+|an\s+)?texts?\b(?!\s+(?:blasts?|campaigns?))",
                  r"\btexts?\s+me\b|\bmy\s+phone\b",
                  r"\b(?:send|shoot)\s+(?:me|us|them|him|her)\s+(?:a|an)\s+(?:[\w'-]+\s+){0,3}texts?\b(?!\s+(?:blasts?|campaigns?))",
                  r"\b(?:welcome|thank[\s-]?you|quick|short|am|pm|daily|morning|evening|nightly|weekly)\s+texts?\b",
                  r"\btexts?\s+(?:with|of|about|listing|showing|summari\w+)\b")),
    Action("post_slack", "delivery", None, Stage.deliver, "post it to Slack",
           "Post to the Slack channel the organisation connected (params.channel picks one).", delivery=True,
           words=(r"\bslack\b|\b(?:in|to|on|into)\s+#[a-z][\w-]*",)),
    Action("notify", "delivery", None, Stage.deliver, "notify you", "Leave an in-app notification.", delivery=True,
           words=(r"\bnotif(?:y|ied|ication|ications)\b|\balert(?:s|ed)?\s+(?:me|us|the\s+team|them)\b|\bremind\w*\b",
                  r"\blet\s+(?:me|us)\s+know\b|\bping\s+(?:me|us)\b|\bheads[\s-]up\b|\bwarn\s+(?:me|us)\b",
                  r"\btells?\s+(?:me|us)\b|\bflag\b|\bin[\s-]app\b|\bpush\s+notification\b|\bgive\s+me\s+a\s+(?:shout|nudge)\b",
                  r"\b(?:message|dm|buzz|inform|update)\s+(?:me|us)\b|\b(?:an?|get\s+an?|send\s+(?:me\s+)?an?)\s+alerts?\b",
                  r"\balerts?\s+(?:for\s+)?(?:when|whenever|if)\b|\bkeep\s+(?:me|us)\s+posted\b")),
    Action("post_webhook", "delivery", None, Stage.hand_off, "post it to your webhook",
           "POST signed JSON (Standard Webhooks) to a webhook the organisation registered (params.url).",
           outputs={"webhook_id": "the webhook-id header a receiver dedupes on"},
           words=(r"\bwebhooks?\b|\bzapier\b|\bhttps?://\S+",)),
    Action("save_to_drive", "delivery", None, Stage.hand_off, "save it to Drive",
           "Save a file (params.folder, filename, content) to the organisation's drive folder.",
           outputs={"location": "where the file was saved"},
           words=(r"\b(?:google\s+)?drive\b|\bshared\s+folder\b",
                  r"\bsave\s+(?:it|them|this|the\s+\w+)\s+(?:to|in)\s+(?:a\s+|the\s+)?folder\b")),
    # control
    Action("delegate", "control", None, Stage.produce, "hand it to another persona",
           "Hand a task (params.task) to a persona (params.agent) with what the run found; its answer is the output.",
           tells=True, outputs={"answer": "the persona's answer (text)", "persona": "who answered",
                                "depth": "how deep this delegation is nested (count)"}),
    Action("request_approval", "control", None, Stage.approve, "ask for your approval",
           "Wait for a person to approve or reject.",
           words=(r"\bapprov\w+|\bsign[\s-]off\b|\bmy\s+ok\b|\bconfirm\s+(?:first|before)\b",)),
    Action("wait", "control", None, Stage.hand_off, "wait",
           "Wait (params minutes, hours, days, weeks, or until an ISO instant; at most 30 days) before the next step; "
           "the run sleeps in the ledger, restarts included.",
           outputs={"until": "when the run goes on (ISO-8601, UTC)", "seconds": "how long it slept (seconds)"},
           words=(r"\b(?:wait|pause\s+for|hold\s+(?:off\s+)?for)\s+(?:for\s+)?(?:an?\s+|\d+\s+)(?:minutes?|hours?|days?|weeks?)\b",
                  r"\b(?:an?|\d+)\s+(?:minutes?|hours?|days?|weeks?)\s+later\b")),
    Action("run_playbook", "control", None, Stage.hand_off, "run another playbook",
           "Start another playbook of this organisation (params.playbook: id or name) as a linked child run; "
           "params.wait parks this run until it ends.",
           outputs={"child_execution_id": "the child run's id", "status": "the child's status (final, with wait)"},
           # "then kick off my 'Price Matcher' playbook": another playbook, named (never "a new playbook")
           words=(r"\b(?:run|re-?run|kick\s+off|start|trigger|launch|fire\s+off|fire|call|chain)\s+(?:up\s+)?"
                  r"(?:my|our|the|that|(?:the\s+)?other)\s+(?!new\b)(?:['\"][^'\"]{1,60}['\"]\s*|(?:[\w&-]+\s+){1,4})"
                  r"(?:playbook|automation|workflow)\b",)),
    Action("for_each", "control", None, Stage.produce, "do it for each item",
           "Run one step (params.step) per item of a list from an earlier step (params.items); {{item}} in its params.",
           outputs={"results": "each item's {index, status, output, error} (list)", "count": "items run (count)",
                    "failed_count": "items that failed (count)"}),
    Action("branch", "control", None, Stage.produce, "choose what to do",
           "If a condition (params.if) holds run the steps of params.then, else those of params.else.",
           outputs={"taken": "then or else", "outputs": "the chosen steps' outputs by id and action"}),
    Action("emit_event", "control", None, Stage.hand_off, "raise an event", "Emit a named event.",
           outputs={"event_id": "the id the event was logged under", "name": "the event's name"},
           words=(r"\b(?:emit|raise|publish|broadcast|fire(?:\s+off)?|trigger|send\s+out)\s+(?:an?\s+|the\s+)?"
                  r"(?:custom\s+)?(?:[\w.'-]+\s+){0,3}?event\b",)),
    Action("summarize", "control", None, Stage.produce, "summarize it",
           "Summarise what earlier steps found, in at most max_chars.", outputs={"text": "the summary text"},
           words=(r"\bsum\s+(?:it|it\s+all|everything|this|that|them)\s+up\b|\btl;?dr\b",
                  # "summarize it for me", "boil the findings down": a summary of what earlier steps found
                  r"\b(?:summari[sz]e|condense|boil\s+down)\s+(?:it|it\s+all|everything|this|that|them|those|"
                  r"(?:the|their|its)\s+(?:results|findings|highlights|details))\b",
                  r"\bboil\s+(?:it|them|that|everything|the\s+\w+)\s+down\b|\bbullet[\s-]points?\b")),
    Action("set", "control", None, Stage.gather, "note some values",
           "Name values (params.values) that later steps read as {{step_id.name}}."),
    Action("log", "control", None, Stage.hand_off, "write it to the run log",
           "Write a line (params.message, else the digest) into the run log.", outputs={"line": "the line written"}),
    # Not in the planner contract (shared/evals/CONTRACT.md) yet, so no words: playbooks name these, the planner does not.
    Action("competitor_price_history", "intelligence", "ezal", Stage.gather, "look up competitor price history",
           "One product's competitor prices across the stored scans (params.product: ours or theirs, by name).",
           "Competitor Price History", 20,
           outputs={"series": "per competitor listing, each scan's price (dollars), oldest first",
                    "change_count": "times a competitor's price moved across the scans (count)",
                    "latest_min_price": "the lowest competitor price in the latest scans (dollars)"}),
    Action("assortment_gaps", "intelligence", "ezal", Stage.analyse, "find gaps in your assortment",
           "Product forms the competitors sell that we do not, from their latest menus.", "Assortment Gaps", 20, tells=True,
           outputs={"gap_count": "forms competitors sell and we do not (count)",
                    "gaps": "each form: competitors, products, price range (dollars)"}),
    Action("check_website", "intelligence", "ezal", Stage.gather, "check the website",
           "A page's status, response time and title through the guarded fetch; down is a finding, not a failure.",
           "Website Check", 20,
           outputs={"ok": "true when the page answered 2xx (and holds params.expect_text)", "status": "HTTP status code (0 if none)",
                    "response_ms": "time to the whole response (milliseconds)", "title": "the page title"}),
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
