"""Requests for each delivery channel plan playbooks that save and really deliver ("text me", "post to Slack"...)."""
from __future__ import annotations

import json

import pytest
from standardwebhooks import Webhook

from agents.planner import plan
from scheduler.runs.history import get_execution
from tests.conftest import run_now, running
from tests.fakes.web import WebServer

REQUESTS = {
    "send_sms": "Every day at 9am text me a sales report",
    "post_slack": "Every day at 9am post a sales report to Slack in #ops",
    "post_webhook": "Every Friday at 5pm, send a webhook with the week's sales totals",
    "save_to_drive": "Every night at 11pm save a sales report to Drive",
}


@pytest.mark.parametrize("channel", sorted(REQUESTS))
async def test_a_planned_delivery_saves_and_delivers(settings, channel):
    planned = plan(REQUESTS[channel], "America/New_York")
    assert planned["intent"] == "create_playbook", planned
    assert [s["action"] for s in planned["playbook"]["steps"]] == ["sales_report", channel]
    with WebServer() as site:
        async with running(settings.model_copy(update={"allow_loopback_fetch": True})) as runtime:
            integrations = runtime.executor.store.integrations
            ops = await integrations.add("demo", "slack", site.receiver("/ops"), "#ops", allow_loopback=True)
            hook = await integrations.add("demo", "webhook", site.receiver("/hook"), allow_loopback=True)
            playbook = runtime.playbooks.create("demo", planned["playbook"])
            run_id = await run_now(runtime, playbook, channel)
            run = get_execution(runtime.engine, "demo", run_id)
        assert run["status"] == "completed", run
        summary = run["stepResults"][0]["output"]["summary"]
        if channel == "send_sms":
            [text] = (settings.home / "sms").glob("*.json")
            assert json.loads(text.read_text())["to"] == "+15555550100"
        if channel == "post_slack":
            assert ops.name == run["stepResults"][1]["output"]["integration"]
            assert json.loads(site.posted("/ops")[0].body)["text"] == summary
        if channel == "post_webhook":
            [sent] = site.posted("/hook")
            assert Webhook(hook.secret).verify(sent.body, sent.headers)["data"]["summary"] == summary
        if channel == "save_to_drive":
            [saved] = (settings.home / "drive" / "demo" / "Playbooks").iterdir()
            assert saved.read_text() == summary
