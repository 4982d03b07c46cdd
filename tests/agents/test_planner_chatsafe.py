"""The planner on requests written for the chat-safety work (not copies of the eval file), and the known misses fixed."""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from agents.planner import plan
from agents.planner.followup import as_edit, parts, until
from scheduler.expressions.templates import render_value
from tests.agents.test_planner import _run_cases

OWN = Path(__file__).resolve().parent / "planner_chatsafe_requests.jsonl"
NY = "America/New_York"


def test_every_request_of_our_own_passes_the_scorer():
    assert len(OWN.read_text().splitlines()) >= 30
    assert _run_cases(OWN) == []


def _steps(text: str) -> list[dict]:
    decided = plan(text, NY)
    assert decided["intent"] == "create_playbook", decided["message"]
    return decided["playbook"]["steps"]


@pytest.mark.parametrize(("text", "to"), [
    ("every day at 8am email the sales report to purchasing@shop.com", "purchasing@shop.com"),
    ("Email it to purchasing@shop.com every monday at 9am: the weekly sales report", "purchasing@shop.com"),
    ("every day at 8am email me and purchasing@shop.com the sales report", ["{{user.email}}", "purchasing@shop.com"]),
])
def test_an_explicit_address_is_the_recipient(text, to):
    email = next(s for s in _steps(text) if s["action"] == "send_email")
    assert email["params"]["to"] == to


def test_the_threshold_holds_on_every_channel():
    steps = _steps("every morning check competitor prices and email me and text me if they undercut us by more than 10%")
    deliveries = [s for s in steps if s["action"] in ("send_email", "send_sms")]
    assert len(deliveries) == 2 and all(s["condition"] == "{{analyze_pricing.price_gap}} > 10" for s in deliveries)


@pytest.mark.parametrize("said", ["during business hours", "during work hours", "while we're open", "during opening hours"])
def test_business_hours_do_not_run_all_night(said):
    decided = plan(f"every 2 hours {said} check competitor menus for new products and notify me", NY)
    assert decided["playbook"]["triggers"][0]["cron"] == "0 9-17/2 * * *"


def test_template_code_in_a_request_stays_text():
    decided = plan("remind me to check {{ 7*7 }} every day at 9am", NY)
    assert "{" not in decided["playbook"]["name"]
    assert render_value(decided["playbook"]["steps"], {})[0]["params"]["message"] == "Reminder: check {{ 7*7 }}"


def test_several_schedules_are_never_merged():
    decided = plan("Every day at 9am email me a sales report, also Fridays at 5pm", NY)
    assert decided["intent"] == "clarify" and decided["playbook"] is None
    assert parts("Every day at 9am email me a sales report, also Fridays at 5pm", NY) == [
        "Every day at 9am email me a sales report", "Fridays at 5pm email me a sales report"]
    assert parts("every day at 9am email me a sales report", NY) == ["every day at 9am email me a sales report"]


@pytest.mark.parametrize(("said", "changes"), [
    ("make it 8am", {"time": "08:00"}),
    ("actually, make it 7:30 instead", {"time": "07:30"}),
    ("move it to Tuesdays", {"days": "2"}),
    ("also text me", {"add_steps": ["send_sms"]}),
    ("text me too", {"add_steps": ["send_sms"]}),
    ("send it to jane@example.com as well", {"add_recipients": ["jane@example.com"]}),
])
def test_follow_ups_read_as_edits_of_it(said, changes):
    edit = as_edit(said)
    decided = plan(edit, NY)
    assert decided["intent"] == "update_playbook" and decided["target"] == "it"
    assert {k: decided["changes"][k] for k in changes} == changes


def test_a_request_is_no_follow_up():
    assert as_edit("Every day at 9am email me a sales report") is None


def test_pause_until_monday_is_the_next_monday_midnight_in_the_zone():
    wednesday = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)
    assert until("pause it until Monday", NY, wednesday) == ("pause it", "2026-12-07T05:00:00Z")
    assert until("pause it until tomorrow", NY, wednesday) == ("pause it", "2026-12-03T05:00:00Z")
    assert until("pause it", NY, wednesday) == ("pause it", None)


def test_a_days_only_change_keeps_the_time():
    decided = plan("change the weekly sales summary to Tuesdays", NY)
    assert decided["target"] == "weekly sales summary" and decided["changes"]["days"] == "2"


def test_a_channel_said_with_instead_is_the_new_one():
    decided = plan("I'd like to stop getting the price alert by email and get a text instead", NY)
    assert decided["intent"] == "update_playbook" and decided["changes"]["delivery"] == ["send_sms"]


def test_in_the_app_is_a_channel_of_its_own_next_to_email():
    actions = [s["action"] for s in _steps("We want an alert in the app whenever inventory runs low. Also email me.")]
    assert actions == ["notify", "send_email"]
