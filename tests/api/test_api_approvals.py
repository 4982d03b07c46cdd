"""Approvals, competitive actions and the heartbeat over HTTP: decide once (409 after), another org's id is a 404."""
from __future__ import annotations

import httpx
from sqlmodel import Session

from scheduler.auth.tokens import issue_session_token
from scheduler.store.tables import Organization, Product, User
from tests.conftest import auth, execution, wait_for
from tests.scheduler.test_approvals import add_action, product, undercut


def other_org_token(server) -> str:
    with Session(server.runtime.engine) as session:
        session.add(Organization(id="other", name="Other Shop", timezone="UTC"))
        session.add(User(org_id="other", email="o@other.example"))
        session.commit()
    return issue_session_token(server.runtime.engine, "other", "o@other.example")


def test_a_price_suggestion_is_approved_once_over_http_and_the_run_completes(server, user_token):
    engine, url = server.runtime.engine, server.url
    target = product(engine)
    undercut(engine, target)
    made = httpx.post(f"{url}/api/playbooks", headers=auth(user_token), json={
        "name": "Price suggestions", "agent": "money_mike", "triggers": [{"type": "manual"}],
        "steps": [{"action": "suggest_price_adjustment"}]})
    assert made.status_code == 201, made.text
    run_id = httpx.post(f"{url}/api/playbooks/{made.json()['id']}/execute", headers=auth(user_token),
                        json={"triggeredBy": "manual"}).json()["executionId"]
    wait_for(lambda: execution(server, run_id)["status"] == "waiting_approval")
    pending = httpx.get(f"{url}/api/approvals?status=pending", headers=auth(user_token)).json()["items"]
    assert len(pending) == 1 and pending[0]["kind"] == "price_change" and pending[0]["executionId"] == run_id
    approval_id = pending[0]["id"]

    theirs = other_org_token(server)
    r = httpx.post(f"{url}/api/approvals/{approval_id}", json={"decision": "approve"}, headers=auth(theirs))
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
    assert httpx.get(f"{url}/api/approvals", headers=auth(theirs)).json()["items"] == []

    r = httpx.post(f"{url}/api/approvals/{approval_id}", json={"decision": "approve", "note": "match them"},
                   headers=auth(user_token))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["approval"]["status"] == "approved" and body["approval"]["note"] == "match them"
    assert body["priceChange"]["new_price"] == round(target.price * 0.8, 2) and body["resumedExecutionId"] == run_id
    assert wait_for(lambda: execution(server, run_id)["status"] == "completed")
    again = httpx.post(f"{url}/api/approvals/{approval_id}", json={"decision": "reject"}, headers=auth(user_token))
    assert again.status_code == 409 and "already approved" in again.json()["detail"]
    with Session(engine) as session:
        assert session.get(Product, target.id).price == round(target.price * 0.8, 2)
    assert httpx.post(f"{url}/api/approvals/{approval_id}", json={"decision": "maybe"},
                      headers=auth(user_token)).status_code == 422
    assert httpx.get(f"{url}/api/approvals?status=pending", headers=auth(user_token)).json()["items"] == []


def test_competitive_actions_are_listed_filtered_and_paged(server, user_token):
    engine, url = server.runtime.engine, server.url
    add_action(engine, "price_adjustment", "high", product="A")
    add_action(engine, "counter_campaign", "critical", category="Edibles")
    add_action(engine, "inventory_alert", "medium", product="B")
    add_action(engine, "counter_campaign", "low", org_id="demo")
    listed = httpx.get(f"{url}/api/competitive-actions", headers=auth(user_token)).json()
    assert len(listed["items"]) == 4 and listed["nextCursor"] is None
    only = httpx.get(f"{url}/api/competitive-actions?type=counter_campaign&priority=critical&status=pending",
                     headers=auth(user_token)).json()["items"]
    assert [a["data"] for a in only] == [{"category": "Edibles"}]
    first = httpx.get(f"{url}/api/competitive-actions?limit=3", headers=auth(user_token)).json()
    rest = httpx.get(f"{url}/api/competitive-actions?limit=3&cursor={first['nextCursor']}", headers=auth(user_token)).json()
    assert len(first["items"]) == 3 and len(rest["items"]) == 1 and rest["nextCursor"] is None
    assert {a["id"] for a in first["items"] + rest["items"]} == {a["id"] for a in listed["items"]}
    assert httpx.get(f"{url}/api/competitive-actions?type=nonsense", headers=auth(user_token)).status_code == 422
    assert httpx.get(f"{url}/api/competitive-actions", headers=auth(other_org_token(server))).json()["items"] == []


def test_heartbeat_shows_the_latest_checks(server, user_token):
    engine, url = server.runtime.engine, server.url
    add_action(engine, "counter_campaign", "critical", category="Edibles")
    with Session(engine) as session:
        gone = session.get(Product, product(engine).id)
        gone.quantity, name = 0, gone.name
        session.add(gone)
        session.commit()
    server.runtime.heartbeat.beat("demo")
    beat = httpx.get(f"{url}/api/heartbeat", headers=auth(user_token)).json()
    checks = {c["name"]: c for c in beat["checks"]}
    assert checks["competitive_threats"]["status"] == "alert" and checks["competitive_threats"]["priority"] == "high"
    assert checks["stock_outs"]["status"] == "alert" and name in checks["stock_outs"]["message"]
    assert checks["failing_playbooks"]["status"] == "ok" and beat["alerts"] >= 2


def test_anything_i_should_know_answers_from_the_heartbeat(server, user_token):
    from tests.api.test_e2e_chat import chat, text_of

    add_action(server.runtime.engine, "counter_campaign", "critical", category="Edibles")
    _, parts, done = chat(server, user_token, "Anything I should know?")
    assert done and next(p for p in parts if p["type"] == "tool-input-available")["toolName"] == "heartbeat"
    text = text_of(parts)
    assert "need your attention" in text and "1 critical competitive threat requires attention" in text
    # A request that only mentions alerts is still planned as a playbook.
    _, parts, _ = chat(server, user_token, "Every day at 9am email me any alerts about low stock")
    assert next(p for p in parts if p["type"] == "tool-input-available")["toolName"] == "create_playbook"


def test_mail_to_an_outside_address_is_approved_by_a_person_over_http_not_by_an_agent_key(server, user_token):
    from scheduler.auth.tokens import issue_agent_key
    url = server.url
    made = httpx.post(f"{url}/api/playbooks", headers=auth(user_token), json={
        "name": "Supplier mail", "agent": "pops", "triggers": [{"type": "manual"}],
        "steps": [{"action": "check_inventory"},
                  {"action": "send_email", "params": {"to": "buyer@supplier.example", "subject": "Low stock"}}]})
    assert made.status_code == 201, made.text
    run_id = httpx.post(f"{url}/api/playbooks/{made.json()['id']}/execute", headers=auth(user_token),
                        json={"triggeredBy": "manual"}).json()["executionId"]
    wait_for(lambda: execution(server, run_id)["status"] == "waiting_approval")
    [pending] = httpx.get(f"{url}/api/approvals?status=pending", headers=auth(user_token)).json()["items"]
    assert pending["kind"] == "email_recipients" and "buyer@supplier.example" in pending["prompt"]
    agent = issue_agent_key(server.runtime.engine, "demo", "pops")
    r = httpx.post(f"{url}/api/approvals/{pending['id']}", json={"decision": "approve"}, headers=auth(agent))
    assert r.status_code == 403 and r.headers["content-type"].startswith("application/problem+json")
    assert "only a person may approve" in r.json()["detail"]
    r = httpx.post(f"{url}/api/approvals/{pending['id']}", json={"decision": "approve"}, headers=auth(user_token))
    assert r.status_code == 200, r.text
    done = wait_for(lambda: (e := execution(server, run_id))["status"] == "completed" and e)
    assert done["stepResults"][1]["output"]["sent"] is True
    [mail] = list(server.runtime.settings.outbox.glob("*.eml"))
    assert b"To: buyer@supplier.example" in mail.read_bytes()
