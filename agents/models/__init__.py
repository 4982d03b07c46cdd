"""Model selection: the offline model (Claude arrives with its own issue; Settings refuses a key until then)."""
from __future__ import annotations

from collections.abc import Callable

from langchain_core.language_models import BaseChatModel

from agents.models.offline import OfflineChatModel
from scheduler.settings import Settings


def model_factory(settings: Settings) -> Callable[[str], BaseChatModel]:
    """A function persona -> chat model for these settings."""
    offline = OfflineChatModel()
    return lambda persona: offline
