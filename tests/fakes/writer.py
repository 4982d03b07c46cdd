"""A stand-in for a model-backed text writer (the boundary a Claude writer plugs into): answers with set texts."""
from __future__ import annotations

from scheduler.marketing.writer import TextRequest, WrittenText


class ScriptedWriter:
    """Answers each request with the next scripted text (the last one again when they run out), and records requests."""

    def __init__(self, *texts: str, tokens: int = 120, cost_usd: float = 0.0009) -> None:
        self.texts, self.tokens, self.cost_usd = list(texts), tokens, cost_usd
        self.requests: list[TextRequest] = []

    async def write(self, request: TextRequest) -> WrittenText:
        """The next scripted text, as a model would have written it."""
        self.requests.append(request)
        text = self.texts.pop(0) if len(self.texts) > 1 else self.texts[0]
        return WrittenText(text, "fake-model", self.tokens, self.cost_usd)
