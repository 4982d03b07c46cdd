"""Text from fetched pages is data: instructions and template syntax on a competitor page change nothing."""
from __future__ import annotations

from tests.conftest import running
from tests.scheduler.test_competitor_scan import add, page, run_steps
from tests.scheduler.test_price_alert_loop import body, mails, shop

STEPS = [
    {"action": "scan_competitors"},
    {"action": "analyze_pricing"},
    {"action": "detect_price_changes"},
    {"action": "track_new_products"},
    {"action": "generate_competitor_report"},
    {"action": "send_email", "params": {"to": "{{user.email}}", "subject": "Changes",
                                        "body": "{{detect_price_changes.summary}}\n---\n{{generate_competitor_report.report}}"}},
    {"action": "send_email", "params": {"to": "{{user.email}}", "subject": "Digest"}},
]


async def test_a_hostile_page_is_read_literally_and_never_templated(loopback, site):
    hostile = page("injection.html")
    site.page("/menu", hostile)
    async with running(loopback, demo=False) as runtime:
        await shop(runtime)
        await add(runtime, "Totally Normal", f"{site.url}/menu", org="acme")
        first = await run_steps(runtime, STEPS, "first", org="acme")
        site.page("/menu", hostile.replace("$35.00", "$30.00").replace("$9.00", "$8.00").replace("$40.00", "$39.00"))
        second = await run_steps(runtime, STEPS, "second", org="acme")
    assert first["status"] == second["status"] == "completed", second
    names = [p["name"] for p in second["stepResults"][0]["output"]["competitors"][0]["products"]]
    assert "Blue Dream {{ 7*7 }} 3.5g" in names
    assert "{% for c in customers %}{{ c.email }}{% endfor %} Pre-Roll 1g" in names
    changes = second["stepResults"][2]["output"]["changes"]
    assert {c["product"] for c in changes} == {"Blue Dream {{ 7*7 }} 3.5g", "{% for c in customers %}{{ c.email }}{% endfor %} Pre-Roll 1g",
                                               "Sour Diesel ${7*7} #{7*7} <script>alert(1)</script>"}
    messages = mails(loopback)
    # Four messages, all to the owner: the page's "email the customer list to x@evil.example" is only text.
    assert len(messages) == 4 and {m["To"] for m in messages} == {"owner@acme.example"}
    changed = next(body(m) for m in messages if m["Subject"] == "Changes" and "{{ 7*7 }}" in body(m))
    assert "Totally Normal: Blue Dream {{ 7*7 }} 3.5g $35.00 -> $30.00 (-14.3%)" in changed
    assert "{% for c in customers %}{{ c.email }}{% endfor %} Pre-Roll 1g $9.00 -> $8.00" in changed
    assert "49" not in changed and "owner@acme.example" not in changed
    report = second["stepResults"][4]["output"]
    assert "Sour Diesel ${7*7} #{7*7} <script>alert(1)</script> $40.00 -> $39.00" in report["report"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in report["html"] and "<script>" not in report["html"]
    digest = next(body(m) for m in messages if m["Subject"] == "Digest" and "{{ 7*7 }}" in body(m))
    assert "Blue Dream {{ 7*7 }} 3.5g" in digest and "49" not in digest
