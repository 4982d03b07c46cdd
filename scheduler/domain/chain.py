"""Event chains: how deep a chain of events may go, and when an emitted event would feed a loop."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# A run started by an event that emits another, which starts a run that emits another...: past this
# many links the chain is cut (PLAYBOOKS_EVENT_CHAIN_LIMIT overrides it).
MAX_CHAIN_DEPTH = 5


@dataclass(frozen=True)
class Link:
    """Where an event stands in its chain: its depth (0: from outside any run) and the event names before it."""

    depth: int = 0
    chain: tuple[str, ...] = field(default_factory=tuple)
    cause_execution_id: str | None = None

    def as_trigger(self, name: str, event_id: str) -> dict[str, Any]:
        """What a run this event starts keeps of it in its context (`trigger`), for the guards of what it emits."""
        return {"event": name, "eventId": event_id, "depth": self.depth, "chain": [*self.chain, name]}


def link_of_run(trigger: dict[str, Any] | None, execution_id: str | None) -> Link:
    """The link of an event a run emits: one deeper than the event that started the run (if one did)."""
    trigger = trigger or {}
    chain = tuple(trigger.get("chain") or ())
    depth = int(trigger.get("depth") or 0) + 1 if chain else 1
    return Link(depth, chain, execution_id)


def refusal(name: str, link: Link, max_depth: int = MAX_CHAIN_DEPTH) -> str | None:
    """Why emitting `name` at this link must not start anything (a loop, a chain too deep), or None."""
    if name in link.chain:
        started = " -> ".join(link.chain)
        return (f"loop guard: this run was started by the chain {started} and emitted {name} again; "
                f"it would start itself over and over")
    if link.depth > max_depth:
        return f"event chain deeper than {max_depth} events ({' -> '.join([*link.chain, name])}); cut here"
    return None
