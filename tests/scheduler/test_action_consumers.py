"""Each competitive action is consumed once, whatever retries or concurrent runs happen (SQLite and PostgreSQL)."""
from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from sqlmodel import Session, select

from scheduler.runs.history import get_execution
from scheduler.runs.ledger import open_execution
from scheduler.store.action_tables import Approval, CompetitiveAction, Draft
from scheduler.store.tables import Product
from tests.conftest import running
from tests.scheduler.test_approvals import add_action, undercut

N = 8


def playbook(runtime, action: str, name: str):
    return runtime.playbooks.create("demo", {"name": name, "agent": "pops", "triggers": [{"type": "manual"}],
                                             "steps": [{"action": action}]})


async def two_runs_at_once(runtime, action: str) -> list[dict]:
    """Two playbooks with the same consumer step, dispatched together."""
    ids = [open_execution(runtime.engine, playbook(runtime, action, f"{action} {i}"), triggered_by="manual",
                          dedupe_key=f"c{i}").execution.id for i in range(2)]
    for run_id in ids:
        runtime.dispatcher.dispatch(run_id)
    await runtime.dispatcher.drain()
    return [get_execution(runtime.engine, "demo", run_id) for run_id in ids]


def statuses(engine, kind: str) -> Counter:
    with Session(engine) as session:
        return Counter(a.status for a in session.exec(select(CompetitiveAction).where(CompetitiveAction.type == kind)))


async def campaigns_once(settings):
    async with running(settings) as runtime:
        made = [add_action(runtime.engine, "counter_campaign", "critical", competitor=f"C{i}", category="Edibles",
                           product=f"Gummies {i}", price=10.0, regular_price=20.0, discount_percent=50.0)
                for i in range(N)]
        add_action(runtime.engine, "counter_campaign", "high", competitor="Later", category="Flower")
        runs = await two_runs_at_once(runtime, "create_campaign_draft")
        assert [r["status"] for r in runs] == ["completed", "completed"], runs
        with Session(runtime.engine) as session:
            drafts = session.exec(select(Draft).where(Draft.kind == "campaign")).all()
        assert sorted(d.data["action_id"] for d in drafts) == sorted(made)  # each critical one drafted once
        assert sum(r["stepResults"][0]["output"]["draft_count"] for r in runs) == N
        assert statuses(runtime.engine, "counter_campaign") == Counter(done=N, pending=1)  # the high one waits


async def test_each_counter_campaign_is_drafted_once_by_two_runs_at_once(settings):
    await campaigns_once(settings)


async def test_each_counter_campaign_is_drafted_once_by_two_runs_at_once_on_postgres(pg_settings):
    await campaigns_once(pg_settings)


async def reorders_once(settings):
    async with running(settings) as runtime:
        with Session(runtime.engine) as session:
            stocked = list(session.exec(select(Product).where(Product.org_id == "demo", Product.quantity > Product.reorder_point)
                                        .order_by(Product.name).limit(N)))
        for p in stocked:
            add_action(runtime.engine, "inventory_alert", "medium", product=p.name, product_id=p.id)
        runs = await two_runs_at_once(runtime, "create_reorder_list")
        assert [r["status"] for r in runs] == ["completed", "completed"], runs
        with Session(runtime.engine) as session:
            lists = session.exec(select(Draft).where(Draft.kind == "reorder_list")).all()
        taken = [i for d in lists for i in d.data["action_ids"]]
        assert len(taken) == N == len(set(taken))
        assert statuses(runtime.engine, "inventory_alert") == Counter(done=N)
        listed = {it["product"] for d in lists for it in d.data["items"]}
        assert {p.name for p in stocked} <= listed and "Pineapple Express 3.5g" in listed  # out of stock: listed too


async def test_each_inventory_alert_is_listed_once_by_two_runs_at_once(settings):
    await reorders_once(settings)


async def test_each_inventory_alert_is_listed_once_by_two_runs_at_once_on_postgres(pg_settings):
    await reorders_once(pg_settings)


async def suggestions_once(settings):
    async with running(settings) as runtime:
        with Session(runtime.engine) as session:
            products = list(session.exec(select(Product).where(Product.org_id == "demo").order_by(Product.name).limit(N)))
        made = [undercut(runtime.engine, p) for p in products]
        runs = await two_runs_at_once(runtime, "suggest_price_adjustment")
        assert sorted(r["status"] for r in runs) in (["completed", "waiting_approval"], ["waiting_approval"] * 2)
        with Session(runtime.engine) as session:
            approvals = session.exec(select(Approval)).all()
        taken = [i for a in approvals for i in a.data["action_ids"]]
        assert sorted(taken) == sorted(made)  # every action in exactly one suggestion
        assert len({a.data["product_id"] for a in approvals}) == len(approvals) == N


async def test_each_price_action_is_suggested_once_by_two_runs_at_once(settings):
    await suggestions_once(settings)


async def test_each_price_action_is_suggested_once_by_two_runs_at_once_on_postgres(pg_settings):
    await suggestions_once(pg_settings)


async def claims_race(settings):
    """Many claimers in threads at once, each with its own key: every action goes to exactly one of them."""
    async with running(settings) as runtime:
        made = {add_action(runtime.engine, "counter_campaign", "critical", n=i) for i in range(40)}
        repo = runtime.executor.store.actions
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda k: repo._claim("demo", "counter_campaign", f"ex_{k}:0", None), range(8)))
        taken = [r["id"] for rows in results for r in rows]
        assert len(taken) == len(set(taken)) and set(taken) == made
        # A retry of a step takes its own claims again; another step gets none of them.
        owner = next(k for k, rows in enumerate(results) if rows)
        again = await repo.claim("demo", "counter_campaign", f"ex_{owner}:0")
        assert {r["id"] for r in again} == {r["id"] for r in results[owner]}
        assert await repo.claim("demo", "counter_campaign", "ex_late:0") == []


async def test_claims_race_on_sqlite(settings):
    await claims_race(settings)


async def test_claims_race_on_postgres(pg_settings):
    await claims_race(pg_settings)



async def test_a_consumer_that_fails_gives_its_claims_back_for_the_next_run(settings):
    async with running(settings) as runtime:
        # A finding the campaign writer cannot read (a discount in words): the step fails for good on it.
        broken = add_action(runtime.engine, "counter_campaign", "critical", competitor="C", category="Edibles",
                            discount_percent="fifty")
        pb = playbook(runtime, "create_campaign_draft", "Campaigns")
        run = open_execution(runtime.engine, pb, triggered_by="manual", dedupe_key="first").execution.id
        runtime.dispatcher.dispatch(run)
        await runtime.dispatcher.drain()
        assert get_execution(runtime.engine, "demo", run)["status"] == "failed"
        with Session(runtime.engine) as session:
            action = session.get(CompetitiveAction, broken)
        assert (action.status, action.claimed_by) == ("pending", None)  # not stuck in_progress under a dead run
