"""In-app notifications over HTTP: the notify step's notes listed newest first, paged, filtered unread, marked read."""
from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from sqlmodel import Session

from scheduler.auth.tokens import issue_session_token
from scheduler.store.tables import Notification, User, utcnow
from tests.api.test_api_approvals import other_org_token
from tests.conftest import auth, execution, wait_for


def _leave(server, org: str, title: str, user_id: str | None = None, minutes_ago: int = 0) -> str:
    note = Notification(org_id=org, user_id=user_id, title=title, body=f"{title} body",
                        created_at=utcnow() - timedelta(minutes=minutes_ago))
    with Session(server.runtime.engine, expire_on_commit=False) as session:
        session.add(note)
        session.commit()
    return note.id


def test_a_notify_step_is_readable_and_can_be_marked_read(server, user_token):
    url = server.url
    made = httpx.post(f"{url}/api/playbooks", headers=auth(user_token), json={
        "name": "Tell me", "agent": "pops", "triggers": [{"type": "manual"}],
        "steps": [{"action": "sales_report", "params": {"period": "yesterday"}},
                  {"action": "notify", "params": {"title": "Sales are in", "message": "{{sales_report.summary}}"}}]})
    assert made.status_code == 201, made.text
    run_id = httpx.post(f"{url}/api/playbooks/{made.json()['id']}/execute", headers=auth(user_token),
                        json={"triggeredBy": "manual"}).json()["executionId"]
    run = wait_for(lambda: (r := execution(server, run_id))["status"] == "completed" and r)
    page = httpx.get(f"{url}/api/notifications", headers=auth(user_token))
    assert page.status_code == 200, page.text
    [note] = page.json()["items"]
    assert page.json()["nextCursor"] is None
    assert (note["title"], note["body"], note["executionId"], note["readAt"]) == (
        "Sales are in", run["stepResults"][0]["output"]["summary"], run_id, None)
    assert note["id"] == run["stepResults"][1]["output"]["notification_id"]

    read = httpx.post(f"{url}/api/notifications/{note['id']}/read", headers=auth(user_token))
    assert read.status_code == 200 and read.json()["readAt"] is not None
    again = httpx.post(f"{url}/api/notifications/{note['id']}/read", headers=auth(user_token))
    assert again.json()["readAt"] == read.json()["readAt"]  # the first reading stays
    assert httpx.get(f"{url}/api/notifications?unread=true", headers=auth(user_token)).json()["items"] == []
    assert len(httpx.get(f"{url}/api/notifications", headers=auth(user_token)).json()["items"]) == 1


def test_another_organisations_notifications_are_not_there(server, user_token):
    url = server.url
    theirs = other_org_token(server)
    their_note = _leave(server, "other", "Their secret")
    mine = _leave(server, "demo", "Mine")
    assert [n["title"] for n in httpx.get(f"{url}/api/notifications", headers=auth(user_token)).json()["items"]] == ["Mine"]
    assert [n["title"] for n in httpx.get(f"{url}/api/notifications", headers=auth(theirs)).json()["items"]] == ["Their secret"]
    for token, note in ((user_token, their_note), (theirs, mine)):
        r = httpx.post(f"{url}/api/notifications/{note}/read", headers=auth(token))
        assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
    with Session(server.runtime.engine) as session:
        assert session.get(Notification, their_note).read_at is None and session.get(Notification, mine).read_at is None
    r = httpx.get(f"{url}/api/notifications?cursor={their_note}", headers=auth(user_token))
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert httpx.get(f"{url}/api/notifications").status_code == 401


def test_a_user_sees_their_own_and_the_organisation_wide_notes_only(server, user_token):
    with Session(server.runtime.engine, expire_on_commit=False) as session:
        colleague = User(org_id="demo", email="clerk@example.com")
        session.add(colleague)
        session.commit()
    owner_id = asyncio.run(server.runtime.executor.store.tenants.user_id_by_email("demo", "owner@example.com"))
    _leave(server, "demo", "For the owner", owner_id, 3)
    _leave(server, "demo", "For everyone", None, 2)
    _leave(server, "demo", "For the clerk", colleague.id, 1)
    clerk = issue_session_token(server.runtime.engine, "demo", "clerk@example.com")
    titles = lambda token: [n["title"] for n in httpx.get(f"{server.url}/api/notifications",  # noqa: E731
                                                          headers=auth(token)).json()["items"]]
    assert titles(user_token) == ["For everyone", "For the owner"]
    assert titles(clerk) == ["For the clerk", "For everyone"]


def test_notifications_are_paged_newest_first_and_filtered_unread(server, user_token):
    ids = [_leave(server, "demo", f"n{i}", minutes_ago=10 - i) for i in range(5)]
    with Session(server.runtime.engine) as session:
        note = session.get(Notification, ids[3])
        note.read_at = utcnow()
        session.add(note)
        session.commit()
    seen, cursor = [], None
    while True:
        page = httpx.get(f"{server.url}/api/notifications", params={"limit": 2, **({"cursor": cursor} if cursor else {})},
                         headers=auth(user_token)).json()
        seen += [n["title"] for n in page["items"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert seen == ["n4", "n3", "n2", "n1", "n0"]
    unread = httpx.get(f"{server.url}/api/notifications?unread=true&limit=10", headers=auth(user_token)).json()
    assert [n["title"] for n in unread["items"]] == ["n4", "n2", "n1", "n0"]
    assert httpx.get(f"{server.url}/api/notifications?limit=0", headers=auth(user_token)).status_code == 422
