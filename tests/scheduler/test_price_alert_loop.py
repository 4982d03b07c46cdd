"""The headline request, for a shop of one's own: planned, saved, run for real, ending in an email naming real undercuts."""
from __future__ import annotations

import email
from email.message import Message

from agents.planner import plan
from scheduler.runs.history import get_execution
from scheduler.store.repositories.organizations import OrganizationRepository
from tests.conftest import run_now, running
from tests.scheduler.test_competitor_scan import add, page, run_steps

REQUEST = ("I want to track our top 3 competitors' prices every morning and get an email if they undercut us by "
           "more than 10%")


async def shop(runtime):
    """A shop of one's own, "acme", with the fixture catalogue imported; answers the import's result."""
    await OrganizationRepository(runtime.engine).create("acme", "Acme Cannabis", "America/New_York", "owner@acme.example")
    return await runtime.executor.store.products.import_csv("acme", page("our-products.csv"))


def mails(settings) -> list[Message]:
    """The messages in the outbox."""
    return [email.message_from_bytes(p.read_bytes()) for p in sorted(settings.outbox.glob("*.eml"))]


def body(message: Message) -> str:
    """A message's text."""
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")


async def test_the_planned_price_alert_emails_the_undercuts_most_severe_first(loopback, site):
    for file in ("higher-level.html", "budget-buds.html", "green-leaf.html", "canal-street.html"):
        site.page(f"/{file}", page(file))
    async with running(loopback, demo=False) as runtime:
        imported = await shop(runtime)
        assert (imported.added, imported.updated) == (41, 0)
        for name, file in (("Higher Level Syracuse", "higher-level.html"), ("Budget Buds", "budget-buds.html"),
                           ("Green Leaf", "green-leaf.html"), ("Canal Street", "canal-street.html")):
            await add(runtime, name, f"{site.url}/{file}", org="acme")
        spec = plan(REQUEST, "America/New_York")["playbook"]
        assert [s["action"] for s in spec["steps"]] == ["scan_competitors", "analyze_pricing", "send_email"]
        playbook = runtime.playbooks.create("acme", spec)
        run_id = await run_now(runtime, playbook, "morning")
        run = get_execution(runtime.engine, "acme", run_id)
    assert run["status"] == "completed", run
    scan, pricing, sent = (r["output"] for r in run["stepResults"])
    # "top 3": the first three competitors added.
    assert [c["name"] for c in scan["competitors"]] == ["Higher Level Syracuse", "Budget Buds", "Green Leaf"]
    assert pricing["price_gap"] == 25.0
    assert pricing["undercuts"][0] == {
        "product": "Sour Diesel Pre-Roll 1g", "our_price": 12.0, "competitor": "Budget Buds",
        "competitor_product": "SOUR DIESEL PRE-ROLL 1G", "competitor_price": 9.0, "gap": 25.0}
    gaps = [u["gap"] for u in pricing["undercuts"]]
    assert gaps == sorted(gaps, reverse=True) and all(g > 0 for g in gaps)
    assert sent["to"] == ["owner@acme.example"]
    [message] = mails(loopback)
    assert message["Subject"] == "Competitor Price Alert"
    lines = body(message).splitlines()
    assert lines[:4] == [
        "Budget Buds sells Sour Diesel Pre-Roll 1g for 25% less than you ($9.00 vs $12.00)",
        "Budget Buds sells Watermelon Gummies 100mg (10-pack) for 20% less than you ($16.00 vs $20.00)",
        "Budget Buds sells Gorilla Glue #4 28g for 18.2% less than you ($180.00 vs $220.00)",
        "Budget Buds sells Blue Dream Pre-Roll 1g for 16.7% less than you ($10.00 vs $12.00)",
    ]
    assert "Higher Level Syracuse sells Blue Dream 3.5g for 15% less than you ($34.00 vs $40.00)" in lines
    assert not any("Canal Street" in line for line in lines)  # not among the top 3
    # A wrong match is worse than none: their eighth is not our 7g, their 10mg bar not our 100mg one.
    assert not any(u["product"] == "Blue Dream 7g" and u["competitor_product"] == "BLUE DREAM (Eighth)" for u in pricing["undercuts"])


async def test_no_email_when_nobody_undercuts_by_more_than_the_threshold(loopback, site):
    site.page("/menu", "<ul>" + "".join(f"<li class='item'><span class='name'>{n}</span> <span class='price'>${p}</span></li>"
                                        for n, p in (("Blue Dream 3.5g", "39.00"), ("OG Kush 3.5g", "37.00"),
                                                     ("Kief 1g", "15.00"))) + "</ul>")
    async with running(loopback, demo=False) as runtime:
        await shop(runtime)
        await add(runtime, "Close Call", f"{site.url}/menu", org="acme")
        run = await run_steps(runtime, plan(REQUEST, "America/New_York")["playbook"]["steps"], "close", org="acme")
    assert run["status"] == "completed", run
    pricing = run["stepResults"][1]["output"]
    assert pricing["price_gap"] == 2.6  # OG Kush: $37 vs $38
    assert run["stepResults"][2]["status"] == "skipped"
    assert mails(loopback) == []


async def test_analyze_pricing_threshold_products_and_the_stored_snapshots(loopback, site):
    site.page("/buds", page("budget-buds.html"))
    async with running(loopback, demo=False) as runtime:
        await shop(runtime)
        await add(runtime, "Budget Buds", f"{site.url}/buds", org="acme")
        await run_steps(runtime, [{"action": "scan_competitors"}], "scan", org="acme")
        # A later playbook with no scan of its own reads the stored snapshots.
        run = await run_steps(runtime, [{"action": "analyze_pricing", "params": {"threshold": 16, "products": ["pre-roll"]}}],
                              "later", org="acme")
    out = run["stepResults"][0]["output"]
    assert [(u["product"], u["gap"]) for u in out["undercuts"]] == [("Sour Diesel Pre-Roll 1g", 25.0),
                                                                      ("Blue Dream Pre-Roll 1g", 16.7)]
    assert {c["product"] for c in out["comparisons"]} == {"Sour Diesel Pre-Roll 1g", "Blue Dream Pre-Roll 1g",
                                                          "Jack Herer Pre-Roll 5-Pack 0.5g"}
    assert out["summary"].splitlines()[-1] == "Compared 3 of your products with 1 competitor (3 matches)."


async def test_the_default_email_body_after_analyze_pricing_names_the_undercuts(loopback, site):
    site.page("/buds", page("budget-buds.html"))
    async with running(loopback, demo=False) as runtime:
        await shop(runtime)
        await add(runtime, "Budget Buds", f"{site.url}/buds", org="acme")
        run = await run_steps(runtime, [
            {"action": "scan_competitors"}, {"action": "analyze_pricing", "params": {"threshold": 15}},
            {"action": "send_email", "params": {"to": "{{user.email}}", "subject": "Price Alert!"},
             "condition": "{{analyze_pricing.price_gap}} > 10"}], "default-body", org="acme")
    assert run["status"] == "completed", run
    [message] = mails(loopback)
    lines = body(message).splitlines()
    assert lines[0].startswith("Scanned 1 competitor: 18 products read")
    assert lines[1:8] == [
        "Budget Buds sells Sour Diesel Pre-Roll 1g for 25% less than you ($9.00 vs $12.00)",
        "Budget Buds sells Watermelon Gummies 100mg (10-pack) for 20% less than you ($16.00 vs $20.00)",
        "Budget Buds sells Gorilla Glue #4 28g for 18.2% less than you ($180.00 vs $220.00)",
        "Budget Buds sells Blue Dream Pre-Roll 1g for 16.7% less than you ($10.00 vs $12.00)",
        "Budget Buds sells Dark Chocolate Bar 10mg for 16.7% less than you ($5.00 vs $6.00)",
        "Budget Buds sells House Shake 7g for 16.7% less than you ($25.00 vs $30.00)",
        "Budget Buds sells Sour Diesel Shatter 1g for 16.7% less than you ($25.00 vs $30.00)",
    ]
    assert lines[8] == "Budget Buds sells Blue Dream Cartridge 1g for 15.6% less than you ($38.00 vs $45.00)"
    assert lines[9] == "Compared 17 of your products with 1 competitor (17 matches)."
