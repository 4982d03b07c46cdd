"""Words the deterministic planner recognises: intents, tasks, channels, events, personas.

Every pattern runs on lower-cased text. Keep patterns about meaning, not about
one sentence: the planner is scored on requests it has never seen.
"""
from __future__ import annotations

import re

# --- intents about existing playbooks --------------------------------------------

POLITE = re.compile(
    r"^(?:(?:hey|hi|hello|ok|okay|so|please|pls|kindly|just|now|alright|"
    r"(?:can|could|would|will)\s+you|i'?d\s+like(?:\s+you)?\s+to|i\s+would\s+like(?:\s+you)?\s+to|"
    r"i\s+(?:want|need)(?:\s+you)?\s+to|let'?s|go\s+ahead\s+and|(?:\w+\s*,\s*)?(?:craig|ezal|pops|money\s+mike|mike)\s*,)"
    r"[\s,!]*)+")
PLAYBOOK_NOUN = (r"(?:playbooks?|automations?|workflows?|alerts?|reports?|scans?|digests?|reminders?|"
                 r"checks?|schedules?|jobs?|monitors?|summar(?:y|ies)|backups?|posts?|campaigns?|"
                 r"trackers?|watch(?:es)?|exports?|notifications?|routines?|tasks?|emails?|texts?|messages?)")
REFERENCE = r"(?:the|my|our|that|this|those|these|all|every|it\b|them\b)"
LIST = [
    re.compile(r"^(?:list|show|display|view|see|what|which|how\s+many|do\s+i\s+have|tell\s+me|give\s+me)\b.*\b"
               r"(?:playbooks|automations|workflows|schedules|alerts|reports|jobs|routines|tasks|reminders)\b"),
    re.compile(r"^(?:list|show)\s+(?:me\s+)?(?:my|our|all)\b"),
    re.compile(r"^what(?:'s|\s+is|\s+do\s+i\s+have|\s+have\s+i\s+got)\s+(?:currently\s+)?"
               r"(?:scheduled|running|set\s+up|active|automated|on)\b"),
]
MANAGE = [  # (intent, pattern matching the verb at the start; group "rest" is the object)
    ("pause_playbook", r"^(?:pause|suspend|disable|deactivate|halt|mute|snooze|freeze|stop(?:\s+running|\s+sending(?:\s+me)?)?|"
                       r"hold\s+off\s+on|temporarily\s+stop|(?:turn|switch)\s+off)\s+(?P<rest>.*)$"),
    ("pause_playbook", r"^(?:put|place)\s+(?P<rest>.*?)\s+on\s+hold\b.*$"),
    ("pause_playbook", r"^(?:turn|switch)\s+(?P<rest>.*?)\s+off\b.*$"),
    ("resume_playbook", r"^(?:resume|unpause|un-pause|restart|re-?enable|re-?activate|reactivate|unmute|unsnooze|"
                        r"unfreeze|continue|restore|enable|(?:turn|switch)\s+(?:back\s+)?on)\s+(?P<rest>.*)$"),
    ("resume_playbook", r"^(?:turn|switch|start)\s+(?P<rest>.*?)\s+(?:back\s+on|on\s+again|again)\b.*$"),
    ("delete_playbook", r"^(?:delete|remove|cancel|erase|trash|destroy|discard|kill|scrap|ditch|nuke|drop|"
                        r"get\s+rid\s+of|do\s+away\s+with)\s+(?P<rest>.*)$"),
    ("run_playbook", r"^(?:run|re-?run|trigger|execute|kick\s+off|fire\s+off|fire|launch|start)\s+(?P<rest>.*)$"),
    ("update_playbook", r"^(?:change|update|modify|edit|reschedule|move|switch|adjust|tweak|shift|push|set|make|"
                        r"rename|alter|have)\s+(?P<rest>.*)$"),
]
TARGET_STOP = re.compile(
    r"\s+(?:now|right\s+now|immediately|right\s+away|please|for\s+now|for\s+a\s+(?:while|bit)|until|till|"
    r"to|so|so\s+that|instead|from\s+now\s+on|again|back|on\s+hold|for\s+me|and|at|every|each|on|starting|"
    r"from|by|in|off|with|going\s+forward|anymore|any\s+more|permanently|temporarily|today|tonight|"
    r"email|text|send|notify|post|ping|(?:alert|tell|remind)\s+(?:me|us)|run|go|come|fire|happen|only|also|use)\b.*$")
TARGET_TRIM = re.compile(r"^(?:(?:the|my|our|that|this|your|a|an|current|existing|of)\s+)+|"
                         r"\s+(?:playbook|automation|workflow)s?$|[\s.!?,;:]+$")

# --- tasks: feature name -> pattern ------------------------------------------------

COMPETITOR = r"\b(?:competitors?'?s?|competition|competitive|rivals?'?|other\s+(?:stores|dispensaries|shops|retailers))\b"
FEATURES = {k: re.compile(v) for k, v in {
    "competitor": COMPETITOR,
    "prices": r"\bpric(?:e|es|ed|ing)\b",
    "compare": r"undercut|cheaper\s+than|for\s+less\s+than|less\s+than\s+(?:us|ours|we)\b|(?:lower|higher)\s+than\s+(?:us|ours|our)|"
               r"(?:below|under|above|over)\s+(?:us|ours|our\s+(?:own\s+)?price)|beat(?:s|ing)?\s+(?:us|our)|price\s+gaps?|"
               r"\bcompar(?:e|es|ing|ison)|against\s+(?:ours|our|us|competitors?|the\s+competition)|\bvs\.?\s|versus|"
               r"more\s+expensive|price\s+(?:position|parity)|(?:drop|fall|go)\s+below\s+(?:ours|us|our)",
    "review_prices": r"\b(?:review|audit|analy[sz]e|evaluate|assess)\w*\s+(?:our\s+|my\s+)?(?:prices|pricing)\b",
    "price_change": r"\b(?:chang|rais|lower|cut|drop|mov|increas|decreas|adjust|updat|hik|slash|reduc)\w*\s+"
                    r"(?:\w+\s+){0,2}(?:prices?|pricing)\b|\bprice\s+(?:changes?|moves?|movements?|drops?|increases?|"
                    r"decreases?|cuts?|hikes?|updates?)\b|\bprices?\s+(?:changed?|changes|went|go|move[sd]?|dropped)\b|"
                    r"\bprices?\s+for\s+(?:any\s+)?changes\b|\bchanges?\s+(?:in|to)\s+(?:\w+\s+){0,2}prices?\b",
    "new_products": r"\bnew\s+(?:products?|items?|skus?|arrivals|launch(?:es)?|strains|flavou?rs|listings?|menu\s+items|drops)\b|"
                    r"\b(?:adds?|added|launch(?:es|ed)?|lists?|listed|releases?|released|introduc\w+)\s+(?:a\s+|any\s+)?new\b",
    "menu": r"\bmenus?\b",
    "promotions": r"\b(?:promotions?|promos?|deals|specials|discounts|coupons|offers|sales\s+events?|bogo)\b",
    "competitor_report": r"\b(?:competitors?|competitive|competition|market)\s+(?:\w+\s+)?(?:reports?|digests?|summar(?:y|ies)|"
                         r"round-?ups?|brief(?:ing)?s?|updates?|overviews?|recaps?|newsletters?)\b|"
                         r"\breport\s+on\s+(?:our\s+|the\s+)?(?:competitors|competition)\b",
    "competitive_intel": r"\bcompetitive\s+(?:intelligence|landscape|analysis|positioning|insights?)\b|"
                         r"\bmarket\s+(?:analysis|trends|intelligence|insights?)\b|\bcompetitor\s+(?:analysis|trends|insights?)\b|"
                         r"\banaly[sz]\w*\s+(?:our\s+|the\s+)?(?:competitors|competition)\b",
    "margins": r"\bmargins?\b|\bprofitab\w+|\bmarkups?\b|\bgross\s+profit\b",
    "suggest_price": r"\b(?:suggest|recommend|propos|advis)\w*\b.{0,40}\b(?:prices?|pricing|adjustments?|changes)\b|"
                     r"\bprice\s+(?:adjustments?|suggestions?|recommendations?)\b|\brepric\w+|"
                     r"\b(?:match|beat)\s+(?:their|the|competitor)\s+prices?\b|\bwhat\s+(?:we|i)\s+should\s+charge\b",
    "inventory": r"\binventory\b|\bstock\b|\bstock\s+levels?\b|\breorder|\bre-order|\bout\s+of\s+stock\b|\bstockouts?\b|"
                 r"\brun(?:s|ning)?\s+(?:low|out)\b|\bsold\s+out\b|\bunits\s+left\b",
    "out_of_stock": r"\b(?:anything|something|items?|products?|any\s+\w+)\s+(?:is|are|goes|go|runs?)\s+out\b|"
                    r"\bout\s+of\s+stock\b|\bsold\s+out\b|\bsells?\s+out\b|\bruns?\s+out\b|\bstockouts?\b|"
                    r"\b(?:hits?|reach\w*|at)\s+(?:zero|0)\b|\bzero\s+(?:stock|inventory|units)\b",
    "low_stock": r"\blow\s+(?:on\s+)?(?:stock|inventory)\b|\brun(?:s|ning)?\s+low\b|\bgetting\s+low\b|\blow[- ]stock\b|"
                 r"\breorder\s+(?:point|level|threshold)\b|\bneeds?\s+(?:re-?order\w*|restock\w*)\b|"
                 r"\b(?:below|under)\s+(?:\d+\s+units|par)\b|\bfew(?:er)?\s+than\s+\d+\b",
    "reorder": r"\b(?:reorder|re-order)\s+(?:list|report|sheet)\b|\bpurchase\s+orders?\b|\brestock\s+list\b|"
               r"\bwhat\s+(?:to|we\s+should|i\s+should)\s+(?:re-?)?order\b|\border\s+more\b|\bre-?order(?:ing|ed)?\b(?!\s+point)",
    "sales": r"\bsales\b|\brevenue\b|\bsold\b|\btakings\b|\bturnover\b|\bhow\s+much\s+we\s+(?:made|sold)\b|\bearnings\b",
    "top_sellers": r"\btop[\s-]?(?:\d+\s+)?(?:best[\s-]?)?(?:sellers?|selling|products?|items?|skus?|strains)\b|"
                   r"\bbest[\s-]?(?:sellers?|selling)\b|"
                   r"\bmost\s+popular\b|\bfast(?:est)?[\s-]moving\b",
    "export": r"\bcsv\b|\bspreadsheet\b|\bexport\w*|\bback\s?up\b|\bbackups?\b|\bexcel\b|\bdump\b",
    "campaign": r"\bcampaigns?\b|\bnewsletters?\b|\bemail\s+blast\b|\bdeal\s+of\s+the\s+(?:day|week)\b|\bwin[\s-]?back\b|"
                r"\b(?:draft|write|create|plan|prepare|put\s+together)\w*\s+(?:a\s+|an\s+|our\s+|some\s+)?(?:\w+\s+){0,3}"
                r"(?:promos?|promotions?|offers?|sales?|announcements?|flyers?)\b",
    "social": r"\bsocial(?:\s+media)?\b|\binstagram\b|\bfacebook\b|\btweets?\b|\btwitter\b|\btiktok\b|\blinkedin\b|\bcaptions?\b",
    "segment": r"\bsegment\w*|\bloyalty\s+(?:members|customers|program)\b|\bvips?\b|\blapsed\b|\binactive\s+customers\b|"
               r"\bcustomer\s+(?:lists?|groups?|segments?)\b|\b(?:customers|members|shoppers)\s+who\b",
    "customers": r"\bcustomers?\b|\bshoppers?\b|\bmembers?\b|\bclients?\b|\bsubscribers?\b",
    "welcome": r"\bwelcome\b|\bthank[\s-]?you\s+(?:email|note|message|text)\b|\bonboarding\b",
    "approval": r"\bapprov\w+|\bsign[\s-]off\b|\bmy\s+ok\b|\bconfirm\s+(?:first|before)\b",
    "summary": r"\bsummar(?:y|ies|ise|ize)\b|\bdigest\b|\brecap\b|\bround-?up\b|\boverview\b|\bbrief(?:ing)?\b",
    "check": r"\b(?:check|scan|monitor|track|watch|look\s+(?:at|for)|keep\s+an\s+eye\s+on|review|audit|compare|find|"
             r"see\s+if|detect|spot|pull|scrape|crawl)\w*\b",
    "conditional": r"\b(?:if|when|whenever|in\s+case|only\s+when|only\s+if|anything|any|should\s+(?:they|it|one))\b|"
                   r"\bthat\s+(?:are|is|have|has|go|drop|fall)\b|\bwhich\s+(?:are|is)\b",
}.items()}

# --- delivery channels ---------------------------------------------------------------

CHANNELS = {k: re.compile(v) for k, v in {
    "send_sms": r"\btext\s+(?:me|us|them|him|her|the\s+team|the\s+manager|my\s+phone)\b|\bsms\b|\btext\s+messages?\b|"
                r"\b(?:send|shoot|get|by|via|with|a|an)\s+(?:me\s+)?(?:a\s+|an\s+)?texts?\b|\btexts?\s+me\b|\bmy\s+phone\b|"
                r"\b(?:welcome|thank[\s-]?you|quick|short)\s+texts?\b",
    "post_slack": r"\bslack\b",
    "send_email": r"\be-?mail(?:s|ed|ing)?\b(?!\s+(?:list|address|addresses|subscribers|marketing|blast|campaigns?|"
                  r"newsletters?|templates?|drafts?|sequences?))|"
                  r"\bmail\s+(?:me|us|it)\b|\binbox\b",
    "post_webhook": r"\bwebhooks?\b|\bzapier\b|\bhttps?://\S+",
    "notify": r"\bnotif(?:y|ied|ication|ications)\b|\balert(?:s|ed)?\s+(?:me|us|the\s+team|them)\b|\bremind\w*\b|"
              r"\blet\s+(?:me|us)\s+know\b|\bping\s+(?:me|us)\b|\bheads[\s-]up\b|\bwarn\s+(?:me|us)\b|"
              r"\btell\s+(?:me|us)\b|\bflag\b|\bin[\s-]app\b|\bpush\s+notification\b|\bgive\s+me\s+a\s+(?:shout|nudge)\b",
}.items()}
DRIVE = re.compile(r"\b(?:google\s+)?drive\b|\bshared\s+folder\b|"
                   r"\bsave\s+(?:it|them|this|the\s+\w+)\s+(?:to|in)\s+(?:a\s+|the\s+)?folder\b")
SEND_TO_ME = re.compile(r"\b(?:send|give|get|deliver|bring)\s+(?:me|us)\b|\bi\s+(?:want|need|get)\b|\bfor\s+me\b")
TEAM = re.compile(r"\b(?:the|my|our)\s+(?:team|staff|managers?|board|employees|crew|owners?|partners?)\b")
TO_CUSTOMER = re.compile(r"\b(?:send|email|text|message|write|draft)\s+(?:(?:new|the|our)\s+)?(?:customers|members)\b|"
                         r"\b(?:send|email|text|message|write|draft)\s+(?:them|the\s+customer|the\s+new\s+customer|him|her|each\s+one)\b|"
                         r"\bwelcome\s+(?:email|message)\b")

# --- events ---------------------------------------------------------------------------

EVENTS = [  # first match wins, so the narrower events come first
    ("playbook.failed", r"\b(?:playbooks?|automations?|workflows?|jobs?|runs?)\s+(?:\w+\s+)?(?:fails?|failed|errors?|errored|breaks?|broke|crash\w*)\b|"
                        r"\bfails?\s+to\s+run\b|\b(?:anything|something)\s+(?:fails|breaks|goes\s+wrong)\b"),
    ("competitor.new_product", COMPETITOR + r".{0,60}\b(?:adds?|added|launch\w*|lists?|listed|releases?|released|introduc\w+|"
                               r"(?:has|have|gets?|got)\s+(?:a\s+|any\s+)?new)\b|\bnew\s+(?:products?|items?)\s+(?:on|from|at)\s+"
                               r"(?:a\s+|any\s+)?" + COMPETITOR),
    ("competitor.price_drop", COMPETITOR + r".{0,40}\b(?:drops?|dropped|lowers?|lowered|cuts?|reduces?|reduced|slash\w*|"
                              r"undercuts?|discounts?)\b|\bprice\s+drops?\b.{0,40}" + COMPETITOR),
    ("competitor.price_change", COMPETITOR + r".{0,40}\b(?:chang\w+|rais\w+|updat\w+|mov\w+|increas\w+|adjust\w+)\s+"
                                r"(?:\w+\s+){0,2}(?:prices?|pricing)\b|\bprice\s+changes?\b.{0,40}" + COMPETITOR),
    ("inventory.out_of_stock", r"\bout\s+of\s+stock\b|\bsold\s+out\b|\bsells?\s+out\b|\bruns?\s+out\b|\bstockouts?\b|"
                               r"\b(?:hits?|reach\w*|goes\s+to|drops?\s+to|falls?\s+to|at)\s+(?:zero|0)\b|"
                               r"\bzero\s+(?:stock|inventory|units)\b"),
    ("inventory.restocked", r"\brestock(?:ed|s)?\b(?!\s+list)|\bback\s+in\s+stock\b|\breplenish\w*"),
    ("inventory.low_stock", r"\blow\s+(?:on\s+)?(?:stock|inventory)\b|"
                            r"\b(?:stock|inventory|quantity)\s+(?:is\s+|gets\s+|goes\s+|runs?\s+)?low\b|"
                            r"\brun(?:s|ning)?\s+low\b|\bgets?\s+low\b|\blow[- ]stock\b|"
                            r"\b(?:below|under)\s+(?:the\s+)?(?:reorder|par)\s+(?:point|level)\b|"
                            r"\b(?:stock|inventory|quantity|units)\b.{0,30}?\b(?:drops?|falls?|goes|dips?|gets?)\s+(?:below|under|low)\b|"
                            r"\b(?:below|under)\s+\d+\s+units\b|"
                            r"\b(?:fewer|less)\s+than\s+\d+\s+(?:units|left|in\s+stock)\b"),
    ("order.created", r"\bnew\s+orders?\b|\borders?\s+(?:\w+\s+){0,4}(?:comes?|came)\s+in\b|"
                      r"\borders?\s+(?:is\s+|are\s+|gets?\s+)?(?:placed|received|created|made)\b|"
                      r"\bplaces?\s+an?\s+(?:\w+\s+)?order\b|\b(?:receive|get|gets|have)\s+an?\s+(?:\w+\s+)?order\b|"
                      r"\b(?:every|each|any|an|a)\s+(?:\w+\s+)?order\b|\b(?:large|big|huge)\s+orders?\b|"
                      r"\bsomeone\s+(?:orders|buys|purchases)\b|\b(?:orders?|purchases?)\s+(?:over|above|of\s+more\s+than|worth)\b"),
    ("customer.lapsed", r"\blapsed\b|\blapses\b|"
                        r"\b(?:hasn'?t|has\s+not|haven'?t|have\s+not)\s+(?:ordered|bought|purchased|visited|shopped|been\s+in|come\s+in)\b|"
                        r"\binactive\s+(?:customers?|for)\b|\bstopped\s+(?:buying|ordering|shopping|coming)\b|\bchurn\w*"),
    ("customer.created", r"\bnew\s+(?:customers?|members?|sign[\s-]?ups?|users?|shoppers?|subscribers?)\b|\bsigns?\s+up\b|\bregisters?\b|"
                         r"\bcreates?\s+an\s+account\b|\bjoins?\b|\bfirst[\s-]time\s+(?:customers?|buyers?|shoppers?)\b"),
]
EVENTS = [(name, re.compile(p)) for name, p in EVENTS]
EVENT_LABELS = {
    "playbook.failed": "a playbook fails",
    "competitor.new_product": "a competitor lists a new product",
    "competitor.price_drop": "a competitor drops a price",
    "competitor.price_change": "a competitor changes a price",
    "inventory.out_of_stock": "a product runs out of stock",
    "inventory.restocked": "an item is restocked",
    "inventory.low_stock": "an item runs low on stock",
    "order.created": "a new order comes in",
    "customer.lapsed": "a customer lapses",
    "customer.created": "a new customer signs up",
}
EVENT_OWNER = {"playbook": "pops", "inventory": "pops", "order": "pops",
               "customer": "craig", "competitor": "ezal"}

# --- personas and steps -----------------------------------------------------------------

PERSONAS = {"craig": "craig", "ezal": "ezal", "money mike": "money_mike", "mike": "money_mike",
            "pops": "pops"}
PERSONA_ASK = re.compile(r"\b(?:have|ask|get|let|tell|use|hand\s+(?:it\s+)?(?:off\s+)?to|delegate\s+(?:it\s+)?to|with)\s+"
                         r"(money\s+mike|mike|craig|ezal|pops)\b(?:\s+to)?")
PERSONA_NAMES = {"craig": "Craig", "ezal": "Ezal", "money_mike": "Money Mike", "pops": "Pops"}
CATEGORY = {"ezal": "intelligence", "money_mike": "pricing", "pops": "operations", "craig": "marketing"}
OWNER = {
    "scan_competitors": "ezal", "detect_price_changes": "ezal", "track_new_products": "ezal",
    "find_competitor_promotions": "ezal", "generate_competitor_report": "ezal",
    "analyze_competitive_intelligence": "ezal",
    "analyze_pricing": "money_mike", "suggest_price_adjustment": "money_mike", "analyze_margins": "money_mike",
    "check_inventory": "pops", "create_reorder_list": "pops", "sales_report": "pops", "top_sellers": "pops",
    "export_csv": "pops",
    "create_campaign_draft": "craig", "segment_customers": "craig", "generate_social_post": "craig",
}
PRICING = {"analyze_pricing", "suggest_price_adjustment", "analyze_margins"}
# Pipeline order: gather, analyse, produce, approve, file, deliver.
STAGE = {
    "scan_competitors": 0, "check_inventory": 0, "sales_report": 0, "top_sellers": 0, "segment_customers": 0,
    "detect_price_changes": 1, "track_new_products": 1, "find_competitor_promotions": 1, "analyze_pricing": 1,
    "analyze_margins": 1, "analyze_competitive_intelligence": 1, "create_reorder_list": 1,
    "suggest_price_adjustment": 2, "generate_competitor_report": 2, "create_campaign_draft": 2,
    "generate_social_post": 2, "summarize": 2, "delegate": 2,
    "request_approval": 3, "export_csv": 4, "save_to_drive": 5, "post_webhook": 5,
    "send_email": 6, "send_sms": 6, "post_slack": 6, "notify": 6,
}
DELIVERY = ("send_email", "send_sms", "post_slack", "notify")
# Model-driven steps run by a persona; the "agent" key says whose model thinks.
THINKING = {"analyze_pricing", "suggest_price_adjustment", "analyze_margins", "generate_competitor_report",
            "analyze_competitive_intelligence", "create_campaign_draft", "generate_social_post",
            "segment_customers", "detect_price_changes", "track_new_products", "find_competitor_promotions"}
PHRASES = {
    "scan_competitors": "scan your competitors", "detect_price_changes": "look for price changes",
    "track_new_products": "look for new products", "find_competitor_promotions": "find competitor promotions",
    "generate_competitor_report": "write a competitor report",
    "analyze_competitive_intelligence": "analyze the competitive landscape",
    "analyze_pricing": "compare their prices with yours", "suggest_price_adjustment": "suggest price adjustments",
    "analyze_margins": "analyze your margins", "check_inventory": "check inventory",
    "create_reorder_list": "build a reorder list", "sales_report": "prepare a sales report",
    "top_sellers": "pull your top sellers", "export_csv": "export a CSV",
    "create_campaign_draft": "draft a campaign", "segment_customers": "pick the customer segment",
    "generate_social_post": "write social posts", "request_approval": "ask for your approval",
    "save_to_drive": "save it to Drive", "post_webhook": "post it to your webhook",
    "send_email": "email you", "send_sms": "text you", "post_slack": "post it to Slack",
    "notify": "notify you", "summarize": "summarize it",
}

# --- words out: names, parameters, message bodies ------------------------------------

NUMBER_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())}
CONTENT_STEPS = {"create_campaign_draft", "generate_social_post"}  # produce `content`, not only `summary`
_NAMES = [  # (action, name); first match wins
    ("suggest_price_adjustment", "Price Adjustment Suggestions"), ("analyze_pricing", "Competitor Price Alert"),
    ("analyze_margins", "Margin Analysis"), ("detect_price_changes", "Competitor Price Change Alert"),
    ("track_new_products", "New Product Watch"),
    ("analyze_competitive_intelligence", "Competitive Intelligence Brief"),
    ("generate_competitor_report", "Competitor Report"),
    ("find_competitor_promotions", "Competitor Promotions Watch"), ("export_csv", "Export"),
    ("create_reorder_list", "Reorder List"), ("check_inventory", "Inventory Check"),
    ("top_sellers", "Top Sellers Report"), ("sales_report", "Sales Report"),
    ("generate_social_post", "Social Posts"), ("create_campaign_draft", "Campaign Draft"),
    ("segment_customers", "Customer Segment"), ("scan_competitors", "Competitor Scan"),
]
_EVENT_NAMES = {
    "inventory.low_stock": "Low Stock Alert", "inventory.out_of_stock": "Out of Stock Alert",
    "inventory.restocked": "Restock Alert", "order.created": "New Order Alert",
    "customer.created": "New Customer Alert", "customer.lapsed": "Lapsed Customer Alert",
    "competitor.price_drop": "Competitor Price Drop Alert", "competitor.price_change": "Competitor Price Change Alert",
    "competitor.new_product": "Competitor New Product Alert", "playbook.failed": "Playbook Failure Alert",
}
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


def period(low: str) -> str:
    """Reporting period said in a request, as scheduler.steps.reports.Period names it.

    Without one, `since_last_run`: a weekly or quarterly run then covers its week or quarter.
    """
    for pattern, name in ((r"\btoday'?s?\b|\btonight'?s?\b|\bfor\s+the\s+day\b|\bthe\s+day'?s\b", "today"),
                          (r"\byesterday'?s?\b", "yesterday"),
                          (r"\b(?:last|past)\s+(?:week|7\s+days)\b", "last_7_days"),
                          (r"\bthis\s+week'?s?\b|\bweek\s+to\s+date\b", "week_to_date"),
                          (r"\b(?:last|past)\s+(?:month|30\s+days)\b", "last_30_days"),
                          (r"\bthis\s+month'?s?\b|\bmonth\s+to\s+date\b", "month_to_date")):
        if re.search(pattern, low):
            return name
    return "since_last_run"


def count_before(noun: str, low: str) -> int | None:
    """'three social posts' -> 3: a number (digits or a small word) up to two words before `noun`."""
    m = re.search(r"\b(\d+|" + "|".join(NUMBER_WORDS) + r")\s+(?:[\w-]+\s+){0,2}" + noun, low)
    if not m:
        return None
    return int(m.group(1)) if m.group(1).isdigit() else NUMBER_WORDS[m.group(1)]


def step_params(action: str, text: str, low: str, f: dict, units: float | None, clause: str) -> dict:
    """Parameters for one task step, read from the request."""
    if action == "scan_competitors":
        focus = [("menus" if k == "menu" else k) for k in ("prices", "menu", "promotions", "new_products") if f[k]]
        top = count_before(r"competitors\b", low)
        return {"focus": focus or ["prices"], **({"limit": top} if top else {})}
    if action == "analyze_pricing":
        product = re.search(r"\bsells?\s+(.+?)\s+(?:for|at)\s+(?:less|a\s+lower|cheaper|under)", text, re.I)
        return {"compare_to": "our_prices", **({"products": [product.group(1)]} if product else {})}
    if action == "check_inventory":
        which = "out_of_stock" if f["out_of_stock"] else "low_stock" if f["low_stock"] else "all"
        return {"filter": which, **({"threshold": units} if units is not None else {})}
    if action in ("sales_report", "top_sellers"):
        top = re.search(r"\btop\s+(\d+)\b", low)
        return {"period": period(low), **({"top": int(top.group(1))} if top else {})}
    if action == "export_csv":
        data = next((d for d in ("orders", "inventory", "customers", "products") if re.search(rf"\b{d}\b", low)), "sales")
        return {"dataset": data, "period": period(low)}
    if action == "generate_social_post":
        topic = re.search(r"\bposts?\s+(?:for|about|on|featuring)\s+(?:our\s+)?(.+?)(?:[,.;!?]|\s+and\s+|$)", low)
        return {"count": count_before(r"(?:posts?|tweets?|captions?)\b", low) or 1,
                **({"topic": topic.group(1)} if topic else {})}
    if action == "create_campaign_draft":
        return {"brief": clause or text.strip()}
    if action == "segment_customers":
        return {"segment": next((s for s in ("loyalty", "vip", "lapsed", "inactive", "new") if s in low), "all")}
    if action == "suggest_price_adjustment":
        return {"require_approval": bool(f["approval"])}
    if action == "request_approval":
        return {"prompt": "Approve the suggested changes?"}
    return {}


def event_body(event: str | None, welcome: bool) -> str:
    """Message text for a delivery triggered straight by an event."""
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
        words = [w for w in reminder.split() if w not in ("the", "a", "an", "our", "my")][:4]
        return " ".join(w.capitalize() for w in words) + " Reminder"
    name = next((n for a, n in _NAMES if a in actions), None)
    if event and (name is None or name == "Inventory Check"):
        name = _EVENT_NAMES[event]
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
        return f"have {PERSONA_NAMES[step['params']['agent']]} {step['params']['task']}"
    phrase = PHRASES.get(a, a.replace("_", " "))
    to = step.get("params", {}).get("to", "")
    if a == "notify" and reminder:
        phrase = f"remind you to {reminder}"
    elif a in DELIVERY and reminder:
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
        phrase = f"have {PERSONA_NAMES[step['agent']]} {phrase}"
    return phrase


def join_words(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
