"""The execute route applies the run policy of start_run: archived refused, overlapping slots skipped."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlmodel import Session

from scheduler.auth.tokens import issue_session_token
from scheduler.domain.clock import Clock
from scheduler.domain.keys import DedupeKey
from scheduler.store.tables import Execution
from tests.conftest import CRON_SECRET, auth, backdate, execution, sales_report_spec
from tests.fakes.live import LiveServer


def _create(server, token, spec):
    r = httpx.post(f"{server.url}/api/playbooks", json=spec, headers=auth(token))
    assert r.status_code == 201, r.text
    return r.json()


def test_an_archived_playbook_is_refused_with_a_problem_whoever_calls(server, user_token):
    playbook = _create(server, user_token, sales_report_spec(status="archived"))
    url = f"{server.url}/api/playbooks/{playbook['id']}/execute"
    for body, token in [({}, user_token), ({"triggeredBy": "schedule"}, CRON_SECRET), ({"triggeredBy": "manual"}, CRON_SECRET)]:
        r = httpx.post(url, json=body, headers=auth(token))
        assert r.status_code == 409 and r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["detail"] == "playbook is archived; make it active or paused to run it"
    runs = httpx.get(f"{server.url}/api/playbooks/{playbook['id']}/executions", headers=auth(user_token)).json()
    assert runs["items"] == []


def test_a_scheduler_call_while_the_last_scheduled_run_is_going_is_recorded_as_skipped(settings):
    # The server's clock reads two seconds into a minute: the every-minute slot is due and stays so.
    real = datetime.now(UTC)
    target = real.replace(second=0, microsecond=0) + timedelta(minutes=1, seconds=2)
    with LiveServer(settings, clock=Clock(offset=target - real)) as server:
        token = issue_session_token(server.runtime.engine, "demo", "owner@example.com")
        playbook = _create(server, token, sales_report_spec(cron="* * * * *"))
        # A slot before the playbook existed is not owed: this one has been active for a while.
        backdate(server.runtime.engine, playbook["id"])
        slot = server.runtime.runs.due_slot(server.runtime.playbooks.get("demo", playbook["id"]))
        previous = slot - timedelta(minutes=1)
        # The previous minute's run is still going: a live lease held by some executor.
        going = Execution(org_id="demo", playbook_id=playbook["id"], triggered_by="schedule",
                          dedupe_key=DedupeKey.schedule(previous), scheduled_for=previous, status="running",
                          lease_owner="busy", lease_expires_at=server.runtime.clock.now() + timedelta(minutes=1))
        with Session(server.runtime.engine, expire_on_commit=False) as session:
            session.add(going)
            session.commit()
        r = httpx.post(f"{server.url}/api/playbooks/{playbook['id']}/execute", json={"triggeredBy": "schedule"},
                       headers=auth(CRON_SECRET))
        assert r.status_code == 202 and r.json()["status"] == "skipped", r.text
        skipped = execution(server, r.json()["executionId"], token)
        assert skipped["error"] == f"the previous run {going.id} was still going" and skipped["stepResults"] == []
        assert skipped["scheduledFor"] == slot.isoformat().replace("+00:00", "Z")


def test_a_slot_from_before_the_playbook_existed_is_not_run_by_a_scheduler_call(settings):
    # Two seconds into a minute: that minute's slot is due, but the playbook is made after it.
    real = datetime.now(UTC)
    target = real.replace(second=0, microsecond=0) + timedelta(minutes=1, seconds=2)
    with LiveServer(settings, clock=Clock(offset=target - real)) as server:
        token = issue_session_token(server.runtime.engine, "demo", "owner@example.com")
        playbook = _create(server, token, sales_report_spec(cron="* * * * *"))
        url = f"{server.url}/api/playbooks/{playbook['id']}/execute"
        r = httpx.post(url, json={"triggeredBy": "schedule"}, headers=auth(CRON_SECRET))
        assert r.status_code == 409, r.text
        r = httpx.post(url, headers=auth(CRON_SECRET))
        assert r.status_code == 202
        assert execution(server, r.json()["executionId"], token)["scheduledFor"] is None
