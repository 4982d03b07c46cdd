"""Model selection: the offline model (Claude arrives with its own issue; Settings refuses a key until then)."""
from __future__ import annotations

from agents.graph import ModelFactory
from agents.models.offline import OfflineChatModel
from scheduler.settings import Settings
from tools.context import ChatContext


def model_factory(settings: Settings) -> ModelFactory:
    """A function (persona, chat context) -> chat model for these settings."""

    def offline(persona: str, ctx: ChatContext) -> OfflineChatModel:
        return OfflineChatModel(zone=ctx.org_zone, persona=persona, now=ctx.now)

    return offline
