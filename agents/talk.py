"""Talk that is no request: greetings, thanks, "what can you do?" (from the catalog), "who are you?"; replies signed."""
from __future__ import annotations

import re
from functools import cache

from scheduler.catalog import ACTIONS, DEFAULT_PERSONA, PERSONAS
from scheduler.steps.registry import default_registry

_OPENER = r"^(?:(?:hey|hi|hello|ok|okay|so|well)\b[\s,!]*)?(?:@\w+[\s,]*)?"
GREETING = re.compile(r"^(?:@\w+[\s,]*)?(?:hi|hey|hello|howdy|hiya|yo|good\s+(?:morning|afternoon|evening)|greetings)"
                      r"(?:\s+(?:there|all|team|craig|ezal|pops|money\s+mike|mike))?[\s,!.]*$", re.IGNORECASE)
THANKS = re.compile(r"^(?:@\w+[\s,]*)?(?:(?:thanks?|thank\s+you|thx|ty|cheers|great|perfect|awesome|nice|cool|got\s+it|"
                    r"appreciate\s+it|much\s+appreciated)(?:\s+(?:so\s+much|a\s+lot|very\s+much|again|a\s+bunch))?[\s,!.]*)+$",
                    re.IGNORECASE)
CAPABILITIES = re.compile(_OPENER + r"(?:what\s+(?:can|could|do)\s+(?:you|u)\s+(?:do|help(?:\s+me)?\s+with|automate)|"
                          r"what\s+are\s+you\s+(?:able\s+to\s+do|good\s+at)|how\s+can\s+you\s+help|help|"
                          r"what\s+(?:kind|sort)s?\s+of\s+(?:things|playbooks|automations)\s+can\s+you\s+(?:do|make|set\s+up))"
                          r"(?:\s+for\s+(?:me|us))?[\s?!.]*$", re.IGNORECASE)
WHO = re.compile(_OPENER + r"(?:who\s+(?:are|r)\s+(?:you|u)|who\s+am\s+i\s+(?:talking|speaking|chatting)\s+(?:to|with)|"
                 r"what(?:'s|\s+is)\s+your\s+name|introduce\s+yourself)[\s?!.]*$", re.IGNORECASE)


def persona_name(persona: str | None) -> str:
    """The display name of a persona id (the default persona for none)."""
    return PERSONAS.get(persona or DEFAULT_PERSONA, PERSONAS[DEFAULT_PERSONA]).name


def sign(text: str, persona: str | None) -> str:
    """A reply signed by the persona that gives it."""
    if not persona or persona not in PERSONAS:
        return text
    return f"{text}\n\n— {persona_name(persona)}"


@cache
def _built() -> frozenset[str]:
    # Only steps that exist are offered: the catalog also declares actions not built yet.
    return frozenset(default_registry().names())


def _examples(persona: str) -> list[str]:
    owned = [a for a in ACTIONS.values() if a.owner == persona and not a.delivery and a.name in _built()]
    return [a.phrase for a in owned][:5]


def capabilities(persona: str | None) -> str:
    """What this persona (and the team) can do, from the step catalog."""
    me = persona if persona in PERSONAS else DEFAULT_PERSONA
    mine = _examples(me)
    others = [f"{p.name} ({p.owns.split(':')[0]})" for p in PERSONAS.values() if p.id != me]
    lines = [f"I'm {persona_name(me)}; I look after {PERSONAS[me].owns}."]
    if mine:
        lines.append("I can " + ", ".join(mine[:-1]) + (" and " if len(mine) > 1 else "") + mine[-1] + ".")
    lines.append("Tell me what to do and when (\"every Monday at 8am email me a sales report\") and I'll set up a playbook "
                 "that runs on its own; I can also list, change, pause, resume, run or delete your playbooks and tell you "
                 "how their last runs went.")
    lines.append("The rest of the team: " + ", ".join(others) + ". Write @name to ask one of them.")
    return " ".join(lines)


def small_talk(text: str, persona: str | None) -> str | None:
    """The answer to a greeting, thanks, "what can you do?" or "who are you?"; None for anything else."""
    said = text.strip()
    me = persona if persona in PERSONAS else DEFAULT_PERSONA
    if GREETING.match(said):
        return f"Hi! I'm {persona_name(me)}, I look after {PERSONAS[me].owns.split(':')[0]}. What would you like me to set up or check?"
    if THANKS.match(said):
        return "You're welcome! Anything else I can set up or check?"
    if WHO.match(said):
        return (f"I'm {persona_name(me)}, one of your shop's agents: I look after {PERSONAS[me].owns}. "
                "I turn what you ask into playbooks that run on schedule, and I report how they went.")
    if CAPABILITIES.match(said):
        return capabilities(me)
    return None
