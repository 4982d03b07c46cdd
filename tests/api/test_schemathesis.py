"""Schemathesis against the OpenAPI document of the live app: no 5xx, answers as documented, playbooks really created."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlmodel import Session

from scheduler.auth.tokens import issue_session_token
from scheduler.settings import Settings
from scheduler.store.action_tables import Approval
from scheduler.store.tables import Notification
from tests.conftest import CRON_SECRET, auth
from tests.fakes.live import LiveServer

# Bounded: a few generated calls per operation and mode keep `make test` short on two cores; the
# document's own examples are sent as well.
EXAMPLES_PER_OPERATION = 8
CHECKS = [schemathesis.checks.not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.fixture(scope="module")
def live(tmp_path_factory) -> Iterator[tuple[LiveServer, str]]:
    """The app with the demo org and rate limits high enough for generated traffic; a session token."""
    home = tmp_path_factory.mktemp("schemathesis")
    settings_ = Settings(PLAYBOOKS_HOME=home, CRON_SECRET=CRON_SECRET, PLAYBOOKS_LEASE_SECONDS=2,
                         PLAYBOOKS_RATE_CHAT_PER_MINUTE=0, PLAYBOOKS_RATE_EXECUTE_PER_MINUTE=0)
    with LiveServer(settings_) as server:
        yield server, issue_session_token(server.runtime.engine, "demo", "owner@example.com")


def _operations(server: LiveServer):
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    return schema, [result.ok() for result in schema.get_all_operations()]


class Objects:
    """Fresh objects of the demo org for a case's path: generated ids would only ever meet a 404."""

    def __init__(self, server: LiveServer, token: str) -> None:
        self.server, self.token, self.made = server, token, 0

    def fill(self, case) -> None:
        """Put real ids in the case's path parameters (a new object each time: a case may delete or decide it)."""
        params = case.path_parameters or {}
        wanted = set(params)
        url, headers = self.server.url, auth(self.token)
        self.made += 1
        if "playbook_id" in params or "execution_id" in params or "approval_id" in params:
            made = httpx.post(f"{url}/api/playbooks", headers=headers, json={
                "name": f"Target {self.made}", "agent": "pops", "steps": [{"action": "notify", "params": {"message": "hi"}}]})
            params["playbook_id"] = made.json()["id"]
            if "execution_id" in params or "approval_id" in params:
                run = httpx.post(f"{url}/api/playbooks/{made.json()['id']}/execute", headers=headers, json={"triggeredBy": "manual"})
                params["execution_id"] = run.json()["executionId"]
            if "approval_id" in params:
                with Session(self.server.runtime.engine) as session:
                    approval = Approval(org_id="demo", execution_id=params["execution_id"], step_index=0, kind="approval",
                                        prompt="Go ahead?", expires_at=datetime.now(UTC) + timedelta(days=1))
                    session.add(approval)
                    session.commit()
                    params["approval_id"] = approval.id
        if "competitor_id" in params:
            added = httpx.post(f"{url}/api/competitors", headers=headers,
                               json={"name": f"Rival {self.made}", "url": f"https://rival{self.made}.example/menu"})
            params["competitor_id"] = added.json()["id"]
        if "item_id" in params:  # an inventory item is a product of the catalogue
            products = httpx.get(f"{url}/api/products", headers=headers).json()["items"]
            params["item_id"] = products[self.made % len(products)]["id"]
        if "notification_id" in params:
            with Session(self.server.runtime.engine) as session:
                note = Notification(org_id="demo", title=f"Note {self.made}", body="hi")
                session.add(note)
                session.commit()
                params["notification_id"] = note.id
        for name in set(params) - wanted:  # made on the way (a run for an approval), not part of this path
            del params[name]


def _exercise(operation, server: LiveServer, token: str, mode: GenerationMode, objects: Objects) -> list[int]:
    statuses: list[int] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case) -> None:
        if mode == GenerationMode.POSITIVE:
            objects.fill(case)
        response = case.call(base_url=server.url, headers=auth(token))
        statuses.append(response.status_code)
        if mode == GenerationMode.POSITIVE:
            case.validate_response(response, checks=CHECKS)
        else:  # invalid input: refused as documented, never a 5xx
            case.validate_response(response, checks=[schemathesis.checks.not_a_server_error, content_type_conformance])

    try:
        run()
    except Unsatisfiable:
        assert mode == GenerationMode.NEGATIVE  # an operation with no input has no invalid input either
    for strategy in operation.get_strategies_from_examples():
        @given(case=strategy)
        @settings(max_examples=3, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def example(case) -> None:
            response = case.call(base_url=server.url, headers=auth(token))
            statuses.append(response.status_code)
            case.validate_response(response, checks=CHECKS)

        example()
    return statuses


def test_every_operation_answers_as_documented_and_never_5xx(live):
    server, token = live
    _, operations = _operations(server)
    assert len(operations) >= 15, [op.label for op in operations]
    seen: dict[str, list[int]] = {}
    objects = Objects(server, token)
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            seen.setdefault(operation.label, []).extend(_exercise(operation, server, token, mode, objects))
    assert all(seen.values()), {label: codes for label, codes in seen.items() if not codes}
    # With real ids in their paths, the operations on one object were reached, not only refused.
    reached = {label for label, codes in seen.items() if any(200 <= code < 300 for code in codes)}
    assert set(seen) - reached == set(), set(seen) - reached
    # The document's example playbook is valid: sending it created one (and not only refusals came back).
    assert 201 in seen["POST /api/playbooks"], seen["POST /api/playbooks"]
    listed = httpx.get(f"{server.url}/api/playbooks?limit=200", headers=auth(token)).json()["items"]
    assert any(p["name"] == "Daily Sales Report" for p in listed)
