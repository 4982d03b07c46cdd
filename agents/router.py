"""Which persona takes a conversation when the client names none: the owner of the task."""
from __future__ import annotations

import re
from collections.abc import Sequence

from langchain_core.messages import BaseMessage, HumanMessage

# Owners as in the planning contract; the first persona whose words appear wins.
OWNERS = [
    ("money_mike", r"\b(price|prices|pricing|margin|margins|undercut|cheaper|discount)"),
    ("ezal", r"\b(competitor|competitors|competition|rival|menu|menus)"),
    ("craig", r"\b(campaign|promo|promotion|social|post|customer|customers|loyalty|marketing)"),
    ("pops", r"\b(inventory|stock|reorder|order|orders|sales|seller|sellers|report)"),
]


def choose_persona(messages: Sequence[BaseMessage]) -> str:
    """The persona that owns what the latest user message is about (Pops by default)."""
    text = next((m.content for m in reversed(messages) if isinstance(m, HumanMessage) and isinstance(m.content, str)), "")
    for persona, pattern in OWNERS:
        if re.search(pattern, text.lower()):
            return persona
    return "pops"
