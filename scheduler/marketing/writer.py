"""How steps get text written: a small interface a model can plug into, and the template writer that runs without one.

Steps describe what they want (a TextRequest: the kind of text, instructions, the facts it may
use, and the template text they made from those facts) and call `ctx.writer.write(request)`. The
engine ships the TemplateWriter, which answers with the template text; a model-backed writer
(Claude, given to Runtime.build by the app) answers with its own text. Whatever writes it, the
step passes the text through the compliance check before anything can be sent.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class TextRequest:
    """What a step wants written: the kind, the persona writing, instructions, facts, and the template answer."""

    kind: str  # campaign, social_post, winback, review_reply, competitor_report
    persona: str
    instructions: str
    template: str  # the text made from `facts` by the step's own template: the answer without a model
    facts: dict[str, Any] = field(default_factory=dict)
    max_chars: int = 2000


@dataclass(frozen=True)
class WrittenText:
    """A written text, who wrote it (`template` or a model's name), and what it cost."""

    text: str
    source: str
    tokens: int = 0
    cost_usd: float = 0.0


class TextWriter(Protocol):
    """Anything that writes text for a request (the template writer, a model)."""

    async def write(self, request: TextRequest) -> WrittenText:
        """The text for `request`; never longer than request.max_chars."""
        ...


class TemplateWriter:
    """The writer with no model: the step's template text, as is."""

    async def write(self, request: TextRequest) -> WrittenText:
        """The request's template text, cut to its length limit."""
        return WrittenText(clip(request.template, request.max_chars), "template")


def clip(text: str, limit: int) -> str:
    """`text` cut at a word boundary to at most `limit` characters, marked with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)].rsplit(" ", 1)[0] if limit > 1 else ""
    return cut + "…"
