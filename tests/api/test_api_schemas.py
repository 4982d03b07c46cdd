"""The OpenAPI document shows typed Playbook, Execution and StepResult schemas; answers keep their shape."""
from __future__ import annotations

import json

import httpx
import pytest

from api import schemas
from scheduler.runs.history import get_execution
from scheduler.services.playbooks import playbook_json
from tests.conftest import auth, execution, wait_for

SPEC = {
    "name": "Morning numbers", "agent": "pops", "category": "operations",
    "triggers": [{"type": "schedule", "cron": "0 9 * * 1-5"}, {"type": "event", "event": "order.created"},
                 {"type": "manual"}],
    "steps": [
        {"id": "report", "action": "sales_report", "params": {"period": "yesterday"}},
        {"action": "notify", "condition": "{{report.order_count}} >= 0", "params": {"title": "Numbers"}},
    ],
}


def _without_nulls(value):
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def _ref(operation: dict, status: str) -> str:
    return operation["responses"][status]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]


def test_openapi_declares_the_response_schemas_with_examples(server):
    doc = httpx.get(f"{server.url}/openapi.json").json()
    found = doc["components"]["schemas"]
    for name in ("Playbook", "DeletedPlaybook", "PlaybookPage", "Execution", "ExecutionPage", "StepResult", "ExecuteResponse"):
        model = getattr(schemas, name)
        example = model.model_config["json_schema_extra"]["examples"][0]
        model.model_validate(example)
        # FastAPI writes the document without nulls, examples included.
        assert found[name]["examples"] == [_without_nulls(example)], name
    assert set(found["Playbook"]["properties"]) == set(json.loads(json.dumps(schemas.PLAYBOOK_EXAMPLE)))
    assert set(found["Execution"]["properties"]) == set(schemas.EXECUTION_EXAMPLE)
    assert set(found["StepResult"]["properties"]) == set(schemas.STEP_RESULT_EXAMPLE)
    assert found["Execution"]["properties"]["stepResults"]["items"]["$ref"].endswith("/StepResult")
    assert found["Playbook"]["properties"]["status"]["$ref"].endswith("/PlaybookStatus")
    assert found["PlaybookStatus"]["enum"] == ["draft", "active", "paused", "archived"]
    triggers = found["Playbook"]["properties"]["triggers"]["items"]
    assert {r["$ref"].rsplit("/", 1)[-1] for r in triggers["oneOf"]} == {"ScheduleTrigger", "EventTrigger", "ManualTrigger"}
    assert found["Playbook"]["properties"]["steps"]["items"]["$ref"].endswith("/StepSpec")
    paths = doc["paths"]
    assert _ref(paths["/api/playbooks"]["get"], "200") == "PlaybookPage"
    assert _ref(paths["/api/playbooks"]["post"], "201") == "Playbook"
    assert _ref(paths["/api/playbooks/{playbook_id}"]["get"], "200") == "Playbook"
    assert _ref(paths["/api/playbooks/{playbook_id}"]["patch"], "200") == "Playbook"
    assert _ref(paths["/api/playbooks/{playbook_id}"]["delete"], "200") == "DeletedPlaybook"
    assert _ref(paths["/api/playbooks/{playbook_id}/executions"]["get"], "200") == "ExecutionPage"
    assert _ref(paths["/api/playbooks/{playbook_id}/execute"]["post"], "202") == "ExecuteResponse"
    assert _ref(paths["/api/executions/{execution_id}"]["get"], "200") == "Execution"


def _json(value):
    return json.loads(json.dumps(value))


def test_answers_are_the_services_json_key_for_key(server, user_token):
    runtime, headers = server.runtime, auth(user_token)
    created = httpx.post(f"{server.url}/api/playbooks", json=SPEC, headers=headers)
    assert created.status_code == 201, created.text
    stored = runtime.playbooks.get("demo", created.json()["id"])

    def shown():
        runs = runtime.playbooks.next_runs(stored, 5)
        return _json(playbook_json(stored, runs[0] if runs else None, upcoming=runs))

    assert created.json() == shown()
    assert created.json()["triggers"][1] == {"type": "event", "event": "order.created"}
    assert created.json()["steps"][1] == {"action": "notify", "condition": "{{report.order_count}} >= 0",
                                          "params": {"title": "Numbers"}}
    assert httpx.get(f"{server.url}/api/playbooks/{stored.id}", headers=headers).json() == shown()
    page = httpx.get(f"{server.url}/api/playbooks", headers=headers).json()
    assert page == {"items": [shown()], "nextCursor": None}

    started = httpx.post(f"{server.url}/api/playbooks/{stored.id}/execute", headers=headers)
    assert started.status_code == 202 and set(started.json()) == {"executionId", "status"}
    run_id = started.json()["executionId"]
    wait_for(lambda: execution(server, run_id, user_token)["status"] == "completed")
    run = execution(server, run_id, user_token)
    assert run == _json(get_execution(runtime.engine, "demo", run_id))
    assert set(run["stepResults"][0]) == set(schemas.STEP_RESULT_EXAMPLE)
    runs = httpx.get(f"{server.url}/api/playbooks/{stored.id}/executions", headers=headers).json()
    assert runs == {"items": [run], "nextCursor": None}

    stored = runtime.playbooks.update("demo", stored.id, {"status": "paused"})
    deleted = httpx.delete(f"{server.url}/api/playbooks/{stored.id}", headers=headers)
    stored = runtime.playbooks.get("demo", stored.id, include_deleted=True)
    assert deleted.json() == {**_json(playbook_json(stored, None)), "deleted": True}


def test_a_field_the_schema_does_not_declare_is_an_error_not_a_silent_drop():
    row = {**schemas.EXECUTION_EXAMPLE, "newField": 1}
    with pytest.raises(ValueError, match="newField"):
        schemas.Execution.model_validate(row)
