"""POST /api/playbooks/{id}/execute: runs once per key, logs every step, mails the report."""
from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from email import message_from_bytes

import httpx

from scheduler.auth.tokens import issue_session_token
from scheduler.domain.clock import Clock
from tests.conftest import CRON_SECRET, auth, backdate, execution, sales_report_spec, wait_for
from tests.fakes.live import LiveServer
from tests.fakes.smtp import mail_text


def _create(server, token, spec=None):
    r = httpx.post(f"{server.url}/api/playbooks", json=spec or sales_report_spec(), headers=auth(token))
    assert r.status_code == 201, r.text
    return r.json()


def test_cron_secret_runs_the_playbook_and_the_report_lands_in_the_outbox(server, user_token, settings):
    playbook = _create(server, user_token)
    r = httpx.post(f"{server.url}/api/playbooks/{playbook['id']}/execute", json={"triggeredBy": "manual"}, headers=auth(CRON_SECRET))
    assert r.status_code == 202, r.text
    run_id = r.json()["executionId"]
    assert r.json()["status"] == "queued"  # the row as opened; the run starts after the answer is built
    done = wait_for(lambda: (e := execution(server, run_id))["status"] in ("completed", "failed") and e)
    assert done["status"] == "completed", done
    assert [s["action"] for s in done["stepResults"]] == ["sales_report", "send_email"]
    assert all(s["status"] == "completed" and s["completedAt"] for s in done["stepResults"])
    report = done["stepResults"][0]["output"]
    assert report["order_count"] > 0 and report["revenue"] > 0
    files = list((settings.home / "outbox").glob("*.eml"))
    assert len(files) == 1
    mail = message_from_bytes(files[0].read_bytes())
    assert mail["To"] == "owner@example.com" and mail["Subject"] == "Your sales report"
    body = mail_text(mail)
    assert f"{report['order_count']} orders" in body
    assert "Top sellers:" in body and report["top_products"][0]["name"] in body


def test_one_idempotency_key_sent_twice_concurrently_makes_one_run(server, user_token, settings):
    playbook = _create(server, user_token)
    url = f"{server.url}/api/playbooks/{playbook['id']}/execute"

    async def both():
        async with httpx.AsyncClient() as client:
            headers = {**auth(CRON_SECRET), "Idempotency-Key": "daily-2026-11-26"}
            return await asyncio.gather(*[client.post(url, json={}, headers=headers) for _ in range(2)])

    first, second = asyncio.run(both())
    assert first.status_code == second.status_code == 202
    assert first.json()["executionId"] == second.json()["executionId"]
    wait_for(lambda: execution(server, first.json()["executionId"])["status"] == "completed")
    runs = httpx.get(f"{server.url}/api/playbooks/{playbook['id']}/executions", headers=auth(user_token)).json()["items"]
    assert len(runs) == 1
    assert len(list((settings.home / "outbox").glob("*.eml"))) == 1
    # A later repeat of the same key still returns that run and runs nothing.
    again = httpx.post(url, json={}, headers={**auth(CRON_SECRET), "Idempotency-Key": "daily-2026-11-26"})
    assert again.json()["executionId"] == first.json()["executionId"]
    assert again.headers.get("Idempotent-Replayed") == "true"


def test_without_a_key_each_manual_call_is_its_own_run(server, user_token):
    playbook = _create(server, user_token)
    url = f"{server.url}/api/playbooks/{playbook['id']}/execute"
    ids = {httpx.post(url, json={}, headers=auth(user_token)).json()["executionId"] for _ in range(2)}
    assert len(ids) == 2
    for run_id in ids:
        run = wait_for(lambda run_id=run_id: (e := execution(server, run_id, user_token))["status"] == "completed" and e)
        assert run["triggeredBy"] == "manual"


def test_user_of_the_org_can_run_and_read(server, user_token):
    playbook = _create(server, user_token)
    r = httpx.post(f"{server.url}/api/playbooks/{playbook['id']}/execute", headers=auth(user_token))
    assert r.status_code == 202
    run = wait_for(lambda: (e := execution(server, r.json()["executionId"], user_token))["status"] == "completed" and e)
    assert run["playbookId"] == playbook["id"]


def test_paused_playbook_is_not_run_by_the_scheduler_secret(server, user_token):
    playbook = _create(server, user_token)
    r = httpx.patch(f"{server.url}/api/playbooks/{playbook['id']}", json={"status": "paused"}, headers=auth(user_token))
    assert r.status_code == 200 and r.json()["status"] == "paused" and r.json()["nextRunAt"] is None
    assert server.runtime.jobs.job_ids() == []
    r = httpx.post(f"{server.url}/api/playbooks/{playbook['id']}/execute", json={"triggeredBy": "schedule"}, headers=auth(CRON_SECRET))
    assert r.status_code == 409
    r = httpx.patch(f"{server.url}/api/playbooks/{playbook['id']}", json={"status": "active"}, headers=auth(user_token))
    assert r.json()["nextRunAt"] is not None
    assert len(server.runtime.jobs.job_ids()) == 1


def test_delete_unschedules_and_keeps_history(server, user_token):
    playbook = _create(server, user_token)
    run_id = httpx.post(f"{server.url}/api/playbooks/{playbook['id']}/execute", headers=auth(user_token)).json()["executionId"]
    wait_for(lambda: execution(server, run_id, user_token)["status"] == "completed")
    deleted = httpx.delete(f"{server.url}/api/playbooks/{playbook['id']}", headers=auth(user_token))
    assert deleted.status_code == 200 and deleted.json()["id"] == playbook["id"] and deleted.json()["nextRunAt"] is None
    assert server.runtime.jobs.job_ids() == []
    assert httpx.get(f"{server.url}/api/playbooks/{playbook['id']}", headers=auth(user_token)).status_code == 404
    assert execution(server, run_id, user_token)["status"] == "completed"


def test_an_agent_key_runs_playbooks_as_the_agent(server, user_token):
    from scheduler.auth.tokens import issue_agent_key

    playbook = _create(server, user_token)
    key = issue_agent_key(server.runtime.engine, "demo", "pops")
    r = httpx.post(f"{server.url}/api/playbooks/{playbook['id']}/execute", headers=auth(key))
    assert r.status_code == 202
    run = wait_for(lambda: (e := execution(server, r.json()["executionId"], key))["status"] == "completed" and e)
    assert run["triggeredBy"] == "agent"
    assert [p["id"] for p in httpx.get(f"{server.url}/api/playbooks", headers=auth(key)).json()["items"]] == [playbook["id"]]


def test_a_scheduler_call_for_a_due_slot_joins_the_slot_whatever_its_key(settings):
    # The server's clock starts as a minute turns, so all three calls fall in that one slot.
    real = datetime.now(UTC)
    slot = real.replace(second=0, microsecond=0) + timedelta(minutes=1)
    with LiveServer(settings, clock=Clock(offset=slot - real)) as server:
        user_token = issue_session_token(server.runtime.engine, "demo", "owner@example.com")
        playbook = _create(server, user_token, sales_report_spec(cron="* * * * *"))
        # Active since before this minute's slot (a slot before a playbook existed is not owed).
        backdate(server.runtime.engine, playbook["id"])
        url = f"{server.url}/api/playbooks/{playbook['id']}/execute"
        ids = {httpx.post(url, json=body, headers={**auth(CRON_SECRET), **extra}).json()["executionId"]
               for body, extra in [({"triggeredBy": "schedule"}, {"Idempotency-Key": "a"}),
                                   ({}, {"Idempotency-Key": "b"}), ({"triggeredBy": "schedule"}, {})]}
        assert len(ids) == 1
        run = wait_for(lambda: (e := execution(server, ids.copy().pop()))["status"] == "completed" and e)
        assert run["triggeredBy"] == "schedule"
        assert run["scheduledFor"] == slot.isoformat().replace("+00:00", "Z")
