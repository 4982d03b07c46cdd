"""The four personas, declared once: id, display name, category, what each owns and the words that route to it."""
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
    # Word starts that route a chat to this persona when the client names none ("price" also
    # matches "prices", "priced"); a lower route_rank is tried first: pricing words beat
    # competitor words ("competitor prices" is Money Mike's), which beat marketing, then operations.
    words: tuple[str, ...] = ()
    route_rank: int = 99


PERSONAS: dict[str, Persona] = {p.id: p for p in (
    Persona("craig", "Craig", "marketing", "marketing: campaigns, customers, social posts, messages to customers",
            ("campaign", "promo", "promotion", "social", "post", "customer", "customers", "loyalty", "marketing"), 2),
    Persona("ezal", "Ezal", "intelligence", "competitors: menus, new products, promotions, competitor reports",
            ("competitor", "competitors", "competition", "rival", "menu", "menus"), 1),
    Persona("money_mike", "Money Mike", "pricing", "prices and margins: price gaps, price suggestions, margin analysis",
            ("price", "prices", "pricing", "margin", "margins", "undercut", "cheaper", "discount"), 0),
    Persona("pops", "Pops", "operations", "operations: inventory, stock, orders, sales reports, top sellers",
            ("inventory", "stock", "reorder", "order", "orders", "sales", "seller", "sellers", "report"), 3),
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
