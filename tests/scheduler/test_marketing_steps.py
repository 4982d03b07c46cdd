"""Craig's steps on the demo shop, on a real SQLite file: segments match the orders, drafts are checked, never sent."""
from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from scheduler.domain.clock import SYSTEM_CLOCK
from scheduler.runs.history import get_execution
from scheduler.runs.ledger import open_execution
from scheduler.runtime import Runtime
from scheduler.services.approvals import NotApprovable
from scheduler.store.action_tables import Approval, Draft
from scheduler.store.tables import Customer, Order, Product
from tests.conftest import run_now, running
from tests.fakes.writer import ScriptedWriter


async def run_steps(runtime, steps: list[dict], key: str = "t", event: dict | None = None) -> dict:
    """Run a manual playbook of these steps to its end (or its wait); the execution as the API shows it."""
    playbook = runtime.playbooks.create("demo", {"name": f"Marketing {key}", "agent": "craig",
                                                 "triggers": [{"type": "manual"}], "steps": steps})
    if event is None:
        run_id = await run_now(runtime, playbook, key)
    else:
        run_id = open_execution(runtime.engine, playbook, triggered_by="event", dedupe_key=f"event:{key}",
                                event=event).execution.id
        runtime.dispatcher.dispatch(run_id)
        await runtime.dispatcher.drain()
    return get_execution(runtime.engine, "demo", run_id)


def outputs(run: dict) -> list[dict]:
    assert run["status"] in ("completed", "waiting_approval"), run
    return [r["output"] for r in run["stepResults"]]


def last_orders(engine) -> tuple[dict[str, datetime], dict[str, list[Order]]]:
    """Each customer's last order and all their orders, read straight from the orders table."""
    with Session(engine) as session:
        orders = list(session.exec(select(Order).where(Order.org_id == "demo", Order.customer_id.is_not(None))))
    mine: dict[str, list[Order]] = defaultdict(list)
    for o in orders:
        mine[o.customer_id].append(o)
    return {cid: max(o.placed_at for o in os) for cid, os in mine.items()}, mine


def drafts(engine, kind: str) -> list[Draft]:
    with Session(engine) as session:
        return list(session.exec(select(Draft).where(Draft.kind == kind).order_by(Draft.created_at)))


async def lapsed_segment(settings):
    async with running(settings) as runtime:
        [out] = outputs(await run_steps(runtime, [{"action": "segment_customers",
                                                   "params": {"segment": "lapsed", "inactive_weeks": 4, "limit": 1000}}]))
        now = datetime.now(UTC)
        last, _ = last_orders(runtime.engine)
        expected = {cid for cid, at in last.items() if (now - at).days >= 28}
        assert out["inactive_days"] == 28 and "28 days" in out["criteria"]
        assert {c["id"] for c in out["customers"]} == expected and out["count"] == len(expected) > 10
        assert all(c["days_since_last_order"] >= 28 for c in out["customers"])
        spends = [c["spend"] for c in out["customers"]]
        assert spends == sorted(spends, reverse=True)  # biggest spenders first
        assert out["summary"].startswith(f"{len(expected)} customers in the lapsed segment")
        [report] = outputs(await run_steps(runtime, [{"action": "loyalty_report"}], key="report"))
        assert report["total_members"] == 150 and report["lapsed_members"] == sum(
            1 for at in last.values() if (now - at).days >= 45)


async def test_a_lapsed_segment_is_exactly_the_customers_the_orders_say(settings):
    await lapsed_segment(settings)


async def test_a_lapsed_segment_is_exactly_the_customers_the_orders_say_on_postgres(pg_settings):
    await lapsed_segment(pg_settings)


async def test_tier_frequency_spend_and_contact_filters(settings):
    async with running(settings) as runtime:
        vip, frequent, reachable = outputs(await run_steps(runtime, [
            {"action": "segment_customers", "params": {"segment": "vip", "limit": 1000}},
            {"action": "segment_customers", "params": {"segment": "frequent", "min_orders": 10, "window_days": 30}},
            {"action": "segment_customers", "params": {"segment": "loyalty", "min_spend": 500, "contactable": "sms",
                                                       "limit": 1000}},
        ]))
        with Session(runtime.engine) as session:
            customers = {c.id: c for c in session.exec(select(Customer).where(Customer.org_id == "demo"))}
        _, orders = last_orders(runtime.engine)
        since = datetime.now(UTC) - timedelta(days=30)
        assert {c["id"] for c in vip["customers"]} == {i for i, c in customers.items() if c.loyalty_tier in ("gold", "platinum")}
        busy = {cid for cid, os in orders.items() if sum(1 for o in os if o.placed_at >= since) >= 10}
        assert frequent["count"] == len(busy) > 0 and set(frequent["tiers"]) <= {"bronze", "silver", "gold", "platinum"}
        assert reachable["count"] > 0 and all(c["phone"] and c["spend"] >= 500 and c["tier"] != "bronze"
                                              for c in reachable["customers"])
        assert reachable["with_phone"] == reachable["count"]


async def test_a_win_back_uses_the_segment_of_its_run_and_drafts_a_checked_message(settings):
    async with running(settings) as runtime:
        segment, winback = outputs(await run_steps(runtime, [
            {"action": "segment_customers", "params": {"segment": "lapsed", "inactive_days": 30}},
            {"action": "customer_winback"},
        ]))
        last, orders = last_orders(runtime.engine)
        now = datetime.now(UTC)
        regulars = {cid for cid, at in last.items() if (now - at).days >= 30 and len(orders[cid]) >= 2}
        assert segment["inactive_days"] == 30 and "30+ days" in winback["summary"]  # the run's segment, not the default 45
        assert winback["count"] == len(regulars) > 0 and winback["reachable"] == len(regulars)  # all demo customers have email
        message = winback["message"]
        assert not message["flagged"] and "Keep out of reach of children." in message["text"]
        [draft] = drafts(runtime.engine, "winback")
        assert draft.id == message["draft_id"] and draft.body == message["text"]
        assert draft.data["status"] == "draft" and draft.data["compliance"]["passed"] is True
        assert set(draft.data["audience"]["customer_ids"]) == regulars


async def test_a_win_back_offering_free_product_is_stored_flagged_with_the_phrase(settings):
    async with running(settings) as runtime:
        [winback] = outputs(await run_steps(runtime, [
            {"action": "customer_winback", "params": {"inactive_days": 20, "offer": "Come back for a free pre-roll"}}]))
        assert winback["message"]["flagged"] is True
        assert [f["phrase"] for f in winback["message"]["findings"]] == ["free pre-roll"]
        [draft] = drafts(runtime.engine, "winback")
        assert draft.data["status"] == "flagged" and draft.data["compliance"]["findings"][0]["phrase"] == "free pre-roll"
        assert "Compliance check failed" in winback["summary"]


async def test_the_loyalty_report_adds_up_to_the_orders(settings):
    async with running(settings) as runtime:
        [report] = outputs(await run_steps(runtime, [{"action": "loyalty_report", "params": {"window_days": 30}}]))
        with Session(runtime.engine) as session:
            tiers = [c.loyalty_tier for c in session.exec(select(Customer).where(Customer.org_id == "demo"))]
        _, orders = last_orders(runtime.engine)
        since = datetime.now(UTC) - timedelta(days=30)
        spend = round(sum(o.total for os in orders.values() for o in os if o.placed_at >= since), 2)
        assert report["total_members"] == len(tiers) == 150
        assert {r["tier"]: r["members"] for r in report["tiers"]} == {t: tiers.count(t) for t in set(tiers)} | {
            t: 0 for t in ("bronze", "silver", "gold", "platinum") if t not in tiers}
        assert report["spend"] == pytest.approx(spend)
        assert report["active_members"] == sum(1 for os in orders.values() if any(o.placed_at >= since for o in os))
        assert [r["tier"] for r in report["tiers"]] == ["platinum", "gold", "silver", "bronze"]
        assert report["top_members"][0]["spend"] == max(round(sum(o.total for o in os if o.placed_at >= since), 2)
                                                        for os in orders.values())
        assert report["text"].startswith("Loyalty programme, last 30 days: 150 members") and "<table>" in report["html"]


async def test_social_posts_feature_products_in_stock_and_are_stored_as_checked_drafts(settings):
    async with running(settings) as runtime:
        [social] = outputs(await run_steps(runtime, [
            {"action": "generate_social_post", "params": {"count": 3, "topic": "new edibles", "platform": "x"}}]))
        with Session(runtime.engine) as session:
            edibles = {p.name for p in session.exec(select(Product).where(Product.category == "Edibles", Product.quantity > 0))}
        assert social["count"] == 3 and social["flagged_count"] == 0
        assert social["products"] and set(social["products"]) <= edibles
        assert all(any(name in post["text"] for name in edibles) for post in social["posts"])
        assert all("21 and older" in post["text"] for post in social["posts"])
        stored = drafts(runtime.engine, "social_post")
        assert [d.id for d in stored] == [p["draft_id"] for p in social["posts"]]
        assert all(d.data["status"] == "draft" and d.data["platform"] == "x" for d in stored)


async def test_a_review_reply_never_echoes_the_review_and_reads_an_events_review(settings):
    async with running(settings) as runtime:
        [happy] = outputs(await run_steps(runtime, [{"action": "reply_to_review", "params": {
            "review_text": "This indica cured my insomnia, best shop ever", "rating": 5, "reviewer_name": "Dana K."}}]))
        assert happy["sentiment"] == "positive" and happy["reply"]["text"].startswith("Thank you, Dana!")
        assert "insomnia" not in happy["content"] and not happy["reply"]["flagged"]
        review = {"id": "evt_1", "name": "review.created",
                  "data": {"text": "Waited forty minutes and the staff were rude", "author": "Lee"}}
        [sad] = outputs(await run_steps(runtime, [{"action": "reply_to_review"}], key="event", event=review))
        assert sad["sentiment"] == "negative" and sad["rating"] is None
        assert sad["content"].startswith("Lee, we're sorry")
        stored = drafts(runtime.engine, "review_reply")
        assert [d.data["sentiment"] for d in stored] == ["positive", "negative"]
        assert stored[1].data["review"] == review["data"]["text"]


async def test_a_campaign_for_a_segment_waits_for_approval_and_a_flagged_one_is_never_put_to_it(settings):
    async with running(settings) as runtime:
        run = await run_steps(runtime, [
            {"action": "segment_customers", "params": {"segment": "vip"}},
            {"action": "create_campaign_draft", "params": {"brief": "Our new gummies cure insomnia", "require_approval": True}},
            {"action": "create_campaign_draft", "params": {"brief": "A weekend deal on pre-rolls", "require_approval": True}},
        ])
        assert run["status"] == "waiting_approval"  # the second draft passed and waits; the first never asked
        segment, flagged, good = outputs(run)[:3]
        assert flagged["flagged_count"] == 1 and flagged["drafts"][0]["approval_id"] is None
        assert [f["phrase"] for f in flagged["drafts"][0]["findings"]] == ["cure insomnia"]
        assert flagged["audience"] == {"segment": "vip", "criteria": segment["criteria"], "count": segment["count"]}
        assert "Stored flagged" in flagged["content"]
        approval_id = good["drafts"][0]["approval_id"]
        with Session(runtime.engine) as session:
            assert [a.id for a in session.exec(select(Approval))] == [approval_id]
        [bad_draft, good_draft] = drafts(runtime.engine, "campaign")
        assert bad_draft.data["status"] == "flagged" and good_draft.data["status"] == "pending_approval"
        runtime.approvals.decide("demo", approval_id, "approve")
        with Session(runtime.engine) as session:
            assert session.get(Draft, good_draft.id).data["status"] == "approved"


async def test_approving_a_campaign_draft_that_fails_the_check_is_refused(settings):
    async with running(settings) as runtime:
        run = await run_steps(runtime, [{"action": "create_campaign_draft",
                                         "params": {"brief": "Pre-rolls for the weekend", "require_approval": True}}])
        approval_id = outputs(run)[0]["drafts"][0]["approval_id"]
        [draft] = drafts(runtime.engine, "campaign")
        with Session(runtime.engine) as session:  # edited after it was drafted: now it makes a health claim
            row = session.get(Draft, draft.id)
            row.body += " Relieves anxiety."
            session.add(row)
            session.commit()
        with pytest.raises(NotApprovable, match='health_claim: "Relieves anxiety"'):
            runtime.approvals.decide("demo", approval_id, "approve")
        with Session(runtime.engine) as session:
            assert session.get(Approval, approval_id).status == "pending"  # refused, not decided
        runtime.approvals.decide("demo", approval_id, "reject")
        with Session(runtime.engine) as session:
            assert session.get(Draft, draft.id).data["status"] == "rejected"


async def test_text_from_a_model_writer_is_checked_like_template_text(settings):
    writer = ScriptedWriter("Gummies the kids will love! They cure anxiety too.", "Pre-rolls for the weekend.")
    runtime = Runtime.build(settings, clock=SYSTEM_CLOCK, demo=True, writer=writer)
    await runtime.start()
    try:
        run = await run_steps(runtime, [
            {"action": "create_campaign_draft", "params": {"brief": "Weekend gummies", "segment": "loyalty"}},
            {"action": "generate_social_post", "params": {"count": 1}},
        ])
    finally:
        await runtime.stop()
    campaign, social = outputs(run)
    assert {f["category"] for f in campaign["drafts"][0]["findings"]} == {"appeals_to_minors", "health_claim"}
    assert not social["posts"][0]["flagged"] and social["posts"][0]["text"].startswith("Pre-rolls for the weekend.")
    assert [r.kind for r in writer.requests] == ["campaign", "social_post"]
    assert writer.requests[0].template.startswith("Weekend gummies") and "loyalty" in writer.requests[0].instructions
    assert campaign["tokens"] == 120 and run["cost"]["tokens"] == 240
    [draft] = [d for d in drafts(runtime.engine, "campaign")]
    assert draft.data["source"] == "fake-model" and draft.data["status"] == "flagged"
