"""post_slack and post_webhook against real receivers on loopback: payloads, signatures, retries, once per key."""
from __future__ import annotations

import json

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from scheduler.integrations.slack import slack_payload
from tests.conftest import running
from tests.scheduler.delivery_helpers import report_then, resume_after_crash, run_playbook


async def test_slack_gets_text_and_blocks_with_links_and_mentions_made_harmless(loopback, site):
    url = site.receiver("/services/T0/B0/x")
    async with running(loopback) as runtime:
        await runtime.executor.store.integrations.add("demo", "slack", url, allow_loopback=True)
        run_id, run = await run_playbook(runtime, report_then("post_slack", {
            "message": "Sales: <!channel> see <http://evil.example|here> & more", "title": "Daily Sales"}))
        assert run["status"] == "completed", run
        [sent] = site.posted("/services/T0/B0/x")
        body = json.loads(sent.body)
        assert sent.headers["Content-Type"].startswith("application/json")
        assert body["text"] == "Daily Sales: Sales: &lt;!channel&gt; see &lt;http://evil.example|here&gt; &amp; more"
        assert body["blocks"][0] == {"type": "header", "text": {"type": "plain_text", "text": "Daily Sales", "emoji": True}}
        assert body["blocks"][1]["text"]["text"] == "Sales: &lt;!channel&gt; see &lt;http://evil.example|here&gt; &amp; more"
        again = await resume_after_crash(runtime, run_id, 1)
        assert again["status"] == "completed" and len(site.posted("/services/T0/B0/x")) == 1


async def test_slack_channel_picks_the_integration_of_that_name(loopback, site):
    ops, general = site.receiver("/ops"), site.receiver("/general")
    async with running(loopback) as runtime:
        await runtime.executor.store.integrations.add("demo", "slack", general, allow_loopback=True)
        await runtime.executor.store.integrations.add("demo", "slack", ops, "#ops", allow_loopback=True)
        _, run = await run_playbook(runtime, report_then("post_slack", {"channel": "#ops", "message": "{{sales_report.summary}}"}))
    assert run["status"] == "completed" and run["stepResults"][1]["output"]["integration"] == "#ops"
    assert len(site.posted("/ops")) == 1 and site.posted("/general") == []
    assert json.loads(site.posted("/ops")[0].body)["text"] == run["stepResults"][0]["output"]["summary"]


async def test_slack_without_a_webhook_fails_saying_how_to_add_one(loopback):
    async with running(loopback) as runtime:
        _, run = await run_playbook(runtime, report_then("post_slack", {}))
    assert run["status"] == "failed"
    assert "no Slack webhook" in run["stepResults"][1]["error"]
    assert "playbooks integrations add slack" in run["stepResults"][1]["error"]


async def test_slack_4xx_is_not_tried_again_and_5xx_is(loopback, site):
    bad, busy = site.receiver("/bad", (404, "no_service")), site.receiver("/busy", (500, "oops"), (502, ""))
    async with running(loopback) as runtime:
        await runtime.executor.store.integrations.add("demo", "slack", bad, "bad", allow_loopback=True)
        await runtime.executor.store.integrations.add("demo", "slack", busy, "busy", allow_loopback=True)
        _, failed = await run_playbook(runtime, report_then("post_slack", {"channel": "bad"}), "a")
        _, done = await run_playbook(runtime, report_then("post_slack", {"channel": "busy"}), "b")
    assert failed["status"] == "failed" and "Slack answered 404: no_service" in failed["stepResults"][1]["error"]
    assert [p.status for p in site.posted("/bad")] == [404]
    assert done["status"] == "completed" and [p.status for p in site.posted("/busy")] == [500, 502, 200]


def test_a_long_message_is_split_into_sections_within_slacks_limits():
    payload = slack_payload("x" * 200_000)
    assert len(payload["blocks"]) == 50 and all(len(b["text"]["text"]) <= 3000 for b in payload["blocks"])
    assert len(payload["text"]) <= 4000


async def test_a_webhook_is_signed_as_standard_webhooks_and_verifies_with_its_secret(loopback, site):
    url = site.receiver("/hook")
    async with running(loopback) as runtime:
        hook = await runtime.executor.store.integrations.add("demo", "webhook", url, allow_loopback=True)
        assert hook.secret.startswith("whsec_")
        run_id, run = await run_playbook(runtime, report_then("post_webhook", {}))
        assert run["status"] == "completed", run
        [sent] = site.posted("/hook")
        payload = Webhook(hook.secret).verify(sent.body, sent.headers)  # as a receiver does
        assert sent.headers["webhook-id"] == f"msg_{run_id}_1" == run["stepResults"][1]["output"]["webhook_id"]
        assert sent.headers["webhook-signature"].startswith("v1,")
        assert payload["type"] == "playbook.delivery"
        assert payload["data"]["summary"] == run["stepResults"][0]["output"]["summary"]
        assert payload["data"]["results"][0]["revenue"] == run["stepResults"][0]["output"]["revenue"]
        with pytest.raises(WebhookVerificationError):
            Webhook("whsec_" + "QUJD" * 8).verify(sent.body, sent.headers)
        with pytest.raises(WebhookVerificationError):
            Webhook(hook.secret).verify(sent.body.replace(b"playbook.delivery", b"playbook.tampered"), sent.headers)
        again = await resume_after_crash(runtime, run_id, 1)
        assert again["status"] == "completed" and len(site.posted("/hook")) == 1


async def test_a_retried_webhook_keeps_its_id_and_each_try_is_signed(loopback, site):
    url = site.receiver("/hook", (503, "down"), (429, "slow"), headers={"Retry-After": "0"})
    async with running(loopback) as runtime:
        hook = await runtime.executor.store.integrations.add("demo", "webhook", url, allow_loopback=True)
        _, run = await run_playbook(runtime, report_then("post_webhook", {"url": url, "type": "sales.daily",
                                                                          "data": {"revenue": "{{sales_report.revenue}}"}}))
    assert run["status"] == "completed", run
    tries = site.posted("/hook")
    assert [t.status for t in tries] == [503, 429, 200]
    assert len({t.headers["webhook-id"] for t in tries}) == 1
    for t in tries:
        assert Webhook(hook.secret).verify(t.body, t.headers)["type"] == "sales.daily"


async def test_a_webhook_4xx_is_not_tried_again(loopback, site):
    url = site.receiver("/hook", (401, "bad signature"))
    async with running(loopback) as runtime:
        await runtime.executor.store.integrations.add("demo", "webhook", url, allow_loopback=True)
        _, run = await run_playbook(runtime, report_then("post_webhook", {}))
    assert run["status"] == "failed" and "the webhook answered 401: bad signature" in run["stepResults"][1]["error"]
    assert [t.status for t in site.posted("/hook")] == [401]


async def test_only_registered_webhooks_are_posted_to(loopback, site):
    registered, other = site.receiver("/hook"), site.receiver("/elsewhere")
    async with running(loopback) as runtime:
        await runtime.executor.store.integrations.add("demo", "webhook", registered, allow_loopback=True)
        _, run = await run_playbook(runtime, report_then("post_webhook", {"url": other}))
    assert run["status"] == "failed"
    assert f"no webhook {other!r} is registered" in run["stepResults"][1]["error"]
    assert site.posted("/elsewhere") == [] and site.posted("/hook") == []


async def test_a_redirect_is_not_followed_with_the_body(loopback, site):
    target = site.receiver("/target")
    site.routes["/hook"] = type(site.routes["/target"])(status=307, headers={"Location": target})
    async with running(loopback) as runtime:
        await runtime.executor.store.integrations.add("demo", "webhook", site.url + "/hook", allow_loopback=True)
        _, run = await run_playbook(runtime, report_then("post_webhook", {}))
    assert run["status"] == "failed" and "not followed" in run["stepResults"][1]["error"]
    assert site.posted("/target") == []


async def test_integrations_are_the_organisations_own(loopback, site):
    from scheduler.store.repositories.organizations import OrganizationRepository

    url = site.receiver("/hook")
    async with running(loopback) as runtime:
        await OrganizationRepository(runtime.engine).create("other", "Other", "UTC", "boss@other.example")
        await runtime.executor.store.integrations.add("other", "webhook", url, allow_loopback=True)
        _, run = await run_playbook(runtime, report_then("post_webhook", {"url": url}))
        assert [i.org_id for i in await runtime.executor.store.integrations.list("other")] == ["other"]
        assert await runtime.executor.store.integrations.list("demo") == []
    assert run["status"] == "failed" and site.posted("/hook") == []
