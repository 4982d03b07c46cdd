"""Every playbook says when it runs: nextRunAt, five upcomingRuns flagged on DST days, scheduleText, policy, resumeAt."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from scheduler.auth.tokens import issue_session_token
from scheduler.domain.clock import Clock
from tests.conftest import auth, sales_report_spec
from tests.fakes.live import LiveServer


def _clock_at(instant: datetime) -> Clock:
    return Clock(offset=instant - datetime.now(UTC))


def test_a_playbook_shows_its_next_five_runs_with_the_dst_day_flagged(settings):
    # Friday 6 March 2026, noon UTC: New York springs forward on Sunday the 8th.
    with LiveServer(settings, clock=_clock_at(datetime(2026, 3, 6, 12, 0, tzinfo=UTC))) as server:
        token = issue_session_token(server.runtime.engine, "demo", "owner@example.com")
        r = httpx.post(f"{server.url}/api/playbooks", json=sales_report_spec(), headers=auth(token))
        assert r.status_code == 201, r.text
        shown = httpx.get(f"{server.url}/api/playbooks/{r.json()['id']}", headers=auth(token)).json()
    runs = shown["upcomingRuns"]
    assert [u["local"] for u in runs] == [
        "2026-03-06T09:00:00-05:00", "2026-03-07T09:00:00-05:00", "2026-03-08T09:00:00-04:00",
        "2026-03-09T09:00:00-04:00", "2026-03-10T09:00:00-04:00"]
    assert [u["dstChangeDay"] for u in runs] == [False, False, True, False, False]
    assert runs[0]["at"] == shown["nextRunAt"] == "2026-03-06T14:00:00Z"
    assert {u["timezone"] for u in runs} == {"America/New_York"}
    assert shown["scheduleText"] == "At 09:00 AM (America/New_York)"
    assert shown["policy"] == {"catchUp": "latest", "graceMinutes": 60, "catchUpLimit": 10, "overlap": "skip"}
    assert shown["resumeAt"] is None


def test_pause_until_over_http_shows_resume_at_and_the_runs_after_it(server, user_token):
    r = httpx.post(f"{server.url}/api/playbooks", json=sales_report_spec(policy={"overlap": "queue"}), headers=auth(user_token))
    playbook = r.json()
    assert playbook["policy"]["overlap"] == "queue"
    resume = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    r = httpx.patch(f"{server.url}/api/playbooks/{playbook['id']}", headers=auth(user_token),
                    json={"status": "paused", "resumeAt": resume.isoformat()})
    assert r.status_code == 200, r.text
    paused = r.json()
    assert paused["status"] == "paused" and paused["resumeAt"] == resume.isoformat().replace("+00:00", "Z")
    assert len(paused["upcomingRuns"]) == 5
    assert all(datetime.fromisoformat(u["at"]) >= resume for u in paused["upcomingRuns"])
    assert paused["nextRunAt"] == paused["upcomingRuns"][0]["at"]
    # A plain pause has no next run; a past instant or one without a pause is refused with a problem.
    plain = httpx.patch(f"{server.url}/api/playbooks/{playbook['id']}", headers=auth(user_token), json={"status": "paused"}).json()
    assert (plain["resumeAt"], plain["nextRunAt"], plain["upcomingRuns"]) == (None, None, [])
    for body, words in [({"status": "paused", "resumeAt": "2020-01-01T00:00:00Z"}, "not in the future"),
                        ({"status": "active", "resumeAt": resume.isoformat()}, "only a paused playbook"),
                        ({"status": "paused", "resumeAt": "2030-01-01T00:00:00"}, "timezone"),
                        ({"policy": {"overlap": "sometimes"}}, "policy.overlap")]:
        r = httpx.patch(f"{server.url}/api/playbooks/{playbook['id']}", headers=auth(user_token), json=body)
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json"), r.text
        assert words in r.json()["detail"], r.json()


def test_a_playbook_without_a_schedule_has_no_schedule_text(server, user_token):
    spec = {**sales_report_spec(), "triggers": [{"type": "manual"}]}
    shown = httpx.post(f"{server.url}/api/playbooks", json=spec, headers=auth(user_token)).json()
    assert (shown["scheduleText"], shown["nextRunAt"], shown["upcomingRuns"]) == (None, None, [])
