"""Words the deterministic planner recognises besides the catalog's: intents, context words, personas.

The words that ask for a step action or say an event happened are declared with the action or
event in `scheduler.catalog`; this module compiles them (`action_words`, `channels`,
`event_words`) and holds the rest: verbs about existing playbooks, listings, negations, the
context words that choose between actions. What the planner writes back is in `phrasing`.

Every pattern runs on lower-cased text. Keep patterns about meaning, not about
one sentence: the planner is scored on requests it has never seen.
"""
from __future__ import annotations

import re
from functools import cache

from scheduler.catalog import ACTIONS, PERSONAS
from scheduler.catalog import EVENTS as EVENT_TYPES

# How a request names each persona: its full name, and the last word of a longer one ("Mike").
PERSONA_WORDS = {w: p.id for p in PERSONAS.values()
                 for w in dict.fromkeys((p.name.lower(), p.name.lower().split()[-1]))}
PERSONA = "(" + "|".join(sorted((w.replace(" ", r"\s+") for w in PERSONA_WORDS), key=len, reverse=True)) + ")"

# --- intents about existing playbooks --------------------------------------------

POLITE = re.compile(
    r"^(?:(?:hey|hi|hello|ok|okay|so|please|pls|kindly|just|now|alright|permanently|completely|totally|entirely|quickly|"
    r"temporarily|briefly|immediately|right\s+now|for\s+now|for\s+the\s+time\s+being|"
    r"actually|also|yo|um+|uh+|hey\s+there|hi\s+there|good\s+(?:morning|afternoon|evening)|thanks|thank\s+you|"
    r"i\s+was\s+(?:wondering|hoping)\s+(?:if|whether)\s+you\s+(?:could|can|would)|"
    r"(?:would|do)\s+you\s+mind|is\s+it\s+possible\s+to|(?:are\s+you\s+)?able\s+to|"
    r"(?:can|could|would|will)\s+you|i'?d\s+like(?:\s+you)?\s+to|i\s+would\s+like(?:\s+you)?\s+to|"
    r"i\s+(?:want|need)(?:\s+you)?\s+to|let'?s|go\s+ahead\s+and|(?:\w+\s*,\s*)?" + PERSONA + r"\s*,)"
    r"(?![a-z'])[\s,!]*)+")  # whole words only: "hi" is not the start of "hit"
PLAYBOOK_NOUN = (r"(?:playbooks?|automations?|workflows?|alerts?|reports?|scans?|digests?|reminders?|"
                 r"checks?|schedules?|jobs?|monitors?|summar(?:y|ies)|backups?|posts?|campaigns?|"
                 r"trackers?|watch(?:es)?|exports?|notifications?|routines?|tasks?|emails?|texts?|messages?|"
                 r"newsletters?|lists?|analys[ie]s|syncs?|updates?|brief(?:ing)?s?|recaps?|round-?ups?|snapshots?|"
                 r"blasts?|drafts?|feeds?|counts?|sweeps?|reviews?|comparisons?|audits?|sms|"
                 r"things?|thingy|setups?)")  # "the slack thing": how owners name what they set up
# Verbs that only ever edit something that exists ("reschedule the newsletter").
EDIT_ONLY = r"(?:reschedule|rename|modify|edit|tweak|alter)\b"
REFERENCE = r"(?:the|my|our|that|this|those|these|all|every|it\b|them\b)"
LIST = [
    re.compile(r"^(?:list|show|showing|display|view|see|what|which|how\s+many|do\s+i\s+have|tell\s+me|give\s+me|"
               r"is\s+there|are\s+there|can\s+i\s+(?:see|get)|let\s+me\s+see|pull\s+up|i'?d\s+like\s+to\s+see|"
               r"i\s+(?:want|need)\s+to\s+see)\b.*\b"
               r"(?:playbooks|automations|workflows|schedules|alerts|reports|jobs|routines|tasks|reminders)\b"),
    re.compile(r"^(?:list|show|showing)\s+(?:me\s+)?(?:my|our|all|everything)\b"),
    re.compile(r"^(?:list|show|display|view|see|tell\s+me|give\s+me)\s+(?:me\s+)?(?:everything|all|what|anything)\b.*"
               r"\b(?:scheduled|running|set\s+up|active|automated|on|have|got)\b"),
    re.compile(r"^what(?:'?s|\s+is|\s+do\s+i\s+have|\s+have\s+i\s+got)\s+(?:currently\s+)?"
               r"(?:scheduled|running|set\s+up|active|automated|on)\b"),
]
# "stop texting me about low stock": what the messages are about names the playbook that sends them.
STOP_ABOUT = (r"^(?:stop|quit)\s+(?:texting|emailing|messaging|pinging|sending|notifying|alerting|bugging|spamming|"
              r"slacking|warning)\s+(?:me|us)\s+(?:about|with|on|over|regarding|re)\s+(?P<rest>.*)$")
MANAGE = [  # (intent, pattern matching the verb at the start; group "rest" is the object)
    ("pause_playbook", STOP_ABOUT),
    ("pause_playbook", r"^(?:pause|suspend|disable|deactivate|halt|mute|snooze|freeze|skip|(?:stop|quit)(?:\s+\w+ing(?:\s+(?:me|us))?)?|"
                       r"hold\s+off\s+on|temporarily\s+stop|(?:turn|switch|shut)\s+(?:off|down)|hit\s+pause\s+on)\s+(?P<rest>.*)$"),
    ("pause_playbook", r"^(?:put|place)\s+(?P<rest>.*?)\s+on\s+hold\b.*$"),
    ("pause_playbook", r"^(?:turn|switch)\s+(?P<rest>.*?)\s+off\b.*$"),
    ("resume_playbook", r"^(?:resume|unpause|un-pause|restart|re-?enable|re-?activate|reactivate|unmute|unsnooze|"
                        r"unfreeze|continue|restore|enable|(?:turn|switch)\s+(?:back\s+)?on)\s+(?P<rest>.*)$"),
    ("resume_playbook", r"^(?:turn|switch|start|bring)\s+(?P<rest>.*?)\s+(?:back\s+on|on\s+again|again|back)\b.*$"),
    ("resume_playbook", r"^(?:bring\s+back|pick\s+up|start\s+up|switch\s+back\s+on|wake\s+up)\s+(?P<rest>.*)$"),
    ("delete_playbook", r"^(?:delete|remove|cancel|erase|trash|destroy|discard|kill|scrap|ditch|nuke|drop|archive|"
                        r"nix|axe|toss|get\s+rid\s+of|do\s+away\s+with|unsubscribe\s+(?:me\s+|us\s+)?from)\s+(?P<rest>.*)$"),
    ("run_playbook", r"^(?:run|re-?run|trigger|execute|kick\s+off|fire\s+off|fire|launch|start|test|"
                     r"(?:do|give|try)\s+(?:it\s+)?(?:a\s+)?(?:test\s+|quick\s+|manual\s+|dry\s+)?run\s+(?:of|on|for))\s+(?P<rest>.*)$"),
    # "add a Slack message to the low stock alert": one more step for an existing playbook
    ("update_playbook", r"^(?:add|include|attach|append)\s+(?P<add>.+?)\s+(?:to|in|into)\s+(?P<rest>(?:the|my|our|that|this)\s+.+)$"),
    # "send the sales report to Slack instead of email": a new way of delivering an existing one
    ("update_playbook", r"^(?:send|deliver|post|email|text|ping)\s+(?:me\s+)?(?P<rest>(?:the|my|our)\s+.*\b"
                        r"(?:instead|rather\s+than|from\s+now\s+on|going\s+forward)\b.*)$"),
    ("update_playbook", r"^(?:change|update|modify|edit|reschedule|move|switch|adjust|tweak|shift|push|set|make|"
                        r"rename|alter|have)\s+(?P<rest>.*)$"),
]
# Saying a playbook is no longer wanted: "I no longer want the low stock alert", "we don't need the
# sales report anymore", "I'm done with the price alert". Group "rest" is the object, as for MANAGE.
NEGATION = re.compile(
    r"\b(?:(?:i|we)\s+)?(?:(?:really\s+)?(?:don't|do\s+not|no\s+longer|won't|will\s+not)\s+(?:really\s+)?"
    r"(?:want|need|use|care\s+about)(?:\s+to\s+(?:get|receive|see|have|keep))?|"
    r"(?:'m|am|'re|are)\s+(?:done|finished|through)\s+with|(?:have|'ve)\s+no\s+(?:use|need)\s+for|"
    r"(?:can|could)\s+(?:do|live)\s+without|no\s+more(?!\s+than)|(?:there's\s+)?no\s+(?:more\s+)?need\s+for|"
    r"(?:'m|am|'re|are)\s+not\s+interested\s+in|(?:don't|do\s+not|never)\s+(?:send|email|text|run)(?:\s+(?:me|us))?)"
    r"\s+(?P<rest>.*)$")
# ... for a while only: then it is a pause, not a delete.
FOR_NOW = re.compile(r"\b(?:for\s+now|for\s+a\s+(?:while|bit|few\s+\w+)|for\s+the\s+time\s+being|temporarily|"
                     r"until|till|this\s+(?:week|month|weekend)|(?:over|for)\s+the\s+(?:weekend|holidays?|break|week))\b")
# A channel said right after a negation is not wanted: "don't email me, text me", "by text, not email".
NEGATED = re.compile(r"\b(?:don't|do\s+not|never|not|no|instead\s+of|rather\s+than|except)\s+"
                     r"(?:(?:want|need|get|like)\s+(?:any\s*more\s+|more\s+|any\s+)?|\w+\s+)?$")
TARGET_STOP = re.compile(
    r"\s+(?:now|right\s+now|immediately|right\s+away|please|for\s+now|for\s+a\s+(?:while|bit)|until|till|til|"
    r"for\s+good|forever|"
    r"to|so|so\s+that|instead|from\s+now\s+on|again|back|on\s+hold|for\s+me|and|at|every|each|on|starting|"
    r"this\s+(?:week|month|weekend|time)|next\s+(?:week|month|time)|(?:over|for)\s+the\s+(?:weekend|holidays?|break|week)|"
    r"from|by|in|off|with|going\s+forward|anymore|any\s+more|permanently|temporarily|today|tonight|"
    r"(?:email|text|send|notify|post|ping)\w*\s+(?:me|us|them|it|him|her|the|a|an|my|our)\b|"
    r"(?:alert|tell|remind)\s+(?:me|us)|run|go|come|fire|happen|only|also|use|once|one\s+(?:more\s+)?time|"
    r"as\s+a\s+test|(?:weekly|daily|monthly|nightly|hourly)\s+(?:instead|rather)|"
    r"(?:threshold|limit|cutoff|trigger\s+level)(?:\s+(?:to|from|at|of))?)\b.*$")
TARGET_TRIM = re.compile(r"^(?:(?:the|my|our|that|this|your|a|an|current|existing|of)\s+)+|"
                         r"\s+(?:playbook|automation|workflow)s?$|[\s.!?,;:]+$")

# Chat shorthand, read as the words it stands for (misspellings need no list: see spelling.py).
SHORTHAND = [(re.compile(p), r) for p, r in (
    (r"\bu\b", "you"), (r"\bur\b", "your"), (r"\bpls\b|\bplz\b", "please"), (r"\bmsg\b", "message"),
    (r"\bid\s+like\b", "i'd like"), (r"\beveryday\b", "every day"),
    # "cheaper then ours": after a comparative, "then" is "than"
    (r"\b(lower|higher|cheaper|less|more|pricier|fewer|greater|better|worse)\s+then\b", r"\1 than"),
)]

# --- tasks: feature name -> pattern ------------------------------------------------

# Context words: not actions themselves, but they decide between actions and fill parameters
# (the words that ask for an action are the catalog's: scheduler.catalog.actions).
FEATURES = {k: re.compile(v) for k, v in {
    "prices": r"\bpric(?:e|es|ed|ing)\b|\b(?:charg(?:e|es|ing)|asking)\s+(?:for\b|\$)|\bis\s+charging\b",
    "compare": r"undercut|cheaper|for\s+less\s+than|less\s+than\s+(?:us|ours|we)\b|(?:lower|higher)\s+than\s+(?:us|ours|our)|"
               r"(?:below|under|above|over)\s+(?:us|ours|our\s+(?:own\s+)?price)|beat(?:s|ing)?\s+(?:us|our)|price\s+gaps?|"
               r"\bcompar(?:e|es|ing|ison)|against\s+(?:ours|our|us|competitors?|the\s+competition)|\bvs\.?\s|versus|"
               r"more\s+expensive|price\s+(?:position|parity)|(?:drop|fall|go)\s+below\s+(?:ours|us|our)|"
               r"\b(?:higher|lower|cheaper|pricier|less|more)\s+than\s+(?:the\s+)?(?:competition|competitors?|rivals?|theirs|them)\b|"
               r"\b(?:priced|pricing)\s+(?:\w+\s+)?(?:higher|lower|above|below|under|over)\b|"
               r"\b(?:above|below|over|under)\s+(?:them|theirs|the\s+competition|(?:the\s+)?competitors?'?|"
               r"(?:the\s+)?market(?:\s+(?:prices?|rates?|average))?)\b|"
               r"\bover-?priced\b|\bunder-?priced\b",
    "menu": r"\bmenus?\b",
    "out_of_stock": r"\b(?:anything|something|items?|products?|any\s+\w+)\s+(?:is|are|goes|go|runs?)\s+out\b|"
                    r"\bout[\s-]of[\s-]stock\b|\bsold[\s-]out\b|\bsells?\s+out\b|\bruns?\s+out\b|\bstockouts?\b|"
                    r"\b(?:hits?|reach\w*|at)\s+(?:zero|0)\b|\bzero\s+(?:stock|inventory|units)\b",
    "low_stock": r"\blow\s+(?:on\s+)?(?:stock|inventory)\b|\brun(?:s|ning)?\s+low\b|\bgetting\s+low\b|\blow[- ]stock\b|"
                 r"\breorder\s+(?:point|level|threshold)\b|\bneeds?\s+(?:re-?order\w*|restock\w*)\b|"
                 r"\b(?:below|under)\s+(?:\d+\s+units|par)\b|\bfew(?:er)?\s+than\s+\d+\b|"
                 # "text me what's low": what is low is stock
                 r"\b(?:what'?s|what\s+is|whats|anything(?:\s+that'?s)?|everything\s+that'?s|stuff\s+that'?s|items?\s+(?:that\s+)?(?:is|are)|products?\s+(?:that\s+)?(?:is|are))\s+(?:running\s+|getting\s+)?low\b|\b(?:below|under|only)\s+\d+\s+(?:left|in\s+stock|on\s+hand)\b",
    "welcome": r"\bwelcome\b|\bthank[\s-]?you\s+(?:email|note|message|text)\b|\bonboarding\b",
    # "email me a report" after a plain competitor scan: the report is about the scan
    "report": r"\b(?:an?|the)\s+(?:full\s+|short\s+|quick\s+)?(?:report|digest|write-?up|rundown)\b",
    # "today's orders" is a sales report unless it is being exported
    "day_orders": r"\b(?:today|yesterday|the\s+day|the\s+week|this\s+week|last\s+week)'?s?\s+(?:orders|transactions)\b",
}.items()}

# --- step actions and delivery channels: the catalog's words ----------------------------

def action_words() -> dict[str, re.Pattern]:
    """The words that ask for each step action, compiled from the catalog as it is now."""
    return _compile(tuple((a.name, a.words) for a in ACTIONS.values() if a.words))


@cache
def _compile(entries: tuple[tuple[str, tuple[str, ...]], ...]) -> dict[str, re.Pattern]:
    return {name: re.compile("|".join(words)) for name, words in entries}


def channels() -> dict[str, re.Pattern]:
    """The words of the delivery channels: the catalog's actions that deliver to a person."""
    return {name: p for name, p in action_words().items() if ACTIONS[name].delivery}


SEND_TO_ME = re.compile(r"\b(?:send|give|get|deliver|bring)\s+(?:me|us)\b|\bi\s+(?:want|need|get)\b|\bfor\s+me\b")
TEAM = re.compile(r"\b(?:the|my|our)\s+(?:team|staff|managers?|board|employees|crew|owners?|partners?)\b")
TO_CUSTOMER = re.compile(r"\b(?:send|email|text|message|write|draft)\s+(?:(?:new|the|our)\s+)?(?:customers|members)\b|"
                         r"\b(?:send|email|text|message|write|draft)\s+(?:them|the\s+customer|the\s+new\s+customer|him|her|each\s+one)\b|"
                         r"\bwelcome\s+(?:email|message)\b")

# --- events ---------------------------------------------------------------------------

# The order the catalog's event words are tried in, first match wins: narrower events before broader
# ones ("almost out of stock" is low stock, not out of stock). (event, which of its words); events
# not named here are tried after these, in catalog order, so a new event needs nothing here.
EVENT_ORDER = (
    ("playbook.failed", 0), ("competitor.new_product", 0), ("competitor.price_drop", 0),
    ("competitor.price_change", 0), ("inventory.low_stock", 0), ("inventory.out_of_stock", 0),
    ("inventory.restocked", 0), ("inventory.low_stock", 1), ("order.created", 0), ("customer.lapsed", 0),
    ("customer.created", 0),
)


def event_words() -> list[tuple[str, re.Pattern]]:
    """(event, compiled words) in the order they are tried, from the catalog as it is now."""
    return _compile_events(tuple((e.name, e.words) for e in EVENT_TYPES.values() if e.words))


@cache
def _compile_events(entries: tuple[tuple[str, tuple[str, ...]], ...]) -> list[tuple[str, re.Pattern]]:
    words = dict(entries)
    ordered = [(name, i) for name, i in EVENT_ORDER if name in words and i < len(words[name])]
    ordered += [(name, i) for name, ws in entries for i in range(len(ws)) if (name, i) not in ordered]
    return [(name, re.compile(words[name][i])) for name, i in ordered]


# --- a playbook run only when asked -------------------------------------------------------

# "a button I press", "on demand", "whenever I ask": no schedule, no event, a manual trigger.
MANUAL = re.compile(
    r"\b(?:on[\s-]demand|(?:a|one)\s+(?:button|shortcut)\b|"
    r"(?:when(?:ever)?|each\s+time|every\s+time|any\s*time)\s+i\s+(?:press|click|hit|tap|push|ask|say\s+(?:so|go)|"
    r"tell\s+you|want|need|trigger\s+it|run\s+it)\b|"
    r"(?:run|start|trigger|kick\s+off|fire\s+off)\s+(?:it\s+)?(?:myself|on\s+my\s+own|manually|by\s+hand)\b)")


# --- personas asked to do part of the work ----------------------------------------------

PERSONA_ASK = re.compile(r"\b(?:have|ask|get|let|tell|use|hand\s+(?:it\s+)?(?:off\s+)?to|delegate\s+(?:it\s+)?to|with)\s+"
                         + PERSONA + r"\b(?:\s+to)?")
# "hand anything interesting off to Money Mike": the work named before the persona goes to it.
HAND_TO = re.compile(r"\b(?:hand|pass|send|forward|give|escalate|route|kick|refer)\s+(?P<what>(?:[\w']+\s+){0,5}?)"
                     r"(?:off\s+|over\s+|along\s+|up\s+)?to\s+(?P<who>" + PERSONA[1:] + r"\b")


def persona_id(words: str) -> str:
    """The persona a request names ("money  mike", "mike") -> its id."""
    return PERSONA_WORDS[re.sub(r"\s+", " ", words)]

# Words that point at a playbook named before instead of naming one ("pause it", "delete that one").
PRONOUNS = ("it", "them", "that", "this", "that one", "this one")
