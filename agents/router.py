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
