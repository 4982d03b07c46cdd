"""Every route under /api/, read from the app's OpenAPI document, against every kind of credential and against another organisation.

A route added later is in the matrix without a line here; a new path parameter only needs an id below.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import Session

from scheduler.auth.tokens import issue_agent_key, issue_session_token, revoke_token
from scheduler.settings import Settings
from scheduler.store.action_tables import Approval
from scheduler.store.tables import Notification, Organization, User
from tests.conftest import auth, wait_for
from tests.fakes.live import LiveServer

NEW_SECRET, OLD_SECRET = "new-cron-secret-123", "old-cron-secret-456"
# A body each route accepts, so a refusal is about who calls, not what was sent.
BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/api/playbooks"): {"name": "Theirs", "agent": "pops", "steps": [{"action": "notify", "params": {"message": "hi"}}]},
    ("PATCH", "/api/playbooks/{playbook_id}"): {"status": "paused"},
    ("POST", "/api/playbooks/{playbook_id}/execute"): {"triggeredBy": "manual"},
    ("POST", "/api/approvals/{approval_id}"): {"decision": "reject"},
    ("POST", "/api/competitors"): {"name": "Elsewhere", "url": "https://elsewhere.example/menu"},
    ("PUT", "/api/inventory/{item_id}"): {"quantity": 50},
    ("POST", "/api/chat"): {"messages": [{"role": "user", "parts": [{"type": "text", "text": "list my playbooks"}]}]},
}


class World:
    """The live server, organisation A (demo) with one of everything, organisation B, and their credentials."""

    def __init__(self, server: LiveServer, secrets: Path) -> None:
        self.server, self.secrets = server, secrets
        engine = server.runtime.engine
        self.user = issue_session_token(engine, "demo", "owner@example.com")
        self.agent = issue_agent_key(engine, "demo", "pops")
        with Session(engine) as session:
            session.add(Organization(id="other", name="Other Shop", timezone="UTC"))
            session.add(User(org_id="other", email="o@other.example"))
            session.commit()
        self.their_user = issue_session_token(engine, "other", "o@other.example")
        self.their_agent = issue_agent_key(engine, "other", "ezal")
        self.revoked = issue_session_token(engine, "demo", "owner@example.com")
        revoke_token(engine, self.revoked)
        url = server.url
        made = httpx.post(f"{url}/api/playbooks", headers=auth(self.user), json={
            "name": "Ours", "agent": "pops", "steps": [{"action": "notify", "params": {"message": "ours"}}]})
        assert made.status_code == 201, made.text
        playbook_id = made.json()["id"]
        run = httpx.post(f"{url}/api/playbooks/{playbook_id}/execute", headers=auth(self.user), json={"triggeredBy": "manual"})
        execution_id = run.json()["executionId"]
        wait_for(lambda: httpx.get(f"{url}/api/executions/{execution_id}", headers=auth(self.user)).json()["status"] == "completed")
        added = httpx.post(f"{url}/api/competitors", headers=auth(self.user), json={"name": "Budget Buds", "url": "https://budgetbuds.example/menu"})
        assert added.status_code == 201, added.text
        competitor_id = added.json()["id"]
        product_id = httpx.get(f"{url}/api/products", headers=auth(self.user)).json()["items"][0]["id"]
        with Session(engine) as session:
            approval = Approval(org_id="demo", execution_id=execution_id, step_index=0, kind="approval", prompt="Go ahead?",
                                expires_at=datetime.now(UTC) + timedelta(days=1))
            session.add(approval)
            note = Notification(org_id="demo", title="Ours", body="ours", execution_id=execution_id)
            session.add(note)
            session.commit()
            approval_id, notification_id = approval.id, note.id
        self.ids = {"playbook_id": playbook_id, "execution_id": execution_id, "competitor_id": competitor_id,
                    "approval_id": approval_id, "notification_id": notification_id, "item_id": product_id}
        self.ours = [*self.ids.values(), product_id]

    def routes(self) -> list[tuple[str, str]]:
        """(method, path template) of every route under /api/, as the app documents them."""
        paths = self.server.app.openapi()["paths"]
        return sorted((method.upper(), path) for path, item in paths.items() if path.startswith("/api/") for method in item)

    def call(self, method: str, template: str, headers: dict[str, Any]) -> httpx.Response:
        """The route with A's ids in its path and a body it accepts."""
        path = re.sub(r"\{(\w+)\}", lambda m: self.ids.get(m[1], "zz_unknown"), template)
        body = BODIES.get((method, template))
        if template == "/api/products/import":
            return httpx.request(method, self.server.url + path, headers={**headers, "Content-Type": "text/csv"},
                                 content="sku,name,category,price,cost,quantity,reorder_point\n", timeout=30)
        return httpx.request(method, self.server.url + path, headers=headers, json=body if method != "GET" else None, timeout=30)


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[World]:
    home = tmp_path_factory.mktemp("matrix")
    secrets = home / "cron-secrets"
    secrets.write_text(f"{NEW_SECRET}\n{OLD_SECRET}\n")  # a rotation under way: both accepted
    settings = Settings(PLAYBOOKS_HOME=home, CRON_SECRET_FILE=secrets, PLAYBOOKS_LEASE_SECONDS=2,
                        PLAYBOOKS_RATE_CHAT_PER_MINUTE=0, PLAYBOOKS_RATE_EXECUTE_PER_MINUTE=0)
    with LiveServer(settings) as server:
        yield World(server, secrets)


def test_the_matrix_covers_every_route(world):
    routes = world.routes()
    assert len(routes) >= 16, routes
    for method, path in routes:
        for name in re.findall(r"\{(\w+)\}", path):
            assert name in world.ids, f"{method} {path}: give the matrix an id for {{{name}}}"


BAD = {
    "no header": {},
    "basic scheme": {"Authorization": "Basic dXNlcjpwYXNz"},
    "bearer without token": {"Authorization": "Bearer"},
    "no scheme": {"Authorization": NEW_SECRET},
    "secret with a non-ASCII byte": {"Authorization": f"Bearer {NEW_SECRET}é".encode()},
    "wrong secret": {"Authorization": "Bearer not-the-secret"},
    "made-up session token": {"Authorization": "Bearer pbs_madeup"},
}


@pytest.mark.parametrize("label", list(BAD))
def test_a_bad_credential_is_401_on_every_route(world, label):
    for method, path in world.routes():
        r = world.call(method, path, BAD[label])
        assert r.status_code == 401, (label, method, path, r.status_code, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.headers["www-authenticate"] == "Bearer"


def test_a_revoked_token_is_401_on_every_route(world):
    for method, path in world.routes():
        assert world.call(method, path, auth(world.revoked)).status_code == 401, (method, path)


def test_the_cron_secret_only_executes_and_the_previous_one_only_during_the_rotation(world):
    execute = "/api/playbooks/{playbook_id}/execute"
    for method, path in world.routes():
        if path != execute:
            for secret in (NEW_SECRET, OLD_SECRET):
                assert world.call(method, path, auth(secret)).status_code == 401, (method, path)
    url = f"{world.server.url}/api/playbooks/{world.ids['playbook_id']}/execute"
    for secret in (NEW_SECRET, OLD_SECRET):  # during the rotation
        r = httpx.post(url, headers=auth(secret), json={"triggeredBy": "manual", "orgId": "demo"})
        assert r.status_code == 202, r.text
    world.secrets.write_text(f"{NEW_SECRET}\n")  # after it: only the new one
    try:
        assert httpx.post(url, headers=auth(OLD_SECRET), json={"triggeredBy": "manual", "orgId": "demo"}).status_code == 401
        assert httpx.post(url, headers=auth(NEW_SECRET), json={"triggeredBy": "manual", "orgId": "demo"}).status_code == 202
        # The secret names an organisation's playbook only with that organisation.
        assert httpx.post(url, headers=auth(NEW_SECRET), json={"triggeredBy": "manual", "orgId": "other"}).status_code == 404
    finally:
        world.secrets.write_text(f"{NEW_SECRET}\n{OLD_SECRET}\n")


@pytest.mark.parametrize("who", ["user", "agent"])
def test_a_user_token_and_an_agent_key_read_every_list_of_their_organisation(world, who):
    token = world.user if who == "user" else world.agent
    for method, path in world.routes():
        if method == "GET" and "{" not in path:
            r = world.call(method, path, auth(token))
            assert r.status_code == 200, (method, path, r.text)
    r = world.call("GET", "/api/playbooks/{playbook_id}", auth(token))
    assert r.status_code == 200 and r.json()["orgId"] == "demo"


@pytest.mark.parametrize("who", ["their user", "their agent"])
def test_another_organisation_sees_nothing_of_ours_on_any_route(world, who):
    token = world.their_user if who == "their user" else world.their_agent
    for method, path in world.routes():
        r = world.call(method, path, auth(token))
        assert r.status_code != 401, (method, path, r.text)
        assert r.status_code < 500, (method, path, r.text)
        asked = [world.ids.get(name) for name in re.findall(r"\{(\w+)\}", path)]
        for ours in world.ours:
            if ours not in asked:  # a 404 may name the id it was asked for; it must name nothing else of ours
                assert ours not in r.text, (method, path, ours, r.text[:300])
        if "{" in path:
            expected = (404,) if (method, path) in BODIES or method in ("GET", "DELETE") else (404, 422)
            assert r.status_code in expected, (method, path, r.status_code, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")
    # Nothing of ours moved: the playbook is still active, the approval still pending, the competitor still there.
    mine = auth(world.user)
    assert httpx.get(f"{world.server.url}/api/playbooks/{world.ids['playbook_id']}", headers=mine).json()["status"] == "active"
    pending = httpx.get(f"{world.server.url}/api/approvals?status=pending", headers=mine).json()["items"]
    assert world.ids["approval_id"] in [a["id"] for a in pending]
    competitors = httpx.get(f"{world.server.url}/api/competitors", headers=mine).json()["items"]
    assert world.ids["competitor_id"] in [c["id"] for c in competitors]
