"""The deterministic planner against the planning contract (shared/evals/CONTRACT.md)."""
from __future__ import annotations

import importlib.util
import json
import os
import re
from pathlib import Path

import pytest

from agents.planner import plan, plan_batch
from scheduler.timing.cron import validate_schedule

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").exists())
# shared/ sits beside the repository (CI, the main checkout) or beside a folder above it (a worktree).
EVALS = next((d / "shared/evals" for d in ROOT.parents if (d / "shared/evals").is_dir()), ROOT.parent / "shared/evals")
EXTRA = Path(__file__).resolve().parent / "planner_extra_requests.jsonl"
# Written blind (before reading the planner) to measure generalisation; keep it passing.
BLIND = Path(__file__).resolve().parent / "planner_blind_requests.jsonl"
# A second blind round, written the same way before the planner was read.
BLIND2 = Path(__file__).resolve().parent / "planner_blind2_requests.jsonl"
# A third blind round (other organisation zones, delegation, channels), written the same way.
BLIND3 = Path(__file__).resolve().parent / "planner_blind3_requests.jsonl"
# A fourth blind round (shop-owner phrasing, management requests, more that must ask back), written the same way.
BLIND4 = Path(__file__).resolve().parent / "planner_blind4_requests.jsonl"
NY = "America/New_York"

CATALOG = {
    "scan_competitors", "detect_price_changes", "track_new_products", "find_competitor_promotions",
    "generate_competitor_report", "analyze_competitive_intelligence", "analyze_pricing",
    "suggest_price_adjustment", "analyze_margins", "check_inventory", "create_reorder_list", "sales_report",
    "top_sellers", "export_csv", "create_campaign_draft", "segment_customers", "generate_social_post",
    "send_email", "send_sms", "notify", "post_slack", "post_webhook", "save_to_drive", "delegate",
    "request_approval", "wait", "run_playbook", "emit_event", "summarize",
}
EVENTS = {"inventory.low_stock", "inventory.out_of_stock", "inventory.restocked", "order.created",
          "customer.created", "customer.lapsed", "competitor.price_change", "competitor.price_drop",
          "competitor.new_product", "playbook.failed"}
CATEGORY = {"ezal": "intelligence", "money_mike": "pricing", "pops": "operations", "craig": "marketing"}
INTENTS = {"create_playbook", "update_playbook", "pause_playbook", "resume_playbook", "delete_playbook",
           "run_playbook", "list_playbooks", "clarify"}


def _require(path: Path) -> Path:
    """The path if it exists; otherwise skip, or fail under CI=true where shared/ must be there."""
    if not path.exists():
        problem = f"{path} not found (shared/evals sits beside the repository)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{problem} (and CI=true)")
        pytest.skip(problem)
    return path


def _scorer():
    path = _require(EVALS / "score.py")
    spec = importlib.util.spec_from_file_location("evals_score", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _cases(path: Path) -> list[dict]:
    _require(path)
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _all_texts() -> list[str]:
    """Every request text: the in-tree sets, and the public set where present (required under CI=true)."""
    public = EVALS / "requests.jsonl"
    paths = [EXTRA, BLIND, BLIND2, BLIND4]
    paths = [public, *paths] if public.exists() or os.environ.get("CI") == "true" else paths
    return [c["text"] for path in paths for c in _cases(path)]


def _run_cases(path: Path) -> list[str]:
    score = _scorer()
    cases = _cases(path)
    lines = [json.dumps({k: c[k] for k in ("id", "text", "timezone")}) for c in cases]
    plans = {json.loads(out)["id"]: json.loads(out) for out in plan_batch(lines)}
    return [f"{c['id']} {c['text']!r}: {'; '.join(why)}" for c in cases
            if (why := score.check(c["expect"], plans[c["id"]]))]


def test_every_public_case_passes_the_scorer():
    assert _run_cases(EVALS / "requests.jsonl") == []


def test_every_extra_paraphrase_passes_the_scorer():
    assert _run_cases(EXTRA) == []


def test_every_blind_request_passes_the_scorer():
    assert _run_cases(BLIND) == []


def test_every_second_round_blind_request_passes_the_scorer():
    assert _run_cases(BLIND2) == []


def test_every_third_round_blind_request_passes_the_scorer():
    assert _run_cases(BLIND3) == []


def test_every_fourth_round_blind_request_passes_the_scorer():
    assert _run_cases(BLIND4) == []


def _check_shape(result: dict) -> None:
    """What the contract promises for any plan, whatever the request."""
    assert result["intent"] in INTENTS
    assert {"intent", "target", "playbook", "message"} <= set(result)
    assert isinstance(result["message"], str) and result["message"]
    if result["intent"] != "create_playbook":
        assert result["playbook"] is None
        return
    pb = result["playbook"]
    assert result["target"] is None
    assert pb["status"] == "active" and pb["category"] == CATEGORY[pb["agent"]]
    assert pb["name"] and pb["name"][0].isupper()
    for trig in pb["triggers"]:
        if trig["type"] == "schedule":
            validate_schedule(trig["cron"], trig["timezone"])
        elif trig["type"] == "event":
            assert trig["event"] in EVENTS
        else:
            assert trig == {"type": "manual"}
    seen: set[str] = set()
    for step in pb["steps"]:
        assert step["action"] in CATALOG
        assert step.get("agent", "pops") in CATEGORY
        for ref in re.findall(r"\{\{\s*(\w+)\.", step.get("condition", "")):
            # a condition reads an EARLIER step, or the run context
            assert ref in seen | {"user", "org", "trigger", "event"}, (ref, step)
        seen.add(step["action"])


def test_every_plan_keeps_the_contract_shape():
    texts = _all_texts()
    for text in [*texts, "", "   ", "?!", "help", "Remind me to check the dashboard"]:
        _check_shape(plan(text, NY))


@pytest.mark.parametrize("text,cron,zone,actions,channel,agent", [
    ("Keep tabs on rival prices every weekday at 7am Mountain and email me when we're more expensive",
     "0 7 * * 1-5", "America/Denver", {"scan_competitors", "analyze_pricing"}, "send_email", "money_mike"),
    ("At 10pm each night give me today's revenue by text", "0 22 * * *", NY, {"sales_report"}, "send_sms", "pops"),
    ("Each Monday morning, post the week's best sellers to Slack", "0 9 * * 1", NY, {"top_sellers"}, "post_slack", "pops"),
    ("Every Sunday evening write two Instagram posts about new arrivals", "0 18 * * 0", NY,
     {"generate_social_post"}, None, "craig"),
    ("every 4 hours, see if competitors have any new strains on their menus and ping me", "0 */4 * * *", NY,
     {"scan_competitors", "track_new_products"}, "notify", "ezal"),
    ("On the 5th of each month, review margins and save the results to Google Drive", "0 9 5 * *", NY,
     {"analyze_margins", "save_to_drive"}, None, "money_mike"),
])
def test_new_phrasings_of_scheduled_playbooks(text, cron, zone, actions, channel, agent):
    result = plan(text, NY)
    pb = result["playbook"]
    assert result["intent"] == "create_playbook", result["message"]
    assert (pb["triggers"][0]["cron"], pb["triggers"][0]["timezone"]) == (cron, zone)
    assert actions <= {s["action"] for s in pb["steps"]}
    if channel:
        assert channel in {s["action"] for s in pb["steps"]}
    assert pb["agent"] == agent


@pytest.mark.parametrize("text,event,channel,agent", [
    ("Ping me on Slack as soon as something sells out", "inventory.out_of_stock", "post_slack", "pops"),
    ("Whenever stock of any product falls below 5 units, text me", "inventory.low_stock", "send_sms", "pops"),
    ("Let me know when a rival releases a new product", "competitor.new_product", "notify", "ezal"),
    ("If a playbook fails, email me", "playbook.failed", "send_email", None),
    ("Send new customers a welcome text when they sign up", "customer.created", "send_sms", "craig"),
])
def test_new_phrasings_of_event_playbooks(text, event, channel, agent):
    result = plan(text, NY)
    pb = result["playbook"]
    assert result["intent"] == "create_playbook", result["message"]
    assert pb["triggers"][0] == {"type": "event", "event": event} | (
        {"filter": pb["triggers"][0]["filter"]} if "filter" in pb["triggers"][0] else {})
    assert channel in {s["action"] for s in pb["steps"]}
    if agent:
        assert pb["agent"] == agent


def test_thresholds_become_conditions_and_filters():
    pb = plan("Alert me whenever an order of more than $750 is placed", NY)["playbook"]
    assert pb["triggers"][0]["filter"] == "{{event.total}} > 750"
    pb = plan("Every morning check competitor prices and email me if anyone undercuts us by over 15%", NY)["playbook"]
    email = next(s for s in pb["steps"] if s["action"] == "send_email")
    assert email["condition"] == "{{analyze_pricing.price_gap}} > 15"
    # The same number is what counts as an undercut, so the email lists only gaps above it.
    assert next(s for s in pb["steps"] if s["action"] == "analyze_pricing")["params"]["threshold"] == 15
    pb = plan("Every morning check competitor prices and tell me if anyone is cheaper than us", NY)["playbook"]
    assert "threshold" not in next(s for s in pb["steps"] if s["action"] == "analyze_pricing")["params"]
    assert email["params"]["to"] == "{{user.email}}" and email["params"]["subject"]
    pb = plan("Every Friday at 4pm check margins and notify me if any fall below 25%", NY)["playbook"]
    assert any(s.get("condition") == "{{analyze_margins.min_margin_pct}} < 25" for s in pb["steps"])


def test_named_persona_gets_the_delegated_step():
    pb = plan("Every Thursday, look for competitor promotions and get Craig to draft a reply campaign", NY)["playbook"]
    craig = [s for s in pb["steps"] if s.get("agent") == "craig"
             or (s["action"] == "delegate" and s["params"]["agent"] == "craig")]
    assert craig and pb["agent"] == "ezal"
    assert craig[0]["condition"] == "{{find_competitor_promotions.promo_count}} > 0"


def test_a_persona_asked_first_keeps_its_task_even_when_it_delivers():
    """"have Pops email me ..." hands the work to Pops; the step keeps its agent."""
    pb = plan("Every weekday at 6pm Pacific, have Pops email me the daily sales summary", NY)["playbook"]
    report = next(s for s in pb["steps"] if s["action"] == "sales_report")
    assert report.get("agent") == "pops" and pb["agent"] == "pops"
    pb = plan("When someone new signs up, have Craig send them a welcome text", NY)["playbook"]
    assert any(s["action"] == "delegate" and s["params"]["agent"] == "craig" for s in pb["steps"])


def test_two_personas_each_get_their_own_task():
    pb = plan("Every Monday, have Ezal pull competitor promotions and have Craig draft a campaign to counter them",
              NY)["playbook"]
    by = {s["action"]: s.get("agent") for s in pb["steps"]}
    assert by["find_competitor_promotions"] == "ezal" and by["create_campaign_draft"] == "craig"


@pytest.mark.parametrize("text,event,threshold", [
    ("When a customer hasn't been back in 90 days, have Craig draft a win-back offer", "customer.lapsed", 90),
    ("Whenever a customer goes 45 days without a purchase, have Craig reach out", "customer.lapsed", 45),
    ("When a new product shows up on a competitor's menu, text me", "competitor.new_product", None),
    ("When a competitor's price changes, let me know", "competitor.price_change", None),
    ("When a product is almost out, text me", "inventory.low_stock", None),
    ("When inventory on any SKU is under 10, email me", "inventory.low_stock", 10),
    ("Alert me when inventory of any product falls below 15", "inventory.low_stock", 15),
    ("When an item is back on the shelves, notify me", "inventory.restocked", None),
    ("Whenever we make a sale, post it in Slack", "order.created", None),
    ("If a playbook doesn't run, email me", "playbook.failed", None),
    ("Set up an alert for when any competitor drops a price by 10% or more", "competitor.price_drop", 10),
])
def test_more_ways_of_naming_events(text, event, threshold):
    result = plan(text, NY)
    assert result["intent"] == "create_playbook", result["message"]
    trig = result["playbook"]["triggers"][0]
    assert trig["event"] == event
    if threshold is not None:
        assert str(threshold) in trig.get("filter", "")


def test_a_limit_no_field_holds_goes_to_the_judging_step():
    pb = plan("Every Sunday, tell me which competitor promotions offer more than 30% off", NY)["playbook"]
    promos = next(s for s in pb["steps"] if s["action"] == "find_competitor_promotions")
    assert "30%" in promos["params"]["criteria"]


@pytest.mark.parametrize("text,actions,agent", [
    ("Every Friday at 11am, draft a text blast to our VIP customers about the weekend deals",
     {"create_campaign_draft"}, "craig"),
    ("Every Friday at 10am, email our customers about the weekend specials", {"create_campaign_draft"}, "craig"),
    ("Every day at 10am and 3pm, check if we're priced higher than the competition", {"analyze_pricing"}, "money_mike"),
    ("Every Monday at 10am, see which products are selling best", {"top_sellers"}, "pops"),
    ("Every Monday, recommend which products we should put on sale", {"suggest_price_adjustment"}, "money_mike"),
    ("Each night, summarize the day's transactions and email the team", {"sales_report"}, "pops"),
    ("Every Sunday at 8pm, email me a weekly digest of competitor activity", {"generate_competitor_report"}, "ezal"),
    ("Every day at 5pm, email me if we sold fewer than 100 orders", {"sales_report"}, "pops"),
])
def test_tasks_said_in_other_words(text, actions, agent):
    result = plan(text, NY)
    assert result["intent"] == "create_playbook", result["message"]
    assert actions <= {s["action"] for s in result["playbook"]["steps"]}
    assert result["playbook"]["agent"] == agent


@pytest.mark.parametrize("text,intent,target", [
    ("I don't need the inventory export anymore, please delete it", "delete_playbook", "inventory export"),
    ("Turn the daily sales text back on", "resume_playbook", "daily sales text"),
    ("Bring back the weekly margin report", "resume_playbook", "weekly margin report"),
    ("Reschedule the weekly newsletter to Thursdays at 10am", "update_playbook", "weekly newsletter"),
    ("Get rid of the new customer welcome playbook", "delete_playbook", "new customer welcome"),
    ("Permanently delete the daily backup", "delete_playbook", "daily backup"),
    ("Can you run the competitor scan one more time?", "run_playbook", "competitor scan"),
    ("Move my Monday sales email to Tuesday", "update_playbook", "monday sales email"),
    ("Show me everything that's scheduled", "list_playbooks", None),
    ("whats running", "list_playbooks", None),
])
def test_more_ways_of_naming_existing_playbooks(text, intent, target):
    result = plan(text, NY)
    assert (result["intent"], result["target"]) == (intent, target)


def test_update_reads_only_the_new_channel_and_additions():
    assert plan("Update the low stock alert to text me instead of emailing me", NY)["changes"] == {
        "delivery": ["send_sms"]}
    assert plan("Switch the sales report from email to text", NY)["changes"] == {"delivery": ["send_sms"]}
    assert plan("Have the low stock alert also post to Slack", NY)["changes"] == {"add_steps": ["post_slack"]}
    assert plan("Update the low stock alert to trigger at 5 units", NY)["changes"] == {"threshold": 5}


@pytest.mark.parametrize("text,intent,target", [
    ("Please pause the low stock alert", "pause_playbook", "low stock alert"),
    ("stop the competitor digest for now", "pause_playbook", "competitor digest"),
    ("Put my margin alert on hold", "pause_playbook", "margin alert"),
    ("Switch the daily sales report back on", "resume_playbook", "daily sales report"),
    ("unpause the price alert", "resume_playbook", "price alert"),
    ("Remove my new product watch playbook", "delete_playbook", "new product watch"),
    ("I'd like to cancel the orders backup", "delete_playbook", "orders backup"),
    ("Trigger the competitor scan right now", "run_playbook", "competitor scan"),
    ("Could you run my top sellers report?", "run_playbook", "top sellers report"),
    ("Reschedule the sales summary to Fridays at 4pm", "update_playbook", "sales summary"),
    ("Make the low stock alert email me instead", "update_playbook", "low stock alert"),
    ("Which playbooks are active?", "list_playbooks", None),
    ("show me my automations", "list_playbooks", None),
])
def test_intents_about_existing_playbooks(text, intent, target):
    result = plan(text, NY)
    assert (result["intent"], result["target"]) == (intent, target)
    assert result["playbook"] is None


def test_update_carries_the_changes():
    result = plan("Change the price alert to run at 8am instead", NY)
    assert result["changes"]["triggers"] == [{"type": "schedule", "cron": "0 8 * * *", "timezone": NY}]
    assert result["changes"]["time"] == "08:00"  # only a time was said: days stay as they were
    result = plan("Reschedule the sales summary to Fridays at 4pm", NY)
    assert result["changes"]["triggers"][0]["cron"] == "0 16 * * 5" and "time" not in result["changes"]
    assert plan("Update the low stock alert to text me instead", NY)["changes"] == {"delivery": ["send_sms"]}


@pytest.mark.parametrize("text", [
    "do the thing", "asdf qwerty", "hmm", "Every February 30th at 9am email me the sales report",
    "every day at 9am", "Send me a sales report every other week", "Check competitor prices tomorrow at 9am",
    "Email me the sales report", "Pause", "Every evening, email me the weather",
    "every day at 9am email me the sales report " * 100,
])
def test_clarify_when_it_cannot_be_done_as_said(text):
    result = plan(text, NY)
    assert result["intent"] == "clarify" and result["playbook"] is None
    assert "?" in result["message"]  # a clarification asks the user something


def test_reminders_say_what_to_do():
    pb = plan("Every day at noon, text me a reminder to take inventory", NY)["playbook"]
    assert [s["action"] for s in pb["steps"]] == ["send_sms"]  # a reminder, not an inventory check
    assert pb["steps"][0]["params"]["message"] == "Reminder: take inventory"
    assert pb["name"] == "Take Inventory Reminder"


def test_message_confirms_in_plain_words():
    msg = plan("Every Monday at 8am email me a weekly sales report", NY)["message"]
    assert msg.startswith("Done! Every Monday at 8:00 AM, America/New_York")
    assert "email you" in msg
    pb = plan("Every Monday at 8am email me a weekly sales report", NY)["playbook"]
    assert pb["name"] == "Weekly Sales Report"


def test_plan_batch_keeps_order_ids_first_and_survives_bad_lines():
    lines = [
        json.dumps({"id": "a", "text": "Pause my competitor price alert", "timezone": NY, "expect": {}}),
        "not json at all",
        "",
        json.dumps({"id": "c", "timezone": NY}),
        json.dumps(["a", "list"]),
        json.dumps({"id": 7, "text": "every day at 9am check inventory", "timezone": "Mars/Olympus"}),
        json.dumps({"id": "e", "text": "What playbooks do I have running?", "timezone": NY}),
    ]
    out = list(plan_batch(lines))
    assert len(out) == 6  # the blank line is not a request
    parsed = [json.loads(line) for line in out]
    assert [p["id"] for p in parsed] == ["a", None, "c", None, 7, "e"]
    assert all(line.startswith('{"id":') and ", " not in line[:20] for line in out)
    assert parsed[0]["intent"] == "pause_playbook"
    assert all(bad["intent"] == "clarify" and bad["error"] for bad in parsed[1:5])
    assert parsed[1]["error"] and parsed[2]["error"] and parsed[3]["error"]
    assert "unknown time zone 'Mars/Olympus'" in parsed[4]["error"]
    assert parsed[5]["intent"] == "list_playbooks"


def test_unknown_organisation_zone_is_an_error_not_a_plan():
    with pytest.raises(ValueError, match="unknown time zone"):
        plan("Every day at 9am check inventory", "Mars/Olympus")


def test_params_validate_against_the_registered_step_models():
    """Where a step type is already registered, the planner's params must pass its Params model."""
    from scheduler.steps.registry import default_registry

    registry = default_registry()
    texts = _all_texts()
    checked = 0
    for text in texts:
        pb = plan(text, NY)["playbook"]
        for step in (pb or {}).get("steps", []):
            kind = registry.get(step["action"])
            if kind is not None:
                kind.Params.model_validate(step.get("params", {}))
                checked += 1
    assert checked > 0


@pytest.mark.parametrize("text,intent", [
    ("Hi, I was wondering if you could pause the new product watch for a bit", "pause_playbook"),
    ("Would you mind showing me which playbooks I've got set up?", "list_playbooks"),
    ("Is there a list of my automations?", "list_playbooks"),
    ("Actually, can you make the low stock alert go to Slack instead", "update_playbook"),
    ("every mornin check competitor prices and email me if theyre lower then ours", "create_playbook"),
])
def test_polite_openings_and_typos_do_not_hide_the_intent(text, intent):
    assert plan(text, NY)["intent"] == intent


def test_more_generic_task_and_event_words():
    pb = plan("If a competitor starts selling a new brand, notify me on slack", NY)["playbook"]
    assert pb["triggers"][0]["event"] == "competitor.new_product"
    pb = plan("When a customer's been gone for 45 days, have Craig send them a we-miss-you text", NY)["playbook"]
    assert pb["triggers"][0] == {"type": "event", "event": "customer.lapsed",
                                 "filter": "{{event.days_since_last_order}} >= 45"}
    assert "send_sms" in {s["action"] for s in pb["steps"]}
    pb = plan("When a customer hasn't come back in a while, have Craig draft a win-back campaign", NY)["playbook"]
    assert pb["triggers"][0]["event"] == "customer.lapsed"
    pb = plan("Every quarter, put together a sales report and email it to me", NY)["playbook"]
    assert pb["agent"] == "pops" and "create_campaign_draft" not in {s["action"] for s in pb["steps"]}
    pb = plan("Every day at 8pm, text me if we had fewer than 50 orders today", NY)["playbook"]
    assert any(s.get("condition") == "{{sales_report.order_count}} < 50" for s in pb["steps"])
    pb = plan("Every day at 9am, make a list of what I need to reorder and text it to me", NY)["playbook"]
    assert "send_sms" in {s["action"] for s in pb["steps"]}


def test_segment_keeps_the_inactivity_gap():
    pb = plan("Each morning, segment customers who haven't visited in 30 days and have Craig draft a campaign",
              NY)["playbook"]
    seg = next(s for s in pb["steps"] if s["action"] == "segment_customers")
    assert seg["params"] == {"segment": "lapsed", "inactive_days": 30}


def test_work_handed_on_to_a_persona_is_delegated_without_changing_the_owner():
    pb = plan("Every Sunday at 7pm, have Ezal scan competitor menus and hand off anything interesting to Money Mike",
              NY)["playbook"]
    assert pb["agent"] == "ezal"
    assert any(s["action"] == "delegate" and s["params"]["agent"] == "money_mike" for s in pb["steps"])


def test_a_delay_is_a_wait_step_not_a_schedule():
    pb = plan("When a new customer signs up, wait 3 days and then send them a follow-up email", NY)["playbook"]
    assert pb["triggers"][0]["event"] == "customer.created"
    assert [s["action"] for s in pb["steps"]] == ["wait", "send_email"]
    assert pb["steps"][0]["params"] == {"days": 3}


def test_a_bare_count_limits_a_counting_condition():
    pb = plan("Every Tuesday at 9am check competitor new products and email me if there are more than 5", NY)["playbook"]
    assert any(s.get("condition") == "{{track_new_products.new_count}} > 5" for s in pb["steps"])


@pytest.mark.parametrize("text,intent", [
    ("Temporarily disable the price gap alert", "pause_playbook"),
    ("Stop the order alert permanently", "delete_playbook"),
    ("Send the weekly sales report to Slack instead of email", "update_playbook"),
])
def test_more_ways_to_manage_a_playbook(text, intent):
    assert plan(text, NY)["intent"] == intent


def test_a_channel_verb_before_the_name_is_the_new_delivery():
    got = plan("Text me the daily sales summary instead of emailing it", NY)
    assert (got["intent"], got["changes"].get("delivery")) == ("update_playbook", ["send_sms"])


def test_a_report_asked_for_after_a_plain_competitor_scan():
    steps = plan("Every Friday at noon, get Ezal to scan competitor menus and email me a report", NY)["playbook"]["steps"]
    assert "generate_competitor_report" in {s["action"] for s in steps}


@pytest.mark.parametrize("text,intent,target", [
    ("pause the low stok alert", "pause_playbook", "low stock alert"),
    ("delet the competitor scan", "delete_playbook", "competitor scan"),
    ("plese resme the margn alert", "resume_playbook", "margin alert"),
])
def test_misspelt_words_are_read_as_the_words_the_planner_knows(text, intent, target):
    result = plan(text, NY)
    assert (result["intent"], result["target"]) == (intent, target)


def test_misspelt_tasks_and_schedules_still_plan():
    pb = plan("chek inventroy evrey day at 7am and txt me if anything is low", NY)["playbook"]
    assert pb["triggers"][0]["cron"] == "0 7 * * *"
    assert {"check_inventory"} <= {s["action"] for s in pb["steps"]}
    pb = plan("every mornign check competiter prices and emial me if they undercut us", NY)["playbook"]
    assert pb["triggers"][0]["cron"] == "0 9 * * *"
    assert {"scan_competitors", "analyze_pricing", "send_email"} <= {s["action"] for s in pb["steps"]}


def test_real_words_near_a_known_word_are_left_alone():
    from agents.planner.spelling import fix_spelling
    for text in ("delete older drafts", "text me the details", "a counter campaign", "last month's sales", "busy form",
                 "changing chances", "manage answers", "stopping passing content",
                 "email me the weather", "post to #sales-reprot"):
        assert fix_spelling(text) == text


@pytest.mark.parametrize("text,intent,target", [
    ("I no longer want the low stock alert", "delete_playbook", "low stock alert"),
    ("I don't need the sales report anymore", "delete_playbook", "sales report"),
    ("We dont need the new product watch any more", "delete_playbook", "new product watch"),
    ("I'm done with the margin alert", "delete_playbook", "margin alert"),
    ("I don't want the price alert for now", "pause_playbook", "price alert"),
    ("Stop sending me the competitor digest", "pause_playbook", "competitor digest"),
    ("stop receiving the weekly digest", "pause_playbook", "weekly digest"),
])
def test_a_playbook_no_longer_wanted_is_deleted_or_paused_not_created(text, intent, target):
    result = plan(text, NY)
    assert (result["intent"], result["target"]) == (intent, target)
    assert result["playbook"] is None


def test_a_negation_that_names_no_playbook_leaves_a_new_playbook():
    result = plan("I don't want to miss a big sale: text me when a new order comes in", NY)
    assert result["intent"] == "create_playbook"
    assert result["playbook"]["triggers"][0]["event"] == "order.created"


@pytest.mark.parametrize("text", [
    "don't email me, text me when stock runs low",
    "Every morning check inventory and don't email me, text me if anything is low",
    "Every day at 9am send me the sales report by text, not email",
])
def test_a_negated_channel_is_not_used(text):
    steps = {s["action"] for s in plan(text, NY)["playbook"]["steps"]}
    assert "send_sms" in steps and "send_email" not in steps


def test_a_negated_channel_in_an_update_is_not_the_new_delivery():
    got = plan("Update the low stock alert: don't email me, text me", NY)
    assert (got["intent"], got["target"], got["changes"]) == ("update_playbook", "low stock alert", {"delivery": ["send_sms"]})
    got = plan("Text me instead of emailing for the low stock alert", NY)
    assert (got["intent"], got["target"], got["changes"]) == ("update_playbook", "low stock alert", {"delivery": ["send_sms"]})
    got = plan("I don't want the sales report by email anymore, text me instead", NY)
    assert (got["intent"], got["target"], got["changes"]) == ("update_playbook", "sales report", {"delivery": ["send_sms"]})


def test_a_new_step_type_is_planned_from_its_catalog_entry_alone(monkeypatch):
    """Adding a step type is one catalog entry (its words, owner, stage, phrase, title); nothing in the planner."""
    from scheduler.catalog import ACTIONS, Action, Stage
    monkeypatch.setitem(ACTIONS, "count_foot_traffic", Action(
        "count_foot_traffic", "operations", "pops", Stage.gather, "count the foot traffic",
        "Visitors counted at the door.", "Foot Traffic Report", 12, words=(r"\bfoot\s+traffic\b|\bvisitors\b",)))
    result = plan("Every Monday at 9am, email me the foot traffic", NY)
    pb = result["playbook"]
    assert [s["action"] for s in pb["steps"]] == ["count_foot_traffic", "send_email"]
    assert (pb["name"], pb["agent"]) == ("Weekly Foot Traffic Report", "pops")
    assert "count the foot traffic and email you" in result["message"]
    assert plan("Pause the foot traffic report", NY)["intent"] == "pause_playbook"


def test_every_condition_and_filter_reads_a_field_the_catalog_declares():
    from agents.planner.conditions import ALERTS, FILTERS
    from scheduler.catalog import ACTIONS
    from scheduler.catalog import EVENTS as EVENT_TYPES
    for row in ALERTS:
        fields = row.field.values() if isinstance(row.field, dict) else [row.field]
        assert set(fields) <= set(ACTIONS[row.action].outputs), row
    for event, (_, field, _, _) in FILTERS.items():
        assert field in EVENT_TYPES[event].data, event


@pytest.mark.parametrize("text,intent,target", [
    ("Can you shut off the sales report?", "pause_playbook", "sales report"),
    ("Hit pause on the margin report", "pause_playbook", "margin report"),
    ("Skip the sales report this week", "pause_playbook", "sales report"),
    ("Stop emailing me the daily sales summary", "pause_playbook", "daily sales summary"),
    ("Please don't send me the weekly digest anymore", "delete_playbook", "weekly digest"),
    ("No need for the price alert anymore", "delete_playbook", "price alert"),
    ("Unsubscribe me from the margin report", "delete_playbook", "margin report"),
    ("Do a test run of the competitor scan", "run_playbook", "competitor scan"),
    ("Change the low stock threshold to 10 units", "update_playbook", "low stock"),
])
def test_other_ways_of_saying_what_to_do_with_an_existing_playbook(text, intent, target):
    result = plan(text, NY)
    assert (result["intent"], result["target"]) == (intent, target)


def test_updates_read_the_new_value_not_the_old_one_and_added_steps():
    got = plan("I want the sales report at 7am instead of 9am", NY)
    assert (got["intent"], got["target"]) == ("update_playbook", "sales report")
    assert got["changes"]["triggers"][0]["cron"] == "0 7 * * *"
    got = plan("Add a Slack message to the low stock alert", NY)
    assert (got["intent"], got["changes"]) == ("update_playbook", {"add_steps": ["post_slack"]})


def test_two_intents_scored_alike_or_too_little_said_is_a_question():
    from agents.planner.extract import Evidence, Reading
    from agents.planner.intents import decide
    from agents.planner.normalise import normalise
    reading = Reading(normalise("the weekly report"), NY)
    assert decide(reading).intent == "clarify" and not decide(reading).tied  # nothing said for any intent
    reading.evidence += [Evidence("verb", "pause_playbook"), Evidence("verb", "delete_playbook")]
    decision = decide(reading)
    assert (decision.intent, set(decision.tied)) == ("clarify", {"pause_playbook", "delete_playbook"})
    reading.evidence.append(Evidence("refers", "delete_playbook"))
    assert decide(reading).intent == "delete_playbook"


def test_a_new_event_is_planned_from_its_catalog_entry_alone(monkeypatch):
    """Adding an event is one catalog entry (its label, owner, title and words); nothing in the planner."""
    from scheduler.catalog import EVENTS as EVENT_TYPES
    from scheduler.catalog import EventType
    monkeypatch.setitem(EVENT_TYPES, "review.posted", EventType(
        "review.posted", "a customer posts a review", "craig", "New Review Alert", {"rating": "stars given (1-5)"},
        words=(r"\b(?:leaves?|posts?|writes?)\s+(?:us\s+)?an?\s+(?:\w+\s+)?review\b",)))
    result = plan("When a customer leaves a review, text me", NY)
    pb = result["playbook"]
    assert pb["triggers"] == [{"type": "event", "event": "review.posted"}]
    assert (pb["name"], pb["agent"]) == ("New Review Alert", "craig")
    assert result["message"].startswith("Done! Whenever a customer posts a review, I'll text you.")


@pytest.mark.parametrize("text", [
    "Don't run the sales report on weekends",
    "Never send the low stock alert at night",
    "Don't text me the sales report on Sundays",
])
def test_a_playbook_unwanted_at_some_times_only_is_a_question_not_a_delete_or_a_new_playbook(text):
    result = plan(text, NY)
    assert result["intent"] == "clarify" and result["playbook"] is None
    assert "?" in result["message"]


def test_a_pause_for_a_while_is_a_pause_but_a_pause_on_some_days_is_a_question():
    assert (plan("Pause the low stock alert over the weekend", NY)["target"]) == "low stock alert"
    assert plan("I don't want the price alert for the holidays", NY)["intent"] == "pause_playbook"
    assert plan("Pause the sales report on weekends", NY)["intent"] == "clarify"
