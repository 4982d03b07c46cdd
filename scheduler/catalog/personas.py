"""The four personas, declared once: id, display name, category and what each owns."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Persona:
    """An agent persona: who answers in chat and who owns a playbook."""

    id: str
    name: str
    category: str
    owns: str


PERSONAS: dict[str, Persona] = {p.id: p for p in (
    Persona("craig", "Craig", "marketing", "marketing: campaigns, customers, social posts, messages to customers"),
    Persona("ezal", "Ezal", "intelligence", "competitors: menus, new products, promotions, competitor reports"),
    Persona("money_mike", "Money Mike", "pricing", "prices and margins: price gaps, price suggestions, margin analysis"),
    Persona("pops", "Pops", "operations", "operations: inventory, stock, orders, sales reports, top sellers"),
)}
PERSONA_IDS: tuple[str, ...] = tuple(PERSONAS)
# The type of a persona id, for pydantic models and signatures (kept equal to PERSONA_IDS by a test).
PersonaId = Literal["craig", "ezal", "money_mike", "pops"]
CATEGORIES: tuple[str, ...] = (*dict.fromkeys(p.category for p in PERSONAS.values()), "general")
DEFAULT_PERSONA = "pops"


def persona(persona_id: str) -> Persona:
    """The persona with this id; a clear error naming the known ones otherwise."""
    try:
        return PERSONAS[persona_id]
    except KeyError:
        raise ValueError(f"unknown persona {persona_id!r} (one of {', '.join(PERSONA_IDS)})") from None
