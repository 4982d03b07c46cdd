"""The heartbeat hands pending competitive actions to their personas: one logged follow-up run per beat, each action once."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlmodel import Session, select

from scheduler.domain.clock import Clock
from scheduler.runs.history import get_execution
from scheduler.services.follow_up import NAME
from scheduler.store.action_tables import Approval, CompetitiveAction, Draft
from scheduler.store.tables import Execution, Playbook, Product
from tests.conftest import running
from tests.scheduler.test_approvals import add_action, undercut


def product(engine, name: str) -> Product:
    with Session(engine) as session:
        return session.exec(select(Product).where(Product.org_id == "demo", Product.name == name)).one()


def follow_ups(engine) -> list[Execution]:
    with Session(engine) as session:
        pb = session.exec(select(Playbook).where(Playbook.name == NAME)).first()
        return list(session.exec(select(Execution).where(Execution.playbook_id == pb.id))) if pb else []


async def test_a_beat_drafts_campaigns_lists_reorders_and_puts_prices_to_the_owner(settings):
    async with running(settings) as runtime:
        add_action(runtime.engine, "counter_campaign", "critical", competitor="Budget Buds", category="Edibles",
                   product="Gummies", price=10.0, regular_price=20.0, discount_percent=50.0)
        add_action(runtime.engine, "counter_campaign", "high", competitor="Later", category="Flower")  # not critical: waits
        low = product(runtime.engine, "Blue Dream 3.5g")
        add_action(runtime.engine, "inventory_alert", "medium", product=low.name, product_id=low.id)
        undercut(runtime.engine, product(runtime.engine, "Sour Diesel 3.5g"))

        [run_id] = runtime.tick()
        await runtime.dispatcher.drain()
        run = get_execution(runtime.engine, "demo", run_id)
        assert (run["status"], run["triggeredBy"]) == ("waiting_approval", "agent")
        assert [s["action"] for s in run["stepResults"]] == ["create_campaign_draft", "create_reorder_list",
                                                              "suggest_price_adjustment"]
        with Session(runtime.engine) as session:
            drafts = Counter(d.kind for d in session.exec(select(Draft)))
            approvals = session.exec(select(Approval).where(Approval.execution_id == run_id)).all()
            actions = Counter((a.type, a.status) for a in session.exec(select(CompetitiveAction)))
        assert drafts == Counter(campaign=1, reorder_list=1)
        assert [(a.kind, a.status, a.data["product"]) for a in approvals] == [("price_change", "pending", "Sour Diesel 3.5g")]
        assert actions[("counter_campaign", "done")] == 1 and actions[("counter_campaign", "pending")] == 1
        assert actions[("inventory_alert", "done")] == 1

        assert runtime.tick() == []  # the same beat: not due again, nothing started
        assert len(follow_ups(runtime.engine)) == 1


async def test_no_waiting_work_no_playbook_and_a_paused_follow_up_stays_quiet(settings):
    async with running(settings) as runtime:
        assert runtime.tick() == [] and follow_ups(runtime.engine) == []
        with Session(runtime.engine) as session:
            assert session.exec(select(Playbook).where(Playbook.name == NAME)).first() is None
    later = Clock(timedelta(hours=2))
    async with running(settings, clock=later) as runtime:
        add_action(runtime.engine, "counter_campaign", "critical", competitor="C", category="Edibles")
        [first] = runtime.tick()
        await runtime.dispatcher.drain()
        pb = runtime.playbooks.get("demo", get_execution(runtime.engine, "demo", first)["playbookId"])
        runtime.playbooks.set_status("demo", pb.id, "paused")
    muted = Clock(timedelta(hours=4))
    async with running(settings, clock=muted) as runtime:
        add_action(runtime.engine, "counter_campaign", "critical", competitor="D", category="Edibles")
        assert runtime.tick() == []  # the owner paused it: the action waits for them
        assert len(follow_ups(runtime.engine)) == 1
