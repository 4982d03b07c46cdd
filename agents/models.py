"""Model selection: Claude when ANTHROPIC_API_KEY is set, else the offline model."""
from __future__ import annotations

from collections.abc import Callable

from langchain_core.language_models import BaseChatModel

from agents.offline_model import OfflineChatModel
from scheduler.settings import Settings


def model_factory(settings: Settings) -> Callable[[str], BaseChatModel]:
    """A function persona -> chat model for these settings."""
    if settings.anthropic_api_key:
        # The Claude path (langchain-anthropic, fake Messages API in tests) is its own issue;
        # refuse loudly rather than silently run something else than what was configured.
        raise NotImplementedError("ANTHROPIC_API_KEY is set but the Claude path is not built yet; unset it to use the offline model")
    offline = OfflineChatModel()
    return lambda persona: offline
