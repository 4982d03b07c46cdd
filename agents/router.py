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


def choose_persona(messages: Sequence[BaseMessage]) -> str:
    """The persona that owns what the latest user message is about (the catalog's default otherwise)."""
    text = next((m.content for m in reversed(messages) if isinstance(m, HumanMessage) and isinstance(m.content, str)), "")
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
