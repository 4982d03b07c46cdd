"""Claude through langchain-anthropic: the two models the settings name, with the key, base URL and retries."""
from __future__ import annotations

from langchain_anthropic import ChatAnthropic

from agents.models.tiers import Tiered
from scheduler.settings import Settings

MAX_TOKENS = 4096  # a reply or a playbook spec; far more than either needs


def claude_model(settings: Settings, model: str) -> ChatAnthropic:
    """One Claude model; ANTHROPIC_BASE_URL (a proxy, or the test's fake API) when set."""
    return ChatAnthropic(
        model=model,
        api_key=settings.anthropic_api_key or "",
        base_url=settings.anthropic_base_url,
        max_retries=settings.model_retries,
        max_tokens=MAX_TOKENS,
        timeout=120.0,
        streaming=True,
    )


def claude_models(settings: Settings) -> Tiered:
    """PLAYBOOKS_MODEL_FAST for routine turns, PLAYBOOKS_MODEL_STRONG for reading requests."""
    return Tiered(fast=claude_model(settings, settings.model_fast), strong=claude_model(settings, settings.model_strong))
