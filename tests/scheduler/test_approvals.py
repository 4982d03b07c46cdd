"""Approvals: a price suggestion waits for the owner; approve changes the price once, reject changes nothing."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from scheduler.domain.clock import Clock
from scheduler.runs.history import get_execution
from scheduler.services.approvals import AlreadyDecided, ApprovalNotFound, ApprovalService
from scheduler.store.action_tables import Approval, CompetitiveAction
from scheduler.store.tables import Organization, Product, SideEffect
from tests.conftest import run_now, running


def product(engine, name: str | None = None) -> Product:
    """A demo product (the first by name, or the one named)."""
    with Session(engine) as session:
        query = select(Product).where(Product.org_id == "demo")
        query = query.where(Product.name == name) if name else query.order_by(Product.name)
        return session.exec(query).first()


def add_action(engine, kind: str = "price_adjustment", priority: str = "high", org_id: str = "demo", **data) -> str:
    """A pending competitive action, as analyze_competitive_intelligence stores them."""
    with Session(engine, expire_on_commit=False) as session:
        action = CompetitiveAction(org_id=org_id, type=kind, priority=priority, recommendation="act on it", data=data)
        session.add(action)
        session.commit()
        return action.id


def undercut(engine, target: Product, factor: float = 0.8) -> str:
    """A price_adjustment action: a competitor sells `target` for less."""
    return add_action(engine, product=target.name, our_price=target.price, competitor="Budget Buds",
                      competitor_product=target.name, competitor_price=round(target.price * factor, 2), gap=20.0)


def row(engine, model, key):
    with Session(engine) as session:
        return session.get(model, key)


def suggest_playbook(runtime, **params):
    return runtime.playbooks.create("demo", {
        "name": "Price suggestions", "agent": "money_mike", "triggers": [{"type": "manual"}],
        "steps": [{"action": "suggest_price_adjustment", "params": params},
                  {"action": "notify", "params": {"title": "Prices", "message": "{{suggest_price_adjustment.summary}}"}}],
    })


async def waiting_suggestion(runtime, **params):
    target = product(runtime.engine)
    action_id = undercut(runtime.engine, target)
    run_id = await run_now(runtime, suggest_playbook(runtime, **params), "suggest")
    run = get_execution(runtime.engine, "demo", run_id)
    assert run["status"] == "waiting_approval", run
    assert [s["status"] for s in run["stepResults"]] == ["completed"]
    approvals, _ = await runtime.executor.store.approvals.list("demo", "pending")
    assert len(approvals) == 1 and approvals[0].kind == "price_change"
    return target, action_id, run_id, approvals[0]


async def resume(runtime, decided) -> dict:
    assert decided.resumed
    runtime.dispatcher.dispatch(decided.resumed)
    await runtime.dispatcher.drain()
    return get_execution(runtime.engine, "demo", decided.resumed)


async def test_approve_changes_the_price_once_and_the_run_completes(settings):
    await approve_flow(settings)


async def test_approve_changes_the_price_once_and_the_run_completes_on_postgres(pg_settings):
    await approve_flow(pg_settings)


async def approve_flow(settings):
    async with running(settings) as runtime:
        target, action_id, _, approval = await waiting_suggestion(runtime)
        assert row(runtime.engine, CompetitiveAction, action_id).status == "in_progress"
        assert product(runtime.engine, target.name).price == target.price  # nothing changes before the decision
        decided = runtime.approvals.decide("demo", approval.id, "approve", "go", by="owner")
        new_price = round(target.price * 0.8, 2)
        assert decided.status == "approved" and decided.price_change["new_price"] == new_price
        assert product(runtime.engine, target.name).price == new_price
        with pytest.raises(AlreadyDecided):
            runtime.approvals.decide("demo", approval.id, "approve")
        run = await resume(runtime, decided)
        assert run["status"] == "completed", run
        assert run["stepResults"][0]["output"]["suggestions"][0]["status"] == "approved"
        assert row(runtime.engine, CompetitiveAction, action_id).status == "done"
        assert row(runtime.engine, SideEffect, f"approval:{approval.id}").result["new_price"] == new_price
        assert product(runtime.engine, target.name).price == new_price


async def test_reject_changes_nothing_and_the_run_completes(settings):
    async with running(settings) as runtime:
        target, action_id, _, approval = await waiting_suggestion(runtime)
        decided = runtime.approvals.decide("demo", approval.id, "reject", "not now")
        run = await resume(runtime, decided)
        assert run["status"] == "completed"
        assert run["stepResults"][0]["output"]["suggestions"][0]["status"] == "rejected"
        assert product(runtime.engine, target.name).price == target.price
        assert row(runtime.engine, CompetitiveAction, action_id).status == "dismissed"
        assert row(runtime.engine, SideEffect, f"approval:{approval.id}") is None
        with pytest.raises(AlreadyDecided, match="already rejected"):
            runtime.approvals.decide("demo", approval.id, "approve")


async def test_timeout_takes_the_declared_outcome_and_the_sweep_never_resumes_a_waiting_run(settings):
    async with running(settings) as runtime:
        target, _, _, approval = await waiting_suggestion(runtime, timeout_hours=2)
        assert runtime.sweep() == []  # waiting is not orphaned, whatever its lease says
        assert ApprovalService(runtime.engine, Clock(timedelta(hours=1))).expire_due() == []
        later = ApprovalService(runtime.engine, Clock(timedelta(hours=2, minutes=1)))
        [decided] = later.expire_due()
        assert decided.status == "rejected" and row(runtime.engine, Approval, approval.id).decided_by == "timeout"
        run = await resume(runtime, decided)
        assert run["status"] == "completed"
        assert product(runtime.engine, target.name).price == target.price
        assert later.expire_due() == []


async def test_default_timeout_is_72_hours(settings):
    async with running(settings) as runtime:
        await waiting_suggestion(runtime)
        assert ApprovalService(runtime.engine, Clock(timedelta(hours=71, minutes=59))).expire_due() == []
        assert len(ApprovalService(runtime.engine, Clock(timedelta(hours=72, minutes=1))).expire_due()) == 1


async def test_another_organisations_approval_is_not_found(settings):
    async with running(settings) as runtime:
        _, _, _, approval = await waiting_suggestion(runtime)
        with Session(runtime.engine) as session:
            session.add(Organization(id="other", name="Other Shop", timezone="UTC"))
            session.commit()
        with pytest.raises(ApprovalNotFound):
            runtime.approvals.decide("other", approval.id, "approve")
        assert row(runtime.engine, Approval, approval.id).status == "pending"


async def test_request_approval_waits_and_later_steps_read_the_decision(settings):
    async with running(settings) as runtime:
        playbook = runtime.playbooks.create("demo", {
            "name": "Ask first", "agent": "pops", "triggers": [{"type": "manual"}],
            "steps": [{"action": "request_approval", "params": {"prompt": "Go ahead?"}},
                      {"action": "notify", "params": {"title": "Approved", "message": "yes"},
                       "condition": "{{request_approval.decision}} == 'approved'"}],
        })
        run_id = await run_now(runtime, playbook, "ask")
        assert get_execution(runtime.engine, "demo", run_id)["status"] == "waiting_approval"
        [approval], _ = await runtime.executor.store.approvals.list("demo", "pending")
        run = await resume(runtime, runtime.approvals.decide("demo", approval.id, "approve"))
        assert run["status"] == "completed"
        assert [s["status"] for s in run["stepResults"]] == ["completed", "completed"]
        assert run["stepResults"][0]["output"]["decision"] == "approved"


async def test_several_suggestions_resume_the_run_once_all_are_decided(settings):
    async with running(settings) as runtime:
        with Session(runtime.engine) as session:
            two = list(session.exec(select(Product).where(Product.org_id == "demo", Product.price > 5)
                                    .order_by(Product.name).limit(2)))
        for p in two:
            undercut(runtime.engine, p)
        run_id = await run_now(runtime, suggest_playbook(runtime), "two")
        first, second = (await runtime.executor.store.approvals.list("demo", "pending"))[0]
        assert runtime.approvals.decide("demo", first.id, "approve").resumed is None
        assert get_execution(runtime.engine, "demo", run_id)["status"] == "waiting_approval"
        run = await resume(runtime, runtime.approvals.decide("demo", second.id, "reject"))
        assert run["status"] == "completed"
        assert sorted(s["status"] for s in run["stepResults"][0]["output"]["suggestions"]) == ["approved", "rejected"]
