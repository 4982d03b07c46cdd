"""send_sms: the outbox folder by default, a Twilio-compatible API (served on loopback) by configuration."""
from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs

import pytest

from scheduler.settings import Settings
from tests.conftest import running
from tests.fakes.web import WebServer
from tests.scheduler.delivery_helpers import report_then, resume_after_crash, run_playbook

SID, TOKEN, SENDER = "AC0123456789abcdef", "tok-secret", "+15555550199"
PATH = f"/2010-04-01/Accounts/{SID}/Messages.json"


@pytest.fixture
def twilio():
    """A Twilio-compatible Messages API on loopback; tests queue its answers."""
    with WebServer() as api:
        yield api


def twilio_settings(settings: Settings, api: WebServer) -> Settings:
    return Settings(PLAYBOOKS_HOME=settings.home, PLAYBOOKS_LEASE_SECONDS=2, PLAYBOOKS_ALLOW_LOOPBACK_FETCH=True,
                    PLAYBOOKS_TWILIO_ACCOUNT_SID=SID, PLAYBOOKS_TWILIO_AUTH_TOKEN=TOKEN, PLAYBOOKS_TWILIO_FROM=SENDER,
                    PLAYBOOKS_TWILIO_BASE_URL=api.url)


async def test_text_me_lands_in_the_outbox_once_even_when_the_run_resumes(settings):
    async with running(settings) as runtime:
        run_id, run = await run_playbook(runtime, report_then("send_sms", {"to": "{{user.phone}}", "message": "{{sales_report.summary}}"}))
        assert run["status"] == "completed", run
        files = list((settings.home / "sms").glob("*.json"))
        assert [f.name for f in files] == [f"{run_id}-1.json"]
        message = json.loads(files[0].read_text())
        assert message["to"] == "+15555550100"  # the demo owner's number
        assert message["body"] == run["stepResults"][0]["output"]["summary"]
        assert run["stepResults"][1]["output"]["transport"] == "outbox"
        files[0].unlink()
        again = await resume_after_crash(runtime, run_id, 1)
        assert again["status"] == "completed"
        assert list((settings.home / "sms").glob("*.json")) == []  # recorded: not written again


async def test_a_user_without_a_phone_gets_a_clear_failure(settings):
    async with running(settings) as runtime:
        assert await runtime.executor.store.tenants.set_phone("demo", "owner@example.com", None)
        _, run = await run_playbook(runtime, report_then("send_sms", {"to": "{{user.phone}}"}))
        assert run["status"] == "failed"
        assert "no phone number to text" in run["stepResults"][1]["error"]
        assert "playbooks users phone" in run["stepResults"][1]["error"]


def test_a_literal_number_is_checked_when_the_playbook_is_saved():
    from scheduler.steps.delivery.sms import SendSmsParams

    assert SendSmsParams(to="+1 (555) 555-0101").to == "+15555550101"
    with pytest.raises(ValueError, match="not a phone number"):
        SendSmsParams(to="call me maybe")


async def test_twilio_gets_the_form_with_basic_auth(settings, twilio):
    twilio.receiver(PATH, body=json.dumps({"sid": "SM123", "status": "queued"}), content_type="application/json")
    async with running(twilio_settings(settings, twilio)) as runtime:
        _, run = await run_playbook(runtime, report_then("send_sms", {"to": "+15555550101", "message": "Hi & bye"}))
    assert run["status"] == "completed", run
    assert run["stepResults"][1]["output"] == {**run["stepResults"][1]["output"], "transport": "twilio", "message_id": "SM123"}
    [sent] = twilio.posted(PATH)
    assert parse_qs(sent.body.decode()) == {"To": ["+15555550101"], "From": [SENDER], "Body": ["Hi & bye"]}
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert sent.headers["Authorization"] == "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
    assert not (settings.home / "sms").exists()


async def test_twilio_429_and_5xx_are_tried_again_with_backoff(settings, twilio):
    twilio.receiver(PATH, (429, '{"code": 20429}'), (503, "busy"), body='{"sid": "SM9"}',
                    content_type="application/json", headers={"Retry-After": "0"})
    async with running(twilio_settings(settings, twilio)) as runtime:
        _, run = await run_playbook(runtime, report_then("send_sms", {"to": "+15555550101", "message": "x"}))
    assert run["status"] == "completed", run
    assert [p.status for p in twilio.posted(PATH)] == [429, 503, 200]
    assert run["stepResults"][1]["output"]["message_id"] == "SM9"


async def test_twilio_4xx_is_not_tried_again(settings, twilio):
    error = json.dumps({"code": 21211, "message": "The 'To' number is not a valid phone number."})
    twilio.receiver(PATH, (400, error), body='{"sid": "SM-never"}', content_type="application/json")
    async with running(twilio_settings(settings, twilio)) as runtime:
        _, run = await run_playbook(runtime, report_then("send_sms", {"to": "+15555550101", "message": "x"}))
    assert run["status"] == "failed"
    assert [p.status for p in twilio.posted(PATH)] == [400]
    assert "the SMS provider answered 400" in run["stepResults"][1]["error"] and "21211" in run["stepResults"][1]["error"]


async def test_the_provider_is_not_reached_on_loopback_without_the_setting(settings, twilio):
    twilio.receiver(PATH, body='{"sid": "SM1"}')
    guarded = twilio_settings(settings, twilio).model_copy(update={"allow_loopback_fetch": False})
    async with running(guarded) as runtime:
        _, run = await run_playbook(runtime, report_then("send_sms", {"to": "+15555550101", "message": "x"}))
    assert run["status"] == "failed" and "loopback" in run["stepResults"][1]["error"]
    assert twilio.posted(PATH) == []


def test_half_a_twilio_account_is_a_configuration_error(tmp_path):
    with pytest.raises(ValueError, match="PLAYBOOKS_TWILIO_AUTH_TOKEN and PLAYBOOKS_TWILIO_FROM are not"):
        Settings(PLAYBOOKS_HOME=tmp_path, PLAYBOOKS_TWILIO_ACCOUNT_SID=SID)


@pytest.mark.parametrize("url", ["http://api.example.com", "ftp://api.example.com", "api.example.com"])
def test_the_twilio_base_url_must_be_https_off_loopback(tmp_path, url):
    with pytest.raises(ValueError, match="must be an https:// URL"):
        Settings(PLAYBOOKS_HOME=tmp_path, PLAYBOOKS_TWILIO_BASE_URL=url)
