"""The four personas and their system prompts (text files in prompts/, read at run time)."""
from __future__ import annotations

from importlib.resources import files

PERSONAS = {
    "craig": "Craig",
    "ezal": "Ezal",
    "money_mike": "Money Mike",
    "pops": "Pops",
}


def persona_prompt(persona: str) -> str:
    """The system prompt of a persona."""
    if persona not in PERSONAS:
        raise ValueError(f"unknown persona {persona!r} (one of {', '.join(PERSONAS)})")
    return files("prompts").joinpath(f"{persona}.md").read_text(encoding="utf-8")
