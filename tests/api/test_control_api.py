"""Control steps over HTTP: a waiting run reads as `waiting`; a call cannot pose as a child run; delegate runs in the app."""
from __future__ import annotations

import httpx

from tests.conftest import auth, execution, wait_for


def _create(server, token, steps):
    spec = {"name": "Control", "agent": "pops", "triggers": [{"type": "manual"}], "steps": steps}
    r = httpx.post(f"{server.url}/api/playbooks", json=spec, headers=auth(token))
    assert r.status_code == 201, r.text
    return r.json()


def _execute(server, token, playbook, body=None):
    return httpx.post(f"{server.url}/api/playbooks/{playbook['id']}/execute", json=body or {}, headers=auth(token))


def test_a_parked_run_reads_as_waiting_and_the_app_hands_delegate_its_persona_runner(server, user_token):
    playbook = _create(server, user_token, [
        {"action": "delegate", "params": {"agent": "ezal", "task": "say what you see"}},
        {"action": "wait", "params": {"hours": 2}},
        {"action": "notify", "params": {"title": "later"}},
    ])
    run_id = _execute(server, user_token, playbook).json()["executionId"]
    run = wait_for(lambda: (e := execution(server, run_id))["status"] == "waiting" and e)
    assert [s["status"] for s in run["stepResults"]] == ["completed", "completed"]
    assert run["stepResults"][0]["output"]["answer"].startswith('Ezal took the task "say what you see"')
    assert run["completedAt"] is None


def test_a_call_cannot_start_a_child_run(server, user_token):
    playbook = _create(server, user_token, [{"action": "notify", "params": {"title": "x"}}])
    r = _execute(server, user_token, playbook, {"triggeredBy": "playbook"})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert "run_playbook step" in r.text


def test_saving_a_bad_nested_step_is_a_422_naming_its_path(server, user_token):
    spec = {"name": "Bad", "agent": "pops", "steps": [{"action": "for_each", "params": {
        "items": [1, 2], "step": {"action": "notify", "params": {"message": "{{itme}}"}}}}]}
    r = httpx.post(f"{server.url}/api/playbooks", json=spec, headers=auth(user_token))
    assert r.status_code == 422 and "steps[0].params.step.params.message" in r.text, r.text
