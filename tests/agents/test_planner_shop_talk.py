"""The planner on shop-owner phrasing: what the scorer does not look at (params, targets, the batch form)."""
from __future__ import annotations

import json

import pytest

from agents.planner import plan, plan_batch
from scheduler.steps.registry import default_registry

NY = "America/New_York"


def _steps(text: str) -> dict[str, dict]:
    result = plan(text, NY)
    assert result["intent"] == "create_playbook", result["message"]
    return {s["action"]: s for s in result["playbook"]["steps"]}


def _valid(steps: dict[str, dict]) -> None:
    registry = default_registry()
    for step in steps.values():
        if (kind := registry.get(step["action"])) is not None:
            kind.Params.model_validate(step.get("params", {}))


def test_a_batch_line_has_no_conversation_so_it_asks_which_playbook():
    lines = [json.dumps({"id": i, "text": t, "timezone": NY})
             for i, t in enumerate(["pause it", "run that now", "pause the price alert"])]
    out = [json.loads(line) for line in plan_batch(lines)]
    assert [o["intent"] for o in out] == ["clarify", "clarify", "pause_playbook"]
    assert "?" in out[0]["message"]
    assert plan("pause it", NY)["target"] == "it"  # the chat resolves "it" from the conversation


def test_another_playbook_run_as_a_step_keeps_its_name_and_its_words_ask_for_nothing_else():
    steps = _steps("when inventory is low, run our reorder playbook")
    assert set(steps) == {"run_playbook"} and steps["run_playbook"]["params"] == {"playbook": "reorder"}
    pb = plan("when something sells out, kick off my 'Weekly Reorder' playbook", NY)["playbook"]
    assert pb["triggers"] == [{"type": "event", "event": "inventory.out_of_stock"}]  # "weekly" is its name
    assert pb["steps"][0]["params"] == {"playbook": "Weekly Reorder"}


def test_an_event_raised_is_a_catalog_event_or_a_question():
    steps = _steps("every hour check inventory and if anything is below 10 units emit a low stock event")
    assert steps["emit_event"]["params"] == {"name": "inventory.low_stock"}
    assert steps["emit_event"]["condition"] == "{{check_inventory.low_stock_count}} > 0"
    assert "notify" not in steps  # the event is the result; no one asked to be told
    _valid(steps)
    asked = plan("every morning at 8 run the sales report and emit an event called report.ready", NY)
    assert asked["intent"] == "clarify" and "inventory.low_stock" in asked["message"]


@pytest.mark.parametrize("text", [
    "make me a button that exports todays inventory to a csv whenever I press it",
    "I want the sales report on demand",
    "set up a competitor scan I can trigger myself",
])
def test_a_playbook_run_only_when_asked_has_a_manual_trigger(text):
    assert plan(text, NY)["playbook"]["triggers"] == [{"type": "manual"}]


def test_a_web_address_is_not_a_schedule():
    pb = plan("every friday at 5:30pm post our top sellers to slack and send it to https://hooks.shop.co/weekly",
              NY)["playbook"]
    assert pb["triggers"][0]["cron"] == "30 17 * * 5"
    assert {"post_webhook", "post_slack"} <= {s["action"] for s in pb["steps"]}


def test_numbers_that_are_names_or_times_are_not_counts():
    post = _steps("every day at 4:20pm make a 420 themed social post")["generate_social_post"]
    assert post["params"]["count"] == 1
    assert "limit" not in _steps("every day at 9 check the competitors")["scan_competitors"]["params"]


def test_a_limit_goes_only_to_a_step_that_reads_it():
    steps = _steps("Each morning suggest price adjustments on anything where we're more than 10% above market")
    assert steps["analyze_pricing"]["params"]["threshold"] == 10
    _valid(steps)


def test_a_message_to_the_buyer_of_an_order_goes_to_the_buyer():
    steps = _steps("when an order is placed, wait 3 days and then text the customer asking for a review")
    assert steps["wait"]["params"] == {"days": 3}
    assert steps["send_sms"]["params"]["to"] == "{{event.customer.phone}}"


@pytest.mark.parametrize("text,intent,target", [
    ("stop texting me about low stock", "pause_playbook", "low stock"),
    ("stop emailing me about margins for good", "delete_playbook", "margins"),
    ("nix the margin report", "delete_playbook", "margin report"),
    ("hey can u pause the competitor thing til monday", "pause_playbook", "competitor thing"),
    ("list everything", "list_playbooks", None),
])
def test_owners_name_their_playbooks_loosely(text, intent, target):
    result = plan(text, NY)
    assert (result["intent"], result["target"]) == (intent, target)
