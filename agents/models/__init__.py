"""Model selection: Claude with ANTHROPIC_API_KEY (a fast and a strong model), else the offline model."""
from __future__ import annotations

from agents.models.claude import claude_models
from agents.models.offline import OfflineChatModel
from agents.models.tiers import ModelFactory, Tiered
from scheduler.settings import Settings
from tools.context import ChatContext


def model_factory(settings: Settings) -> ModelFactory:
    """A function (persona, chat context) -> chat model(s) for these settings."""
    if settings.anthropic_api_key:
        # Made once: the clients keep their connection pools across turns.
        claude = claude_models(settings)

        def on_claude(persona: str, ctx: ChatContext) -> Tiered:
            return claude

        return on_claude

    def offline(persona: str, ctx: ChatContext) -> OfflineChatModel:
        return OfflineChatModel(zone=ctx.org_zone, persona=persona, now=ctx.now)

    return offline
