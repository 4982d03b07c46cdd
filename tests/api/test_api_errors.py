"""Bad input gets a clear 4xx problem, and nothing is stored."""
from __future__ import annotations

import httpx
import pytest
from sqlmodel import Session

from scheduler.auth.tokens import issue_session_token
from scheduler.store.tables import Organization
from tests.conftest import CRON_SECRET, auth, sales_report_spec

BAD_SPECS = [
    ("invalid cron", sales_report_spec(cron="0 9 * *"), "triggers[0]"),
    ("cron that never fires", sales_report_spec(cron="0 9 30 2 *"), "never fires"),
    ("unknown zone", {**sales_report_spec(), "triggers": [{"type": "schedule", "cron": "0 9 * * *", "timezone": "Mars/Olympus"}]},
     "Mars/Olympus"),
    ("unknown action", {**sales_report_spec(), "steps": [{"action": "launch_rockets"}]},
     "steps[0].action: unknown action 'launch_rockets'"),
    ("broken template", {**sales_report_spec(), "steps": [{"action": "send_email", "params": {"to": "{{user.email", "subject": "x"}}]},
     "steps[0].params.to"),
    ("unknown name in condition", {**sales_report_spec(), "steps": [
        {"action": "sales_report"}, {"action": "notify", "condition": "{{money_mik.price_gap}} > 10"}]},
     "steps[1].condition: unknown name 'money_mik'"),
    ("later step named in condition", {**sales_report_spec(), "steps": [
        {"action": "notify", "condition": "{{sales_report.revenue}} > 10"}, {"action": "sales_report"}]},
     "steps[0].condition: unknown name 'sales_report'"),
    ("params that do not fit", {**sales_report_spec(), "steps": [{"action": "sales_report", "params": {"period": "fortnight"}}]},
     "steps[0].params.period"),
    ("unknown event", {**sales_report_spec(), "triggers": [{"type": "event", "event": "inventory.exploded"}]}, "unknown event"),
    ("no steps", {**sales_report_spec(), "steps": []}, "steps"),
    ("no triggers", {**sales_report_spec(), "triggers": []}, "triggers: List should have at least 1 item"),
]


@pytest.mark.parametrize("label,spec,needle", BAD_SPECS, ids=[b[0] for b in BAD_SPECS])
def test_invalid_playbook_is_refused_with_its_path_and_nothing_is_stored(server, user_token, label, spec, needle):
    r = httpx.post(f"{server.url}/api/playbooks", json=spec, headers=auth(user_token))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert needle in r.json()["detail"]
    listed = httpx.get(f"{server.url}/api/playbooks", headers=auth(user_token)).json()
    assert listed["items"] == []


def _create(server, token):
    r = httpx.post(f"{server.url}/api/playbooks", json=sales_report_spec(), headers=auth(token))
    assert r.status_code == 201, r.text
    return r.json()["id"]


@pytest.mark.parametrize("header", [
    None, "Bearer", "Bearer wrong-secret", "Basic czNjcmV0", f"Bearer {CRON_SECRET}x", f"Bearer {CRON_SECRET}é",
])
def test_execute_refuses_a_wrong_or_missing_secret(server, user_token, header):
    playbook_id = _create(server, user_token)
    headers = {"Authorization": header.encode("utf-8")} if header else {}
    r = httpx.post(f"{server.url}/api/playbooks/{playbook_id}/execute", headers=headers)
    assert r.status_code == 401, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    runs = httpx.get(f"{server.url}/api/playbooks/{playbook_id}/executions", headers=auth(user_token)).json()
    assert runs["items"] == []


def test_cron_secret_is_refused_when_none_is_configured(tmp_path):
    from scheduler.settings import Settings
    from tests.fakes.live import LiveServer

    with LiveServer(Settings(PLAYBOOKS_HOME=tmp_path / "h")) as srv:
        token = issue_session_token(srv.runtime.engine, "demo", "owner@example.com")
        playbook_id = _create(srv, token)
        for header in ("Bearer", "Bearer None", "Bearer null", f"Bearer {CRON_SECRET}"):
            r = httpx.post(f"{srv.url}/api/playbooks/{playbook_id}/execute", headers={"Authorization": header})
            assert r.status_code == 401, header


def test_unknown_and_foreign_ids_are_404(server, user_token):
    playbook_id = _create(server, user_token)
    with Session(server.runtime.engine) as session:
        session.add(Organization(id="other", name="Other Shop", timezone="Europe/Paris"))
        session.commit()
    other = issue_session_token(server.runtime.engine, "other", "boss@other.example")
    for method, path in [
        ("GET", f"/api/playbooks/{playbook_id}"), ("PATCH", f"/api/playbooks/{playbook_id}"),
        ("DELETE", f"/api/playbooks/{playbook_id}"), ("POST", f"/api/playbooks/{playbook_id}/execute"),
        ("GET", f"/api/playbooks/{playbook_id}/executions"), ("GET", "/api/playbooks/pb_nope"),
        ("GET", "/api/executions/ex_nope"),
    ]:
        r = httpx.request(method, f"{server.url}{path}", headers=auth(other), json={"status": "paused"} if method == "PATCH" else None)
        assert r.status_code == 404, (method, path, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    # The owner still sees it unchanged.
    assert httpx.get(f"{server.url}/api/playbooks/{playbook_id}", headers=auth(user_token)).json()["status"] == "active"


def test_bad_tokens_and_bodies(server, user_token):
    assert httpx.get(f"{server.url}/api/playbooks", headers=auth("pbs_not-a-token")).status_code == 401
    assert httpx.get(f"{server.url}/api/playbooks").status_code == 401
    r = httpx.post(f"{server.url}/api/playbooks", content=b"{not json", headers={**auth(user_token), "Content-Type": "application/json"})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    playbook_id = _create(server, user_token)
    r = httpx.patch(f"{server.url}/api/playbooks/{playbook_id}", json={"status": "sleeping"}, headers=auth(user_token))
    assert r.status_code == 422 and "status" in r.json()["detail"]
    r = httpx.post(f"{server.url}/api/playbooks/{playbook_id}/execute", json={"triggeredBy": "cosmic-ray"}, headers=auth(user_token))
    assert r.status_code == 422


def test_the_cron_secret_only_executes(server, user_token):
    playbook_id = _create(server, user_token)
    run_id = httpx.post(f"{server.url}/api/playbooks/{playbook_id}/execute", headers=auth(CRON_SECRET)).json()["executionId"]
    for path in (f"/api/executions/{run_id}", f"/api/playbooks/{playbook_id}", "/api/playbooks"):
        assert httpx.get(f"{server.url}{path}", headers=auth(CRON_SECRET)).status_code == 401
    assert httpx.get(f"{server.url}/api/executions/{run_id}", headers=auth(user_token)).status_code == 200


def test_empty_zone_means_the_org_zone_and_nothing_breaks(server, user_token):
    spec = {**sales_report_spec(), "triggers": [{"type": "schedule", "cron": "0 9 * * *", "timezone": ""}]}
    r = httpx.post(f"{server.url}/api/playbooks", json=spec, headers=auth(user_token))
    assert r.status_code == 201 and r.json()["triggers"][0]["timezone"] == "America/New_York"
    assert httpx.get(f"{server.url}/api/playbooks", headers=auth(user_token)).status_code == 200


@pytest.mark.parametrize("body", [[], "x", 5, None, {"name": 5}, {"triggers": "daily"}, {"steps": [{"action": None}]}])
def test_odd_bodies_are_422_never_500(server, user_token, body):
    playbook_id = _create(server, user_token)
    for method, path in (("POST", "/api/playbooks"), ("PATCH", f"/api/playbooks/{playbook_id}"),
                         ("POST", f"/api/playbooks/{playbook_id}/execute")):
        r = httpx.request(method, f"{server.url}{path}", json=body, headers=auth(user_token))
        # Only an execute call with no body at all is a valid request (it runs the playbook).
        expected = 202 if path.endswith("execute") and body is None else 422
        assert r.status_code == expected, (method, path, body, r.status_code, r.text)


def test_execution_pages_cover_every_run_once(server, user_token):
    playbook_id = _create(server, user_token)
    base = f"{server.url}/api/playbooks/{playbook_id}"
    made = {httpx.post(f"{base}/execute", headers=auth(user_token)).json()["executionId"] for _ in range(7)}
    seen, cursor = [], None
    while True:
        page = httpx.get(f"{base}/executions", params={"limit": 2, **({"cursor": cursor} if cursor else {})},
                         headers=auth(user_token)).json()
        seen += [e["id"] for e in page["items"]]
        cursor = page["nextCursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(made) and len(seen) == 7
    r = httpx.get(f"{server.url}/api/playbooks/{playbook_id}/executions", params={"cursor": "ex_bogus"}, headers=auth(user_token))
    assert r.status_code == 422


@pytest.mark.parametrize("body", [
    {"messages": []}, {"messages": [{"role": "user", "parts": [{"type": "text", "text": 5}]}]},
    {"messages": [{"role": "robot", "parts": [{"type": "text", "text": "hi"}]}]},
    {"messages": [{"role": "user", "parts": [{"type": "file", "url": "x"}]}]},
    {"messages": [{"role": "user", "parts": [{"type": "text", "text": "hi"}]}], "agent": "bob"},
    {"messages": "hi"},
])
def test_bad_chat_bodies_are_422(server, user_token, body):
    r = httpx.post(f"{server.url}/api/chat", json=body, headers=auth(user_token))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


def test_a_scheduled_call_outside_any_slot_is_refused_unless_keyed(server, user_token):
    spec = sales_report_spec(cron="0 3 29 2 *")  # a slot only every leap year
    playbook_id = httpx.post(f"{server.url}/api/playbooks", json=spec, headers=auth(user_token)).json()["id"]
    url = f"{server.url}/api/playbooks/{playbook_id}/execute"
    assert httpx.post(url, json={"triggeredBy": "schedule"}, headers=auth(CRON_SECRET)).status_code == 409
    r = httpx.post(url, json={"triggeredBy": "schedule"}, headers={**auth(CRON_SECRET), "Idempotency-Key": "k1"})
    assert r.status_code == 202
