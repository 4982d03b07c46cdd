"""A campaign draft over HTTP: approved once it passes the compliance check; a draft that fails it is a 409, still pending."""
from __future__ import annotations

import httpx
from sqlmodel import Session

from scheduler.store.action_tables import Draft
from tests.conftest import auth, execution, wait_for


def test_a_campaign_draft_that_fails_the_check_cannot_be_approved_over_http(server, user_token):
    url = server.url
    made = httpx.post(f"{url}/api/playbooks", headers=auth(user_token), json={
        "name": "Weekend campaign", "agent": "craig", "triggers": [{"type": "manual"}],
        "steps": [{"action": "create_campaign_draft",
                   "params": {"brief": "Pre-rolls for the weekend", "segment": "vip", "require_approval": True}}]})
    assert made.status_code == 201, made.text
    run_id = httpx.post(f"{url}/api/playbooks/{made.json()['id']}/execute", headers=auth(user_token),
                        json={"triggeredBy": "manual"}).json()["executionId"]
    wait_for(lambda: execution(server, run_id)["status"] == "waiting_approval")
    [pending] = httpx.get(f"{url}/api/approvals?status=pending", headers=auth(user_token)).json()["items"]
    assert pending["kind"] == "campaign"
    with Session(server.runtime.engine) as session:  # someone edits the copy after it was checked
        draft = session.get(Draft, pending["data"]["draft_id"])
        draft.body = "Gummies that cure anxiety, kids love them. " + draft.body
        session.add(draft)
        session.commit()
        draft_id = draft.id

    refused = httpx.post(f"{url}/api/approvals/{pending['id']}", json={"decision": "approve"}, headers=auth(user_token))
    assert refused.status_code == 409 and refused.headers["content-type"].startswith("application/problem+json")
    assert "fails the compliance check" in refused.json()["detail"] and '"cure anxiety"' in refused.json()["detail"]
    assert execution(server, run_id)["status"] == "waiting_approval"

    with Session(server.runtime.engine) as session:  # the copy fixed: now it can go
        draft = session.get(Draft, draft_id)
        draft.body = draft.body.replace("Gummies that cure anxiety, kids love them. ", "")
        session.add(draft)
        session.commit()
    ok = httpx.post(f"{url}/api/approvals/{pending['id']}", json={"decision": "approve"}, headers=auth(user_token))
    assert ok.status_code == 200, ok.text
    assert wait_for(lambda: execution(server, run_id)["status"] == "completed")
    with Session(server.runtime.engine) as session:
        assert session.get(Draft, draft_id).data["status"] == "approved"
