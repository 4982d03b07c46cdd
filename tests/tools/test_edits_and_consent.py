"""Follow-up edits keep what was not said; risky changes are named; a yes is a yes to exactly the change asked about."""
from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from tools.artifacts import ConfirmArtifact
from tools.consent import consented, says_no, says_yes
from tools.edits import EditError, apply, describe, risks

SPEC = {
    "name": "Price Alert", "agent": "money_mike", "category": "pricing", "status": "active",
    "triggers": [{"type": "schedule", "cron": "0 7 * * 1", "timezone": "America/Los_Angeles"}],
    "steps": [
        {"action": "scan_competitors", "params": {}},
        {"action": "analyze_pricing", "params": {"threshold": 10}},
        {"action": "send_email", "condition": "{{analyze_pricing.price_gap}} > 10",
         "params": {"to": "{{user.email}}", "subject": "Price Alert", "body": "{{analyze_pricing.summary}}"}},
    ],
}


def test_days_keep_time_and_zone_and_time_keeps_days():
    tuesdays = apply(SPEC, {"days": "2"})
    assert tuesdays["triggers"] == [{"type": "schedule", "cron": "0 7 * * 2", "timezone": "America/Los_Angeles"}]
    assert apply(tuesdays, {"time": "08:30"})["triggers"][0]["cron"] == "30 8 * * 2"
    assert tuesdays["steps"] == SPEC["steps"]


def test_a_second_channel_keeps_the_threshold_and_the_body():
    sms = apply(SPEC, {"add_steps": ["send_sms"]})["steps"][-1]
    assert sms == {"action": "send_sms", "condition": "{{analyze_pricing.price_gap}} > 10",
                   "params": {"to": "{{user.phone}}", "message": "{{analyze_pricing.summary}}"}}


def test_a_new_threshold_changes_condition_and_parameter():
    changed = apply(SPEC, {"threshold": 15})
    assert changed["steps"][2]["condition"] == "{{analyze_pricing.price_gap}} > 15"
    assert changed["steps"][1]["params"]["threshold"] == 15


def test_recipients_are_added_once_and_checked():
    changed = apply(SPEC, {"add_recipients": ["jane@example.com", "jane@example.com"]})
    assert changed["steps"][2]["params"]["to"] == ["{{user.email}}", "jane@example.com"]
    with pytest.raises(EditError):
        apply(SPEC, {"add_recipients": ["{{org.secrets}}"]})


def test_risks_name_a_removed_delivery_and_a_new_recipient():
    assert risks(SPEC, apply(SPEC, {"time": "08:00"})) == []
    assert risks(SPEC, apply(SPEC, {"delivery": ["notify"]})) == ["stops email you"]
    assert risks(SPEC, apply(SPEC, {"add_recipients": ["jane@example.com"]})) == ["sends to jane@example.com"]


def test_describe_words_schedule_and_steps():
    assert describe(SPEC) == [
        "runs every Monday at 7:00 AM, America/Los_Angeles",
        "then scan your competitors, compare their prices with yours, email you (to {{user.email}})"
        " when {{analyze_pricing.price_gap}} > 10",
    ]


@pytest.mark.parametrize("text", ["yes", "Yes please", "yep, do it", "ok", "go ahead", "sure!", "yes, delete it"])
def test_a_plain_yes(text):
    assert says_yes(text) and not says_no(text)


@pytest.mark.parametrize("text", ["yes but change the time to 8", "delete the price alert", "no", "what?"])
def test_no_yes(text):
    assert not says_yes(text)


def _asked(tool: str, args: dict) -> ToolMessage:
    confirm = ConfirmArtifact(tool=tool, args=args, question="Delete?")
    return ToolMessage(confirm.content(), tool_call_id="c1", name=tool, artifact=confirm)


def test_consent_is_to_exactly_the_change_asked_about_in_the_last_answer():
    args = {"name": "Price Alert", "playbook_id": "pb_1"}
    asked = [HumanMessage("delete the price alert"), AIMessage("", tool_calls=[
        {"name": "delete_playbook", "args": args, "id": "c1", "type": "tool_call"}]), _asked("delete_playbook", args)]
    assert consented([*asked, HumanMessage("yes")], "delete_playbook", args)
    assert not consented([*asked, HumanMessage("yes")], "delete_playbook", {**args, "playbook_id": "pb_2"})
    assert not consented([*asked, HumanMessage("hmm, later")], "delete_playbook", args)
    assert not consented([*asked, HumanMessage("no"), HumanMessage("yes")], "delete_playbook", args)
    assert not consented([HumanMessage("yes")], "delete_playbook", args)


def test_user_words_in_an_edit_stay_words():
    from scheduler.expressions.templates import render_value

    renamed = apply({**SPEC, "steps": SPEC["steps"][:2]}, {"name": "Check {{ 7*7 }}", "add_recipients": ["a@b.example"]})
    assert renamed["name"] == "Check 7*7"
    added = apply({**SPEC, "name": "Check {{ 7*7 }}", "steps": SPEC["steps"][:2]}, {"add_steps": ["send_email"]})
    assert render_value(added["steps"][-1]["params"]["subject"], {}) == "Check {{ 7*7 }}"
