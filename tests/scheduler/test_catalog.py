"""The catalog is the one source: the registry, the prompts, the router, `playbooks steps` and /docs read it."""
from __future__ import annotations

import json
import re
import typing
from importlib.resources import files

import httpx
import pytest
from langchain_core.messages import HumanMessage

from agents.personas import PERSONAS as DISPLAY_NAMES
from agents.personas import persona_prompt
from agents.router import choose_persona
from scheduler.catalog import ACTIONS, COMMON_OUTPUTS, EVENT_NAMES, EVENTS, PERSONA_IDS, PERSONAS, PersonaId
from scheduler.steps.base import Step, StepOutput, StepParams
from scheduler.steps.registry import StepRegistry, default_registry
from tests.cli.test_cli import run

REGISTRY = default_registry()


def test_the_persona_id_type_names_exactly_the_catalog_personas():
    assert typing.get_args(PersonaId) == PERSONA_IDS
    assert DISPLAY_NAMES == {"craig": "Craig", "ezal": "Ezal", "money_mike": "Money Mike", "pops": "Pops"}


def test_the_registry_refuses_a_step_whose_action_is_not_in_the_catalog():
    class Teleport(Step):
        """Not an action of the catalog."""

        name = "teleport_inventory"
        Params = StepParams
        Output = StepOutput

        async def run(self, params, ctx):
            return StepOutput(summary="whoosh")

    with pytest.raises(ValueError, match=r"Teleport names action 'teleport_inventory', which is not in the catalog; "
                                         r"declare it in scheduler/catalog/actions\.py first"):
        StepRegistry().register(Teleport())


@pytest.mark.parametrize("name", REGISTRY.names())
def test_a_registered_step_outputs_every_field_the_catalog_declares(name):
    declared = set(ACTIONS[name].outputs) | set(COMMON_OUTPUTS)
    assert declared <= set(REGISTRY.get(name).Output.model_fields), declared - set(REGISTRY.get(name).Output.model_fields)


@pytest.mark.parametrize("persona", PERSONA_IDS)
def test_a_prompt_lists_its_actions_the_shared_steps_and_the_events_from_the_catalog(persona):
    prompt = persona_prompt(persona)
    own = [a for a in ACTIONS.values() if a.owner == persona]
    shared = [a for a in ACTIONS.values() if a.owner is None]
    assert own and shared
    for a in own + shared:
        assert f"- {a.name} (\"I'll {a.phrase}\"): {a.description}" in prompt
    for a in own:
        for field in a.outputs:
            assert f"{field}: {a.outputs[field]}" in prompt
    others = [a for a in ACTIONS.values() if a.owner not in (persona, None)]
    assert not [a.name for a in others if f"- {a.name} " in prompt]
    for event in EVENTS.values():
        assert f"- {event.name}: whenever {event.label}" in prompt
    assert prompt.startswith(f"You are {PERSONAS[persona].name},")


@pytest.mark.parametrize("persona", PERSONA_IDS)
def test_the_hand_written_prompts_hold_no_copy_of_the_catalog_lists(persona):
    text = files("prompts").joinpath(f"{persona}.md").read_text(encoding="utf-8")
    # A name inside a template example ({{analyze_pricing.price_gap}}) shows syntax, not a list.
    bare = re.sub(r"\{\{[^}]*\}\}", "", text)
    assert not [a for a in ACTIONS if re.search(rf"\b{a}\b", bare)]
    assert not [e for e in EVENT_NAMES if e in bare]


@pytest.mark.parametrize("text,persona", [
    ("tell me when a competitor's prices undercut ours", "money_mike"),
    ("scan the competitors' menus every morning", "ezal"),
    ("draft a campaign for lapsed customers", "craig"),
    ("email me the sales report every monday", "pops"),
    ("hello there", "pops"),
])
def test_the_router_reads_each_personas_words_from_the_catalog(text, persona):
    assert choose_persona([HumanMessage(text)]) == persona


def test_playbooks_steps_lists_the_catalog_with_schemas_of_the_registered_steps(tmp_path):
    out = run("steps", "--json", home=tmp_path)
    assert out.returncode == 0, out.stderr
    entries = {e["name"]: e for e in json.loads(out.stdout)}
    assert list(entries) == list(ACTIONS)
    for name, entry in entries.items():
        act = ACTIONS[name]
        assert (entry["family"], entry["owner"], entry["description"]) == (act.family, act.owner, act.description)
        assert entry["available"] is (name in REGISTRY)
        if entry["available"]:
            step = REGISTRY.get(name)
            assert entry["params_schema"] == step.Params.model_json_schema()
            assert entry["output_schema"] == step.Output.model_json_schema()
        else:
            assert entry["params_schema"] is None and entry["output_schema"] is None
    report = entries["sales_report"]
    assert {"revenue", "order_count", "summary"} <= set(report["output_schema"]["properties"])
    assert report["params_schema"]["properties"]["top"]["maximum"] == 100


def test_playbooks_steps_without_json_is_a_table_a_line_per_action(tmp_path):
    out = run("steps", home=tmp_path)
    assert out.returncode == 0, out.stderr
    header, *rows = out.stdout.splitlines()
    assert header.split()[:4] == ["ACTION", "FAMILY", "OWNER", "AVAILABLE"]
    assert [r.split()[0] for r in rows] == list(ACTIONS)
    assert rows[list(ACTIONS).index("sales_report")].split()[:4] == ["sales_report", "operations", "pops", "yes"]
    assert [r.split()[3] for r in rows] == ["yes" if a in REGISTRY else "no" for a in ACTIONS]


def test_docs_show_the_registered_actions_and_the_catalog_events_on_the_playbook_spec(server):
    doc = httpx.get(f"{server.url}/openapi.json").json()
    body = doc["paths"]["/api/playbooks"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["title"] == "PlaybookSpec"
    assert body["properties"]["agent"]["enum"] == list(PERSONA_IDS)
    step = body["properties"]["steps"]["items"]
    assert step["properties"]["action"]["examples"] == REGISTRY.names()
    event = next(t for t in body["properties"]["triggers"]["items"]["oneOf"] if t["properties"]["type"]["const"] == "event")
    assert event["properties"]["event"]["examples"] == list(EVENT_NAMES)
    assert "$ref" not in json.dumps(body)  # inlined: nothing points at schemas the document lacks
