"""Schemathesis against the OpenAPI document of the live app: no 5xx, answers as documented, playbooks really created."""
from __future__ import annotations

from collections.abc import Iterator

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

from scheduler.auth.tokens import issue_session_token
from scheduler.settings import Settings
from tests.conftest import CRON_SECRET, auth
from tests.fakes.live import LiveServer

# Bounded: a few generated calls per operation and mode keep `make test` short on two cores; the
# document's own examples are sent as well.
EXAMPLES_PER_OPERATION = 6
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


def _exercise(operation, server: LiveServer, token: str, mode: GenerationMode) -> list[int]:
    statuses: list[int] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case) -> None:
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
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            seen.setdefault(operation.label, []).extend(_exercise(operation, server, token, mode))
    assert all(seen.values()), {label: codes for label, codes in seen.items() if not codes}
    # The document's example playbook is valid: sending it created one (and not only refusals came back).
    assert 201 in seen["POST /api/playbooks"], seen["POST /api/playbooks"]
    listed = httpx.get(f"{server.url}/api/playbooks?limit=200", headers=auth(token)).json()["items"]
    assert any(p["name"] == "Daily Sales Report" for p in listed)
