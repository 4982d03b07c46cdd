"""What a run cost: pages fetched, cache hits, model tokens and their price, shown by GET /api/executions/{id}."""
from __future__ import annotations

import httpx

from api.schemas import RunCost
from scheduler.demo.sites import seed_demo_competitors
from scheduler.runs.history import run_cost
from scheduler.store.tables import StepRun
from tests.cli.test_cli import run as cli
from tests.conftest import auth, execution, sales_report_spec, wait_for

FREE = {"pagesFetched": 0, "cacheHits": 0, "tokens": 0, "estimatedCostUsd": 0.0}


def _run(server, token, playbook_id: str) -> dict:
    r = httpx.post(f"{server.url}/api/playbooks/{playbook_id}/execute", json={"triggeredBy": "manual"}, headers=auth(token))
    assert r.status_code == 202, r.text
    return wait_for(lambda: (e := execution(server, r.json()["executionId"]))["status"] in ("completed", "failed") and e)


def test_a_scan_costs_its_pages_and_an_unchanged_page_is_a_cache_hit(server, user_token, settings):
    seed_demo_competitors(server.runtime.engine, server.url)
    spec = {"name": "Watch", "agent": "ezal", "triggers": [{"type": "manual"}],
            "steps": [{"action": "scan_competitors"}, {"action": "analyze_pricing"}]}
    playbook = httpx.post(f"{server.url}/api/playbooks", json=spec, headers=auth(user_token)).json()
    first = _run(server, user_token, playbook["id"])
    assert first["cost"] == {**FREE, "pagesFetched": 4}  # the offline model: no tokens, nothing to pay
    second = _run(server, user_token, playbook["id"])
    assert second["cost"] == {**FREE, "pagesFetched": 4, "cacheHits": 4}
    assert cli("demo", "next-day", home=settings.home).returncode == 0
    third = _run(server, user_token, playbook["id"])
    assert third["cost"] == {**FREE, "pagesFetched": 4}
    # The playbook's run list shows the same figures as each run.
    runs = httpx.get(f"{server.url}/api/playbooks/{playbook['id']}/executions", headers=auth(user_token)).json()["items"]
    assert [(r["id"], r["cost"]) for r in runs] == [(e["id"], e["cost"]) for e in (third, second, first)]


def test_a_run_that_fetches_nothing_costs_nothing(server, user_token):
    playbook = httpx.post(f"{server.url}/api/playbooks", json=sales_report_spec(), headers=auth(user_token)).json()
    run = _run(server, user_token, playbook["id"])
    assert run["status"] == "completed" and run["cost"] == FREE


def _step(index: int, action: str, output: dict | None) -> StepRun:
    return StepRun(execution_id="ex_1", index=index, action=action, output=output)


def test_the_cost_adds_up_every_step_that_reports_one():
    steps = [
        _step(0, "scan_competitors", {"pages_fetched": 3, "cache_hits": 2, "summary": "..."}),
        _step(1, "fetch_url", {"status": 200, "text": "...", "title": None, "content_type": "text/html"}),
        _step(2, "fetch_url", None),  # failed: nothing arrived
        # A step that called a paid model says what it used and what that cost.
        _step(3, "generate_competitor_report", {"tokens": 1200, "cost_usd": 0.0042, "report": "..."}),
        _step(4, "generate_competitor_report", {"tokens": 800, "cost_usd": 0.0028}),
        # Outputs are data: what is not a count or an amount counts nothing.
        _step(5, "scan_competitors", {"pages_fetched": True, "cache_hits": "7", "tokens": -5, "cost_usd": "lots"}),
    ]
    cost = run_cost(steps)
    assert cost == {"pagesFetched": 4, "cacheHits": 2, "tokens": 2000, "estimatedCostUsd": 0.007}
    assert RunCost.model_validate(cost).model_dump(by_alias=True) == cost
    assert run_cost([]) == FREE
