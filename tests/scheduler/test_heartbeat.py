"""The heartbeat: each organisation on its own interval; each check ok or an alert with a message and a priority."""
from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from scheduler.domain.clock import Clock
from scheduler.services.heartbeat import HeartbeatService
from scheduler.store.action_tables import HeartbeatCheck
from scheduler.store.tables import Organization, Product
from tests.conftest import run_now, running
from tests.scheduler.test_approvals import add_action


def by_name(checks) -> dict:
    return {c.name: c for c in checks}


async def test_all_clear_then_each_alert(settings):
    async with running(settings) as runtime:
        with Session(runtime.engine) as session:
            for p in session.exec(select(Product).where(Product.quantity <= 0)):
                p.quantity = 5
                session.add(p)
            session.commit()
        checks = by_name(runtime.heartbeat.beat("demo"))
        assert {c.status for c in checks.values()} == {"ok"}, checks

        add_action(runtime.engine, "counter_campaign", "critical", category="Edibles")
        add_action(runtime.engine, "price_adjustment", "high", product="x")  # not critical: no alert
        with Session(runtime.engine) as session:
            gone = session.exec(select(Product).where(Product.name == "Blue Dream 3.5g")).one()
            gone.quantity = 0
            session.add(gone)
            session.commit()
        broken = runtime.playbooks.create("demo", {
            "name": "Broken report", "agent": "pops", "triggers": [{"type": "manual"}],
            "steps": [{"action": "fetch_url", "params": {"url": "http://10.0.0.1/menu"}}]})
        await run_now(runtime, broken, "broken")
        checks = by_name(runtime.heartbeat.beat("demo"))
        assert checks["competitive_threats"].status == "alert" and checks["competitive_threats"].priority == "high"
        assert checks["competitive_threats"].message.startswith("1 critical competitive threat requires attention: act on it")
        assert checks["stock_outs"].message == "1 product out of stock: Blue Dream 3.5g."
        assert checks["failing_playbooks"].status == "alert" and "Broken report" in checks["failing_playbooks"].message
        _, latest = runtime.heartbeat.latest("demo")
        assert [c.name for c in latest] == ["competitive_threats", "stock_outs", "failing_playbooks"]
        assert [c.status for c in latest] == ["alert", "alert", "alert"]


async def test_each_organisation_beats_on_its_own_interval(settings):
    async with running(settings) as runtime:
        with Session(runtime.engine) as session:
            session.add(Organization(id="other", name="Other Shop", timezone="UTC"))
            session.commit()
        now = HeartbeatService(runtime.engine, Clock(), interval_seconds=3600)
        assert now.due() == ["demo", "other"]
        assert now.beat_due() == ["demo", "other"]
        assert now.due() == [] and now.beat_due() == []
        assert HeartbeatService(runtime.engine, Clock(timedelta(minutes=59)), 3600).due() == []
        later = HeartbeatService(runtime.engine, Clock(timedelta(minutes=61)), 3600)
        later.beat("other")
        assert later.due() == ["demo"]
        with Session(runtime.engine) as session:
            assert len(session.exec(select(HeartbeatCheck).where(HeartbeatCheck.org_id == "other")).all()) == 6


async def test_the_runtime_tick_beats_and_applies_timeouts(settings):
    async with running(settings) as runtime:
        runtime.tick()
        assert runtime.heartbeat.latest("demo") is not None
        assert runtime.heartbeat.due() == []


async def test_heartbeats_older_than_a_week_are_pruned(settings):
    async with running(settings) as runtime:
        HeartbeatService(runtime.engine, Clock(), 3600).beat("demo")
        week_later = HeartbeatService(runtime.engine, Clock(timedelta(days=7, minutes=1)), 3600)
        assert week_later.beat_due() == ["demo"]
        with Session(runtime.engine) as session:
            assert len(session.exec(select(HeartbeatCheck)).all()) == 3  # only the new beat's checks
