"""Words the deterministic planner recognises: intents, tasks, channels, events, personas
(what it writes back is in `agents.planner.phrasing`).

Every pattern runs on lower-cased text. Keep patterns about meaning, not about
one sentence: the planner is scored on requests it has never seen.
"""
from __future__ import annotations

import re

# --- intents about existing playbooks --------------------------------------------

POLITE = re.compile(
    r"^(?:(?:hey|hi|hello|ok|okay|so|please|pls|kindly|just|now|alright|permanently|completely|totally|entirely|quickly|"
    r"temporarily|briefly|immediately|right\s+now|for\s+now|for\s+the\s+time\s+being|"
    r"actually|also|yo|um+|uh+|hey\s+there|hi\s+there|good\s+(?:morning|afternoon|evening)|thanks|thank\s+you|"
    r"i\s+was\s+(?:wondering|hoping)\s+(?:if|whether)\s+you\s+(?:could|can|would)|"
    r"(?:would|do)\s+you\s+mind|is\s+it\s+possible\s+to|(?:are\s+you\s+)?able\s+to|"
    r"(?:can|could|would|will)\s+you|i'?d\s+like(?:\s+you)?\s+to|i\s+would\s+like(?:\s+you)?\s+to|"
    r"i\s+(?:want|need)(?:\s+you)?\s+to|let'?s|go\s+ahead\s+and|(?:\w+\s*,\s*)?(?:craig|ezal|pops|money\s+mike|mike)\s*,)"
    r"[\s,!]*)+")
PLAYBOOK_NOUN = (r"(?:playbooks?|automations?|workflows?|alerts?|reports?|scans?|digests?|reminders?|"
                 r"checks?|schedules?|jobs?|monitors?|summar(?:y|ies)|backups?|posts?|campaigns?|"
                 r"trackers?|watch(?:es)?|exports?|notifications?|routines?|tasks?|emails?|texts?|messages?|"
                 r"newsletters?|lists?|analys[ie]s|syncs?|updates?|brief(?:ing)?s?|recaps?|round-?ups?|snapshots?|"
                 r"blasts?|drafts?|feeds?|counts?|sweeps?|reviews?|comparisons?|audits?|sms)")
# Verbs that only ever edit something that exists ("reschedule the newsletter").
EDIT_ONLY = r"(?:reschedule|rename|modify|edit|tweak|alter)\b"
REFERENCE = r"(?:the|my|our|that|this|those|these|all|every|it\b|them\b)"
LIST = [
    re.compile(r"^(?:list|show|showing|display|view|see|what|which|how\s+many|do\s+i\s+have|tell\s+me|give\s+me|"
               r"is\s+there|are\s+there|can\s+i\s+(?:see|get)|let\s+me\s+see|pull\s+up|i'?d\s+like\s+to\s+see|"
               r"i\s+(?:want|need)\s+to\s+see)\b.*\b"
               r"(?:playbooks|automations|workflows|schedules|alerts|reports|jobs|routines|tasks|reminders)\b"),
    re.compile(r"^(?:list|show|showing)\s+(?:me\s+)?(?:my|our|all)\b"),
    re.compile(r"^(?:list|show|display|view|see|tell\s+me|give\s+me)\s+(?:me\s+)?(?:everything|all|what|anything)\b.*"
               r"\b(?:scheduled|running|set\s+up|active|automated|on|have|got)\b"),
    re.compile(r"^what(?:'?s|\s+is|\s+do\s+i\s+have|\s+have\s+i\s+got)\s+(?:currently\s+)?"
               r"(?:scheduled|running|set\s+up|active|automated|on)\b"),
]
MANAGE = [  # (intent, pattern matching the verb at the start; group "rest" is the object)
    ("pause_playbook", r"^(?:pause|suspend|disable|deactivate|halt|mute|snooze|freeze|stop(?:\s+running|\s+sending(?:\s+me)?)?|"
                       r"hold\s+off\s+on|temporarily\s+stop|(?:turn|switch)\s+off)\s+(?P<rest>.*)$"),
    ("pause_playbook", r"^(?:put|place)\s+(?P<rest>.*?)\s+on\s+hold\b.*$"),
    ("pause_playbook", r"^(?:turn|switch)\s+(?P<rest>.*?)\s+off\b.*$"),
    ("resume_playbook", r"^(?:resume|unpause|un-pause|restart|re-?enable|re-?activate|reactivate|unmute|unsnooze|"
                        r"unfreeze|continue|restore|enable|(?:turn|switch)\s+(?:back\s+)?on)\s+(?P<rest>.*)$"),
    ("resume_playbook", r"^(?:turn|switch|start|bring)\s+(?P<rest>.*?)\s+(?:back\s+on|on\s+again|again|back)\b.*$"),
    ("resume_playbook", r"^(?:bring\s+back|pick\s+up|start\s+up|switch\s+back\s+on|wake\s+up)\s+(?P<rest>.*)$"),
    ("delete_playbook", r"^(?:delete|remove|cancel|erase|trash|destroy|discard|kill|scrap|ditch|nuke|drop|"
                        r"get\s+rid\s+of|do\s+away\s+with)\s+(?P<rest>.*)$"),
    ("run_playbook", r"^(?:run|re-?run|trigger|execute|kick\s+off|fire\s+off|fire|launch|start)\s+(?P<rest>.*)$"),
    # "send the sales report to Slack instead of email": a new way of delivering an existing one
    ("update_playbook", r"^(?:send|deliver|post|email|text|ping)\s+(?:me\s+)?(?P<rest>(?:the|my|our)\s+.*\b"
                        r"(?:instead|rather\s+than|from\s+now\s+on|going\s+forward)\b.*)$"),
    ("update_playbook", r"^(?:change|update|modify|edit|reschedule|move|switch|adjust|tweak|shift|push|set|make|"
                        r"rename|alter|have)\s+(?P<rest>.*)$"),
]
TARGET_STOP = re.compile(
    r"\s+(?:now|right\s+now|immediately|right\s+away|please|for\s+now|for\s+a\s+(?:while|bit)|until|till|"
    r"to|so|so\s+that|instead|from\s+now\s+on|again|back|on\s+hold|for\s+me|and|at|every|each|on|starting|"
    r"from|by|in|off|with|going\s+forward|anymore|any\s+more|permanently|temporarily|today|tonight|"
    r"(?:email|text|send|notify|post|ping)\w*\s+(?:me|us|them|it|him|her|the|a|an|my|our)\b|"
    r"(?:alert|tell|remind)\s+(?:me|us)|run|go|come|fire|happen|only|also|use|once|one\s+(?:more\s+)?time|"
    r"as\s+a\s+test|(?:weekly|daily|monthly|nightly|hourly)\s+(?:instead|rather)|"
    r"(?:threshold|limit|cutoff|trigger\s+level)(?:\s+(?:to|from|at|of))?)\b.*$")
TARGET_TRIM = re.compile(r"^(?:(?:the|my|our|that|this|your|a|an|current|existing|of)\s+)+|"
                         r"\s+(?:playbook|automation|workflow)s?$|[\s.!?,;:]+$")

# Common misspellings and dropped apostrophes, fixed before any pattern runs, so the
# patterns above and below need only know the proper spelling.
TYPOS = [(re.compile(p), r) for p, r in (
    (r"\b(lower|higher|cheaper|less|more|pricier|fewer|greater|better|worse)\s+then\b", r"\1 than"),
    (r"\btheyre\b", "they're"), (r"\btheres\b", "there's"),
    (r"\bdont\b", "don't"), (r"\bdoesnt\b", "doesn't"), (r"\bhasnt\b", "hasn't"), (r"\bhavent\b", "haven't"),
    (r"\bisnt\b", "isn't"), (r"\bwhats\b", "what's"), (r"\bid\s+like\b", "i'd like"),
    (r"\bu\b", "you"), (r"\bur\b", "your"), (r"\bpls\b|\bplz\b", "please"), (r"\bmsg\b", "message"),
    (r"\bmornin\b", "morning"), (r"\bevenin\b", "evening"), (r"\bevry\b|\bevrey\b|\beveyr\b", "every"),
    (r"\beveryday\b", "every day"), (r"\binventroy\b|\binvetory\b|\binventor\b", "inventory"),
    (r"\bcompetiters?\b|\bcompetetors?\b|\bcompetitiors?\b", "competitors"), (r"\bprics\b", "prices"),
    (r"\bslak\b", "slack"), (r"\bemial\b|\bemai\b", "email"), (r"\bmargens?\b", "margins"),
)]


def tidy(low: str) -> str:
    """The lower-cased request with common misspellings fixed."""
    for pattern, fix in TYPOS:
        low = pattern.sub(fix, low)
    return low


# --- tasks: feature name -> pattern ------------------------------------------------

COMPETITOR = (r"\b(?:competitors?'?s?|competition|competitive|rivals?'?|(?<!\bour\s)(?<!\bmy\s)(?<!\bboth\s)dispensaries|"
              r"(?:other|nearby|nearest|local|competing|neighbou?ring|surrounding|area)\s+(?:\w+\s+)?(?:stores|shops|retailers)|"
              r"(?:store|shop|dispensary)\s+(?:down|across|up)\s+the\s+(?:street|road|block))\b")
# What a menu gets new of: "new strains", "new edibles", "a new brand".
NEW_THINGS = (r"(?:products?|items?|skus?|arrivals|launch(?:es)?|strains?|flavou?rs|listings?|menu\s+items|drops|brands?|"
              r"edibles|vapes|carts|cartridges|concentrates|pre-?rolls|gummies|tinctures|flower|stuff|lines?)")
FEATURES = {k: re.compile(v) for k, v in {
    "competitor": COMPETITOR,
    "prices": r"\bpric(?:e|es|ed|ing)\b|\b(?:charg(?:e|es|ing)|asking)\s+(?:for\b|\$)|\bis\s+charging\b",
    "compare": r"undercut|cheaper|for\s+less\s+than|less\s+than\s+(?:us|ours|we)\b|(?:lower|higher)\s+than\s+(?:us|ours|our)|"
               r"(?:below|under|above|over)\s+(?:us|ours|our\s+(?:own\s+)?price)|beat(?:s|ing)?\s+(?:us|our)|price\s+gaps?|"
               r"\bcompar(?:e|es|ing|ison)|against\s+(?:ours|our|us|competitors?|the\s+competition)|\bvs\.?\s|versus|"
               r"more\s+expensive|price\s+(?:position|parity)|(?:drop|fall|go)\s+below\s+(?:ours|us|our)|"
               r"\b(?:higher|lower|cheaper|pricier|less|more)\s+than\s+(?:the\s+)?(?:competition|competitors?|rivals?|theirs|them)\b|"
               r"\b(?:priced|pricing)\s+(?:\w+\s+)?(?:higher|lower|above|below|under|over)\b|"
               r"\b(?:above|below|over|under)\s+(?:them|theirs|the\s+competition|(?:the\s+)?competitors?'?)\b|\bover-?priced\b|\bunder-?priced\b",
    "review_prices": r"\b(?:review|audit|analy[sz]e|evaluate|assess)\w*\s+(?:our\s+|my\s+)?(?:prices|pricing)\b",
    "price_change": r"\b(?:chang|rais|lower|cut|drop|mov|increas|decreas|adjust|updat|hik|slash|reduc)\w*\s+"
                    r"(?:\w+\s+){0,2}(?:prices?|pricing)\b|\bprice\s+(?:changes?|moves?|movements?|drops?|increases?|"
                    r"decreases?|cuts?|hikes?|updates?)\b|\bprices?\s+(?:changed?|changes|went|go|move[sd]?|dropped)\b|"
                    r"\bprices?\s+for\s+(?:any\s+)?changes\b|\bchanges?\s+(?:in|to)\s+(?:\w+\s+){0,2}prices?\b|"
                    r"\bpric(?:es?|ing)\b[^.;]{0,40}\b(?:changed?|changes|moved?|shifted|jumped|swung|fluctuat\w*|went\s+(?:up|down)|"
                    r"dropped|fell|rose|increased|decreased|spiked|dipped|plunged|moved)\b",
    "new_products": r"\bnew\s+" + NEW_THINGS + r"\b|\b(?:start\w*|begin\w*)\s+(?:selling|carrying|stocking|offering)\b|"
                    r"\b(?:adds?|added|launch(?:es|ed)?|lists?|listed|releases?|released|introduc\w+)\s+(?:a\s+|any\s+)?new\b",
    "menu": r"\bmenus?\b",
    "promotions": r"\b(?:promotions?|promos?|deals|specials|discounts|coupons|offers|sales\s+events?|bogo|promoting|"
                  r"running\s+(?:any\s+)?(?:sales|specials|deals))\b",
    "competitor_report": r"\b(?:competitors?|competitive|competition|market)\s+(?:\w+\s+)?(?:reports?|digests?|summar(?:y|ies)|"
                         r"round-?ups?|brief(?:ing)?s?|updates?|overviews?|recaps?|newsletters?)\b|"
                         r"\b(?:reports?|digests?|summar(?:y|ies)|round-?ups?|brief(?:ing)?s?|overviews?|recaps?)\s+"
                         r"(?:of|on|about)\s+(?:our\s+|the\s+|what\s+)?(?:competitors?|competition|rivals?)\b|"
                         r"\brivals?'?\s+(?:\w+\s+)?(?:reports?|digests?|summar(?:y|ies)|round-?ups?|brief(?:ing)?s?|recaps?)\b",
    "competitive_intel": r"\bcompetitive\s+(?:intelligence|landscape|analysis|positioning|insights?)\b|"
                         r"\bmarket\s+(?:analysis|trends|intelligence|insights?)\b|\bcompetitor\s+(?:analysis|trends|insights?)\b|"
                         r"\banaly[sz]\w*\s+(?:our\s+|the\s+)?(?:competitors|competition)\b",
    "margins": r"\bmargins?\b|\bprofitab\w+|\bmarkups?\b|\bgross\s+profit\b",
    "suggest_price": r"\b(?:suggest|recommend|propos|advis)\w*\b.{0,40}\b(?:prices?|pricing|adjust\w*|changes|match\w*|"
                     r"on\s+sale|mark\s*-?downs?|discount\w*)\b|"
                     r"\bhow\s+(?:much\s+)?(?:we|i)\s+should\s+(?:charge|price|adjust|reprice|change)\b|\bwhat\s+to\s+charge\b|"
                     r"\bprice\s+(?:adjustments?|suggestions?|recommendations?)\b|\brepric\w+|"
                     r"\bpric(?:es?|ing)\b.{0,40}\b(?:suggestions?|recommendations?)\b|"
                     r"\b(?:match|beat)\s+(?:their|the|competitor)\s+prices?\b|\bwhat\s+(?:we|i)\s+should\s+charge\b",
    "inventory": r"\binventory\b|\bstock\b|\bstock\s+levels?\b|\breorder|\bre-order|\bout[\s-]of[\s-]stock\b|\bstockouts?\b|"
                 r"\brun(?:s|ning)?\s+(?:low|out)\b|\bsold[\s-]out\b|\bunits\s+left\b|\b\d+\s+units\b|\bon\s+hand\b|"
                 r"\bquantit(?:y|ies)\b",
    "out_of_stock": r"\b(?:anything|something|items?|products?|any\s+\w+)\s+(?:is|are|goes|go|runs?)\s+out\b|"
                    r"\bout[\s-]of[\s-]stock\b|\bsold[\s-]out\b|\bsells?\s+out\b|\bruns?\s+out\b|\bstockouts?\b|"
                    r"\b(?:hits?|reach\w*|at)\s+(?:zero|0)\b|\bzero\s+(?:stock|inventory|units)\b",
    "low_stock": r"\blow\s+(?:on\s+)?(?:stock|inventory)\b|\brun(?:s|ning)?\s+low\b|\bgetting\s+low\b|\blow[- ]stock\b|"
                 r"\breorder\s+(?:point|level|threshold)\b|\bneeds?\s+(?:re-?order\w*|restock\w*)\b|"
                 r"\b(?:below|under)\s+(?:\d+\s+units|par)\b|\bfew(?:er)?\s+than\s+\d+\b",
    "reorder": r"\b(?:reorder|re-order)\s+(?:list|report|sheet)\b|\bpurchase\s+orders?\b|\brestock\s+list\b|"
               r"\bwhat\s+(?:to|we\s+should|i\s+should)\s+(?:re-?)?order\b|\border\s+more\b|\bre-?order(?:ing|ed)?\b(?!\s+point)",
    "sales": r"\bsales\b|\brevenue\b|\bsold\b|\btakings\b|\bturnover\b|\bhow\s+much\s+we\s+(?:made|sold)\b|\bearnings\b",
    "top_sellers": r"\btop[\s-]?(?:\d+\s+)?(?:best[\s-]?)?(?:sellers?|selling|products?|items?|skus?|strains)\b|"
                   r"\b(?:slow|slowest|worst)[\s-]+(?:moving|selling|sellers?|movers?)\b|\bbottom\s+sellers?\b|\bdead\s+stock\b|"
                   r"\bbest[\s-]?(?:sellers?|selling)\b|"
                   r"\bmost\s+popular\b|\bfast(?:est)?[\s-]moving\b|\bsell(?:s|ing)?\s+(?:the\s+)?(?:best|most)\b|"
                   r"\b(?:biggest|best)\s+(?:sellers?|movers?|performers?)\b|\btop\s+(?:movers?|performers?)\b|\bmost\s+sold\b",
    "export": r"\bcsv\b|\bspreadsheet\b|\bexport\w*|\bback\s?up\b|\bbackups?\b|\bexcel\b|\bdump\b",
    "campaign": r"\bcampaigns?\b|\b(?:e-?mail|text|message|sms|dm|send\s+(?:a\s+|an\s+)?\w+\s+to)\s+"
                r"(?:(?:all|our|the|my|every)\s+)?(?:\w+\s+){0,2}?(?:customers|members|subscribers|shoppers|clients|regulars)\b|"
                r"\bnewsletters?\b|\bblasts?\b|\bmass\s+(?:texts?|emails?|messages?)\b|"
                r"\b(?:deal|special)s?\s+of\s+the\s+(?:day|week)\b|\b(?:daily|weekly)\s+(?:deals?|specials?)\b|"
                r"\bflash\s+sales?\b|\bwin[\s-]?back\b|"
                r"\b(?:draft|write|create|plan|prepare|put\s+together)\w*\s+(?:a\s+|an\s+|our\s+|some\s+)?(?:\w+\s+){0,3}"
                r"(?:promos?|promotions?|offers?|sales?|announcements?|flyers?)\b"
                r"(?!\s+(?:reports?|summar(?:y|ies)|numbers|totals?|figures|data|recaps?|digests?|counts?))",
    "social": r"\bsocial(?:\s+media)?\b|\binstagram\b|\bfacebook\b|\btweets?\b|\btwitter\b|\btiktok\b|\blinkedin\b|\bcaptions?\b",
    "segment": r"\bsegment\w*|\b(?:list|report|summary|count|number)\s+of\s+(?:\w+\s+){0,2}"
               r"(?:customers|members|sign-?ups|shoppers)\b|"
               r"\bloyalty\s+(?:members|customers|program)\b|\bvips?\b|\blapsed\b|\binactive\s+customers\b|"
               r"\bcustomer\s+(?:lists?|groups?|segments?)\b|\b(?:customers|members|shoppers)\s+who\b",
    "customers": r"\bcustomers?\b|\bshoppers?\b|\bmembers?\b|\bclients?\b|\bsubscribers?\b",
    "welcome": r"\bwelcome\b|\bthank[\s-]?you\s+(?:email|note|message|text)\b|\bonboarding\b",
    "wait": r"\b(?:wait|pause\s+for|hold\s+(?:off\s+)?for)\s+(?:for\s+)?(?:an?\s+|\d+\s+)(?:minutes?|hours?|days?|weeks?)\b|"
            r"\b(?:an?|\d+)\s+(?:minutes?|hours?|days?|weeks?)\s+later\b",
    "approval": r"\bapprov\w+|\bsign[\s-]off\b|\bmy\s+ok\b|\bconfirm\s+(?:first|before)\b",
    "summary": r"\bsummar(?:y|ies|ise|ize)\b|\bdigest\b|\brecap\b|\bround-?up\b|\boverview\b|\bbrief(?:ing)?\b",
    "check": r"\b(?:check|scan|monitor|track|watch|look\s+(?:at|for)|keep\s+an\s+eye\s+on|review|audit|compare|find|"
             r"see\s+if|detect|spot|pull|scrape|crawl)\w*\b",
    "conditional": r"\b(?:if|when|whenever|in\s+case|only\s+when|only\s+if|anything|any|should\s+(?:they|it|one))\b|"
                   r"\bthat\s+(?:are|is|have|has|go|drop|fall)\b|\bwhich\s+(?:are|is)\b",
}.items()}

# --- delivery channels ---------------------------------------------------------------

CHANNELS = {k: re.compile(v) for k, v in {
    "send_sms": r"\btext\s+(?:me|us|them|him|her|the\s+team|the\s+manager|my\s+phone)\b|"
                r"\btext\s+(?:it|them|this|that|those|the\s+\w+)\s+(?:over\s+)?to\s+(?:me|us|the\s+\w+)\b|\bsms\b|\btext\s+messages?\b|"
                r"\b(?:send|shoot|get|by|via|with|a|an)\s+(?:me\s+)?(?:a\s+|an\s+)?texts?\b(?!\s+(?:blasts?|campaigns?))|"
                r"\btexts?\s+me\b|\bmy\s+phone\b|"
                r"\b(?:send|shoot)\s+(?:me|us|them|him|her)\s+(?:a|an)\s+(?:[\w'-]+\s+){0,2}texts?\b(?!\s+(?:blasts?|campaigns?))|"
                r"\b(?:welcome|thank[\s-]?you|quick|short|am|pm|daily|morning|evening|nightly|weekly)\s+texts?\b|"
                r"\btexts?\s+(?:with|of|about|listing|showing|summari\w+)\b",
    "post_slack": r"\bslack\b|\b(?:in|to|on|into)\s+#[a-z][\w-]*",
    "send_email": r"\be-?mail(?:s|ed|ing)?\b(?!\s+(?:list|address|addresses|subscribers|marketing|blast|campaigns?|"
                  r"newsletters?|templates?|drafts?|sequences?))|"
                  r"\bmail\s+(?:me|us|it)\b|\binbox\b",
    "post_webhook": r"\bwebhooks?\b|\bzapier\b|\bhttps?://\S+",
    "notify": r"\bnotif(?:y|ied|ication|ications)\b|\balert(?:s|ed)?\s+(?:me|us|the\s+team|them)\b|\bremind\w*\b|"
              r"\blet\s+(?:me|us)\s+know\b|\bping\s+(?:me|us)\b|\bheads[\s-]up\b|\bwarn\s+(?:me|us)\b|"
              r"\btells?\s+(?:me|us)\b|\bflag\b|\bin[\s-]app\b|\bpush\s+notification\b|\bgive\s+me\s+a\s+(?:shout|nudge)\b|"
              r"\b(?:message|dm|buzz|inform|update)\s+(?:me|us)\b|\b(?:an?|get\s+an?|send\s+(?:me\s+)?an?)\s+alerts?\b|"
              r"\balerts?\s+(?:for\s+)?(?:when|whenever|if)\b|\bkeep\s+(?:me|us)\s+posted\b",
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
                        r"\bfails?\s+to\s+run\b|\b(?:anything|something)\s+(?:fails|breaks|goes\s+wrong)\b|"
                        r"\b(?:playbooks?|automations?|workflows?|jobs?)\s+(?:doesn'?t|didn'?t|does\s+not|did\s+not|won'?t|can'?t)\s+"
                        r"(?:run|work|finish|complete)\b"),
    ("competitor.new_product", COMPETITOR + r".{0,60}\b(?:adds?|added|launch\w*|lists?|listed|releases?|released|introduc\w+|"
                               r"(?:has|have|gets?|got)\s+(?:a\s+|any\s+)?new|start\w*\s+(?:selling|carrying|stocking|offering)|"
                               r"(?:a|any)\s+new\s+" + NEW_THINGS + r")\b|\bnew\s+" + NEW_THINGS + r"\b.{0,40}" + COMPETITOR),
    ("competitor.price_drop", COMPETITOR + r".{0,40}\b(?:drops?|dropped|lowers?|lowered|cuts?|reduces?|reduced|slash\w*|"
                              r"undercuts?|discounts?)\b|\bprice\s+drops?\b.{0,40}" + COMPETITOR + "|" + COMPETITOR +
                              r".{0,30}\bpric(?:es?|ing)\s+(?:\w+\s+)?(?:drops?|dropped|falls?|fell|goes\s+down|went\s+down|"
                              r"decreases?|decreased|is\s+(?:cut|lowered|reduced))\b"),
    ("competitor.price_change", COMPETITOR + r".{0,40}\b(?:chang\w+|rais\w+|updat\w+|mov\w+|increas\w+|adjust\w+)\s+"
                                r"(?:\w+\s+){0,2}(?:prices?|pricing)\b|\bprice\s+changes?\b.{0,40}" + COMPETITOR + "|" + COMPETITOR +
                                r".{0,30}\bpric(?:es?|ing)\s+(?:\w+\s+)?(?:changes?|changed|moves?|moved|goes\s+up|went\s+up|"
                                r"increases?|increased|shifts?|shifted|rises?|rose)\b"),
    ("inventory.low_stock", r"\b(?:almost|nearly|about\s+to|close\s+to|getting\s+close\s+to)\s+(?:run\w*\s+|sell\w*\s+)?out\b|"
                            r"\brunning\s+out\b"),
    ("inventory.out_of_stock", r"\b(?:we'?re|we\s+are)\s+(?:completely\s+|all\s+)?out\s+of\b|\bout[\s-]of[\s-]stock\b|"
                               r"\bsold[\s-]out\b|\bsells?\s+out\b|\bruns?\s+out\b|\bstockouts?\b|"
                               r"\b(?:hits?|reach\w*|goes\s+to|drops?\s+to|falls?\s+to|at)\s+(?:zero|0)\b|"
                               r"\bzero\s+(?:stock|inventory|units)\b"),
    ("inventory.restocked", r"\brestock(?:ed|s)?\b(?!\s+list)|\bback[\s-]in[\s-]stock\b|\breplenish\w*|"
                            r"\bback\s+on\s+(?:the\s+)?shel(?:f|ves)\b|\b(?:available|in\s+stock|for\s+sale)\s+again\b|"
                            r"\bcomes?\s+back\s+in(?:to)?\s+stock\b"),
    ("inventory.low_stock", r"\blow\s+(?:on\s+)?(?:stock|inventory)\b|"
                            r"\b(?:stock|inventory|quantity)\s+(?:is\s+|gets\s+|goes\s+|runs?\s+)?low\b|"
                            r"\brun(?:s|ning)?\s+low\b|\bgets?\s+low\b|\blow[- ]stock\b|"
                            r"\b(?:below|under)\s+(?:the\s+)?(?:reorder|par)\s+(?:point|level)\b|"
                            r"\b(?:stock|inventory|quantity|units)\b.{0,30}?\b(?:drops?|falls?|goes|dips?|gets?|is|are)\s+"
                            r"(?:below|under|low|less\s+than|fewer\s+than)\b|"
                            r"\b(?:below|under)\s+\d+\s+units\b|"
                            r"\b(?:stock|inventory|quantity)\b.{0,30}?\b(?:hits?|reach\w*|(?:gets?|goes|drops?|falls?)\s+to)\s+\d+\b|"
                            r"\b(?:fewer|less)\s+than\s+\d+\s+(?:units|left|in\s+stock)\b"),
    ("order.created", r"\bnew\s+orders?\b|\borders?\s+(?:\w+\s+){0,4}(?:comes?|came)\s+in\b|"
                      r"\borders?\s+(?:is\s+|are\s+|gets?\s+)?(?:placed|received|created|made)\b|"
                      r"\bplaces?\s+an?\s+(?:\w+\s+)?order\b|\b(?:receive|get|gets|have)\s+an?\s+(?:\w+\s+)?order\b|"
                      r"\b(?:every|each|any|an|a)\s+(?:\w+\s+)?order\b|\b(?:large|big|huge)\s+orders?\b|"
                      r"\bsomeone\s+(?:orders|buys|purchases)\b|\b(?:make|makes|made|get|gets|ring\s+up)\s+an?\s+(?:\w+\s+)?sale\b|"
                      r"\ba\s+sale\s+(?:is\s+)?(?:made|comes\s+in|happens|goes\s+through)\b|"
                      r"\b(?:orders?|purchases?)\s+(?:over|above|of\s+more\s+than|worth)\b"),
    ("customer.lapsed", r"\blapsed\b|\blapses\b|"
                        r"\b(?:hasn'?t|has\s+not|haven'?t|have\s+not|hadn'?t|didn'?t|did\s+not|not)\s+(?:ordered|bought|"
                        r"purchased|visited|shopped|returned|been\s+(?:back|in|around|by)|come\s+(?:back|in|by)|"
                        r"(?:made|placed)\s+an?\s+(?:purchase|order)|(?:stopped|dropped)\s+(?:by|in))\b|"
                        r"\b(?:goes|gone|went|go|been|passed)\s+\d+\s+(?:days?|weeks?|months?)\s+without\b|"
                        r"\bno\s+(?:purchases?|orders?|visits?)\s+(?:in|for)\b|\bwe\s+haven'?t\s+seen\b|"
                        r"\binactive\s+(?:customers?|for)\b|\b(?:been\s+)?(?:gone|away|absent|missing|m\.?i\.?a)\s+(?:for\s+)?"
                        r"(?:\d+|a\s+(?:while|month|few)|over\s+a|more\s+than|months|weeks)\b|\bstop(?:s|ped)?\s+(?:buying|ordering|shopping|coming|visiting)\b|\bchurn\w*"),
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
# "hand anything interesting off to Money Mike": the work named before the persona goes to it.
HAND_TO = re.compile(r"\b(?:hand|pass|send|forward|give|escalate|route|kick|refer)\s+(?P<what>(?:[\w']+\s+){0,5}?)"
                     r"(?:off\s+|over\s+|along\s+|up\s+)?to\s+(?P<who>money\s+mike|mike|craig|ezal|pops)\b")
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
    "request_approval": 3, "export_csv": 4, "save_to_drive": 5, "post_webhook": 5, "wait": 5,
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
    "notify": "notify you", "summarize": "summarize it", "wait": "wait",
}
