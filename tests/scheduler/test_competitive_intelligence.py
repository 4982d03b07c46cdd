"""analyze_competitive_intelligence: the rules, and actions stored with the step's checkpoint exactly once."""
from __future__ import annotations

from sqlmodel import Session, select

from scheduler.runs.history import get_execution
from scheduler.runs.ledger import open_execution
from scheduler.steps.intelligence.actions import IntelligenceParams, propose
from scheduler.store.action_tables import CompetitiveAction
from scheduler.store.tables import Execution, Product
from tests.conftest import running


def comparison(product: str, our: float, their: float, competitor: str = "Budget Buds") -> dict:
    return {"product": product, "our_price": our, "competitor": competitor, "competitor_product": product.upper(),
            "competitor_price": their, "gap": round((our - their) / our * 100, 1)}


FINDINGS = {
    "analyze_pricing": {"comparisons": [
        comparison("Blue Dream 3.5g", 40.0, 26.0),  # 35% under: critical
        comparison("Sour Diesel 3.5g", 42.0, 34.0),  # 19%: high
        comparison("Wedding Cake 3.5g", 45.0, 41.0),  # 8.9%: medium
        comparison("Blue Dream 7g", 75.0, 73.0),  # 2.7%: left alone
        comparison("Sour Diesel Pre-Roll 1g", 12.0, 16.0),  # they charge 33% more: margin room
    ]},
    "detect_price_changes": {"changes": [
        {"competitor": "Green Leaf", "product": "Blue Dream Cartridge 1g", "old_price": 50.0, "new_price": 40.0,
         "change_percent": -20.0},
        {"competitor": "Green Leaf", "product": "Blue Dream 3.5g", "old_price": 30.0, "new_price": 26.0,
         "change_percent": -13.3},  # already an undercut: no second action
    ]},
    "find_competitor_promotions": {"promotions": [
        {"competitor": "Budget Buds", "product": "Wedding Cake Pre-Roll 1g", "price": 8.0, "regular_price": 13.0,
         "discount_percent": 38.5},
        {"competitor": "Budget Buds", "product": "Mystery Gizmo", "price": 5.0, "regular_price": 10.0,
         "discount_percent": 50.0},  # nothing we sell
    ]},
    "track_new_products": {"removed_products": [
        {"competitor": "Green Leaf", "product": "Sour Diesel Cartridge 0.5g"},
        {"competitor": "Green Leaf", "product": "Pineapple Express 3.5g"},  # we are out of it too: no alert
    ]},
}


def kinds(proposals) -> list[tuple[str, str, str]]:
    return [(p.type, p.priority, p.data.get("product") or p.data.get("category")) for p in proposals]


async def catalogue(runtime) -> list[Product]:
    return await runtime.executor.store.products.list("demo")


async def test_the_rules(settings):
    async with running(settings) as runtime:
        undercuts = [c for c in FINDINGS["analyze_pricing"]["comparisons"] if c["gap"] > 0]
        found = kinds(propose(IntelligenceParams(), await catalogue(runtime), undercuts,
                              FINDINGS["analyze_pricing"]["comparisons"], FINDINGS["detect_price_changes"]["changes"],
                              FINDINGS["track_new_products"]["removed_products"],
                              FINDINGS["find_competitor_promotions"]["promotions"]))
    assert found == [
        ("price_adjustment", "critical", "Blue Dream 3.5g"),
        ("price_adjustment", "high", "Sour Diesel 3.5g"),
        ("price_adjustment", "medium", "Wedding Cake 3.5g"),
        ("margin_optimization", "low", "Sour Diesel Pre-Roll 1g"),
        ("price_adjustment", "medium", "Blue Dream Cartridge 1g"),
        ("counter_campaign", "critical", "Wedding Cake Pre-Roll 1g"),
        ("inventory_alert", "medium", "Sour Diesel Cartridge 0.5g"),
    ]


async def test_nothing_found_makes_nothing(settings):
    async with running(settings) as runtime:
        assert propose(IntelligenceParams(), await catalogue(runtime), [], [], [], [], []) == []


async def test_actions_are_stored_with_the_checkpoint_once(settings):
    async with running(settings) as runtime:
        playbook = runtime.playbooks.create("demo", {
            "name": "Intel", "agent": "ezal", "triggers": [{"type": "manual"}],
            "steps": [{"action": "analyze_competitive_intelligence"}]})
        run_id = open_execution(runtime.engine, playbook, triggered_by="manual", dedupe_key="intel").execution.id
        with Session(runtime.engine) as session:  # the findings of earlier steps, as the run carries them
            row = session.get(Execution, run_id)
            row.context = {**row.context, **FINDINGS}
            session.add(row)
            session.commit()
        for _ in range(2):  # a second dispatch of a finished run does nothing
            runtime.dispatcher.dispatch(run_id)
            await runtime.dispatcher.drain()
        run = get_execution(runtime.engine, "demo", run_id)
        assert run["status"] == "completed", run
        output = run["stepResults"][0]["output"]
        assert output["action_count"] == 7 and output["critical_count"] == 2
        assert "Budget Buds sells BLUE DREAM 3.5G for 35% less" in output["summary"]
        with Session(runtime.engine) as session:
            stored = session.exec(select(CompetitiveAction)).all()
        assert len(stored) == 7 and {a.source_execution_id for a in stored} == {run_id}
        assert {a.id for a in stored} == {a["id"] for a in output["actions"]}
        assert all(a.status == "pending" for a in stored)
