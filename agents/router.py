"""Which persona takes a conversation when the client names none: the owner of the task."""
from __future__ import annotations

import re
from collections.abc import Sequence

from langchain_core.messages import BaseMessage, HumanMessage

from scheduler.catalog import DEFAULT_PERSONA, PERSONAS

# Each persona's routing words from the catalog, in its precedence order; the first persona whose words appear wins.
OWNERS = [
    (p.id, re.compile(r"\b(" + "|".join(map(re.escape, p.words)) + ")"))
    for p in sorted(PERSONAS.values(), key=lambda p: p.route_rank) if p.words
]


# "@craig", "@money_mike", "@moneymike", "@mike": the user names who should answer.
MENTIONS = {**{p.id: p.id for p in PERSONAS.values()}, **{p.name.lower().replace(" ", ""): p.id for p in PERSONAS.values()},
            **{p.name.lower().split()[-1]: p.id for p in PERSONAS.values()}}
MENTION = re.compile(r"(?<![\w.])@([a-z_]+)\b")


def mentioned(text: str) -> str | None:
    """The persona an "@name" in the text names, if any."""
    return next((MENTIONS[m] for m in MENTION.findall(text.lower()) if m in MENTIONS), None)


def choose_persona(messages: Sequence[BaseMessage]) -> str:
    """The persona named with "@name", else the owner of what the latest user message is about (else the default)."""
    text = next((m.content for m in reversed(messages) if isinstance(m, HumanMessage) and isinstance(m.content, str)), "")
    named = mentioned(text)
    if named:
        return named
    for persona, pattern in OWNERS:
        if pattern.search(text.lower()):
            return persona
    return DEFAULT_PERSONA


def latest_user_text(messages: Sequence[BaseMessage]) -> str:
    """The text of the latest user message ('' when there is none)."""
    return next((m.content for m in reversed(messages) if isinstance(m, HumanMessage) and isinstance(m.content, str)), "")


def owner_of(text: str) -> str | None:
    """The persona whose routing words the text uses (by precedence); None when it uses none."""
    return next((persona for persona, pattern in OWNERS if pattern.search(text.lower())), None)


def speaks_of(persona: str, text: str) -> bool:
    """True when the text uses any of this persona's own routing words."""
    return any(p == persona and pattern.search(text.lower()) for p, pattern in OWNERS)
