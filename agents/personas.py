"""The personas' system prompts: the text of prompts/<persona>.md, then what the catalog says they can do."""
from __future__ import annotations

from importlib.resources import files

from scheduler.catalog import ACTIONS, COMMON_OUTPUTS, EVENTS, Action
from scheduler.catalog import PERSONAS as CATALOG
from scheduler.catalog import persona as catalog_persona

# Display names by persona id, read from the catalog (the graph checks a requested persona against it).
PERSONAS = {p.id: p.name for p in CATALOG.values()}


def persona_prompt(persona: str) -> str:
    """The system prompt of a persona: its hand-written text plus the catalog section."""
    catalog_persona(persona)  # a clear error naming the known personas
    text = files("prompts").joinpath(f"{persona}.md").read_text(encoding="utf-8")
    return text.rstrip("\n") + "\n\n" + catalog_section(persona)


def catalog_section(persona: str) -> str:
    """What a persona may put in a playbook, generated from the catalog: its actions, shared steps, events, colleagues."""
    own = [a for a in ACTIONS.values() if a.owner == persona]
    shared = [a for a in ACTIONS.values() if a.owner is None]
    common = ", ".join(f"`{name}`" for name in COMMON_OUTPUTS)
    lines = [f"## Step actions you own (a step's `action`; a later step reads an output as `{{{{action.field}}}}`;"
             f" every step also outputs {common})"]
    lines += [_action_line(a) for a in own] or ["- none"]
    lines += ["", "## Delivery and control steps any persona may use"]
    lines += [_action_line(a) for a in shared]
    lines += ["", "## Events a playbook can start on (an event trigger's `event`)"]
    lines += [f"- {e.name}: whenever {e.label}" for e in EVENTS.values()]
    lines += ["", "## The other personas (hand work to them by id)"]
    lines += [f"- {p.id} ({p.name}): {p.owns}" for p in CATALOG.values() if p.id != persona]
    return "\n".join(lines) + "\n"


def _action_line(a: Action) -> str:
    outputs = "; ".join(f"{name}: {meaning}" for name, meaning in a.outputs.items())
    return f"- {a.name} (\"I'll {a.phrase}\"): {a.description}" + (f" Outputs: {outputs}." if outputs else "")
