"""The single sources of truth: personas, events and step actions, declared once. Imports nothing of ours."""
from scheduler.catalog.actions import ACTIONS, COMMON_OUTPUTS, Action, Stage, action
from scheduler.catalog.events import EVENT_NAMES, EVENTS, EventType
from scheduler.catalog.personas import (
    CATEGORIES,
    DEFAULT_PERSONA,
    PERSONA_IDS,
    PERSONAS,
    Persona,
    PersonaId,
    persona,
)

__all__ = [
    "ACTIONS", "CATEGORIES", "COMMON_OUTPUTS", "DEFAULT_PERSONA", "EVENTS", "EVENT_NAMES", "PERSONAS",
    "PERSONA_IDS", "Action", "EventType", "Persona", "PersonaId", "Stage", "action", "persona",
]
