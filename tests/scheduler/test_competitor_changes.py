"""The day after: price changes, new and removed products, promotions and the report, from two scans of real sites."""
from __future__ import annotations

import pytest

from scheduler.runtime import Runtime
from tests.conftest import running
from tests.fakes.writer import ScriptedWriter
from tests.scheduler.test_competitor_scan import add, page, run_steps

SITES = {"Higher Level": "higher-level.html", "Budget Buds": "budget-buds.html", "Green Leaf": "green-leaf.html",
         "Canal Street": "canal-street.html"}
WATCH = [{"action": "scan_competitors"}, {"action": "detect_price_changes"}, {"action": "track_new_products"},
         {"action": "find_competitor_promotions"}, {"action": "generate_competitor_report"}]


def outputs(run: dict) -> dict[str, dict]:
    """Each step's output by its action."""
    assert run["status"] == "completed", run
    return {r["action"]: r["output"] for r in run["stepResults"]}


@pytest.fixture
async def two_days(loopback, site):
    """The watch playbook run on the day-1 pages, then on the day-2 pages: both runs' outputs."""
    for file in SITES.values():
        site.page(f"/{file}", page(file))
    async with running(loopback) as runtime:
        for name, file in SITES.items():
            await add(runtime, name, f"{site.url}/{file}")
        await runtime.executor.store.products.import_csv("demo", page("our-products.csv"))
        day1 = outputs(await run_steps(runtime, WATCH, "day1"))
        for file in SITES.values():
            site.page(f"/{file}", page(f"day2/{file}"))
        day2 = outputs(await run_steps(runtime, WATCH, "day2"))
        day3 = outputs(await run_steps(runtime, WATCH, "day3"))
    return day1, day2, day3


async def test_the_first_scan_is_a_baseline(two_days):
    day1, _, _ = two_days
    assert day1["detect_price_changes"]["changes"] == [] and day1["detect_price_changes"]["change_count"] == 0
    assert sorted(day1["detect_price_changes"]["baseline"]) == sorted(SITES)
    assert day1["track_new_products"]["new_products"] == [] and day1["track_new_products"]["new_count"] == 0
    assert "First scan of" in day1["track_new_products"]["summary"]


async def test_day_two_gives_the_price_changes_largest_first(two_days):
    _, day2, _ = two_days
    found = day2["detect_price_changes"]
    changes = {(c["competitor"], c["product"]): (c["old_price"], c["new_price"], c["change_percent"]) for c in found["changes"]}
    assert changes == {
        ("Budget Buds", "WEDDING CAKE (Eighth)"): (40.0, 36.0, -10.0),
        ("Budget Buds", "SOUR DIESEL SHATTER 1G"): (25.0, 22.0, -12.0),
        ("Canal Street", "Blue Dream"): (39.0, 35.0, -10.3),
        ("Canal Street", "OG Kush"): (35.0, 33.0, -5.7),
        ("Green Leaf", "Blue Dream Flower 3.5g"): (38.0, 36.0, -5.3),
        ("Green Leaf", "Northern Lights Flower Half Oz"): (110.0, 99.0, -10.0),
        ("Higher Level", "Blue Dream - 1/8 oz"): (34.0, 32.0, -5.9),
        ("Higher Level", "Sour Diesel - 1/8 oz"): (42.0, 38.0, -9.5),
        ("Higher Level", "Watermelon Gummies - 100mg (10pk)"): (18.0, 16.0, -11.1),
    }
    assert [c["change_percent"] for c in found["changes"]][:2] == [-12.0, -11.1]
    assert (found["change_count"], found["drop_count"], found["max_change_pct"]) == (9, 9, 12.0)
    assert found["summary"].splitlines()[0] == "Budget Buds: SOUR DIESEL SHATTER 1G $25.00 -> $22.00 (-12%)"


async def test_day_two_gives_new_and_removed_products(two_days):
    _, day2, _ = two_days
    found = day2["track_new_products"]
    assert {(p["competitor"], p["product"], p["price"]) for p in found["new_products"]} == {
        ("Budget Buds", "PEANUT BUTTER COOKIE 10MG", 5.0), ("Canal Street", "Mango Chews", 18.0),
        ("Green Leaf", "Blueberry Flower 3.5g", 35.0), ("Higher Level", "Granddaddy Purple - 1/8 oz", 35.0)}
    assert {(p["competitor"], p["product"]) for p in found["removed_products"]} == {
        ("Budget Buds", "SOUR DIESEL CART 0.5G"), ("Canal Street", "CBD Tincture"), ("Green Leaf", "CBD Relief Balm 500mg"),
        ("Higher Level", "Jack Herer - 1/8 oz")}
    assert (found["new_count"], found["removed_count"]) == (4, 4)
    assert "New at Budget Buds: PEANUT BUTTER COOKIE 10MG ($5.00)" in found["summary"]


async def test_day_two_gives_promotions_marking_the_new_ones(two_days):
    day1, day2, _ = two_days
    promos = {(p["competitor"], p["product"]): p for p in day2["find_competitor_promotions"]["promotions"]}
    cake = promos[("Budget Buds", "WEDDING CAKE (Eighth)")]
    assert (cake["price"], cake["regular_price"], cake["discount_percent"], cake["new"]) == (36.0, 40.0, 10.0, True)
    assert promos[("Budget Buds", "SOUR DIESEL PRE-ROLL 1G")]["new"] is False  # on sale both days
    assert day2["find_competitor_promotions"]["promotions"][0]["discount_percent"] == 25.0
    banners = {(b["competitor"], b["text"]): b["new"] for b in day2["find_competitor_promotions"]["banners"]}
    assert banners[("Budget Buds", "Flash sale: $4 off Wedding Cake eighths while supplies last")] is True
    assert banners[("Budget Buds", "BOGO pre-rolls every Friday!")] is False
    day1_count = day1["find_competitor_promotions"]["promo_count"]
    assert day1_count == len(day1["find_competitor_promotions"]["promotions"]) + len(day1["find_competitor_promotions"]["banners"])


async def test_a_third_identical_scan_reports_nothing_new(two_days):
    _, _, day3 = two_days
    assert day3["scan_competitors"]["cache_hits"] == 4
    assert day3["detect_price_changes"]["changes"] == [] and day3["track_new_products"]["new_products"] == []
    assert "No competitor price changed since the last scan (4 compared)." in day3["detect_price_changes"]["summary"]


async def test_the_report_reads_prices_gaps_changes_and_promotions(two_days):
    _, day2, _ = two_days
    report = day2["generate_competitor_report"]
    text = report["report"]
    assert text.startswith("Competitor report, ")
    for needle in ("Budget Buds: 18 products, $5.00 to $180.00",
                   "Budget Buds sells Sour Diesel Pre-Roll 1g for 25% less than you ($9.00 vs $12.00)",
                   "Budget Buds: SOUR DIESEL SHATTER 1G $25.00 -> $22.00 (-12%)",
                   "New at Canal Street: Mango Chews ($18.00)", "Gone from Higher Level: Jack Herer - 1/8 oz",
                   "Budget Buds: WEDDING CAKE (Eighth) $36.00, was $40.00 (10% off) (new)"):
        assert needle in text, needle
    assert report["summary"] == text
    assert "<h2>Where they are cheaper than you</h2>" in report["html"] and "$9.00 vs $12.00" in report["html"]


async def test_the_shop_and_its_snapshots_work_on_postgresql(pg_settings, site):
    settings = pg_settings.model_copy(update={"allow_loopback_fetch": True})
    site.page("/buds", page("budget-buds.html"))
    async with running(settings) as runtime:
        imported = await runtime.executor.store.products.import_csv("demo", page("our-products.csv"))
        assert (imported.added, imported.updated) == (0, 41)  # the demo shop's catalogue is the same file
        await add(runtime, "Budget Buds", f"{site.url}/buds")
        await run_steps(runtime, WATCH, "pg-day1")
        site.page("/buds", page("day2/budget-buds.html"))
        day2 = outputs(await run_steps(runtime, [*WATCH, {"action": "analyze_pricing"}], "pg-day2"))
    assert day2["detect_price_changes"]["change_count"] == 2
    assert (day2["track_new_products"]["new_count"], day2["track_new_products"]["removed_count"]) == (1, 1)
    assert day2["analyze_pricing"]["price_gap"] == 26.7  # their shatter dropped to $22: ours is $30


async def test_with_a_model_the_report_is_its_text_from_the_facts_and_the_html_stays_escaped(loopback, site):
    site.page("/buds", page("budget-buds.html"))
    writer = ScriptedWriter("Budget Buds undercuts your pre-rolls by 25%. <script>alert(1)</script>")
    runtime = Runtime.build(loopback, demo=True, writer=writer)
    await runtime.start()
    try:
        await add(runtime, "Budget Buds", f"{site.url}/buds")
        run = await run_steps(runtime, [{"action": "scan_competitors"}, {"action": "generate_competitor_report"}], "model")
    finally:
        await runtime.stop()
    report = outputs(run)["generate_competitor_report"]
    assert (report["report"], report["written_by"]) == (writer.texts[0], "fake-model")
    [asked] = writer.requests
    assert (asked.kind, asked.persona) == ("competitor_report", "ezal")
    assert "Budget Buds sells Sour Diesel Pre-Roll 1g for 25% less than you ($9.00 vs $12.00)" in asked.template
    assert "<script>" not in report["html"] and "$9.00 vs $12.00" in report["html"]  # the sections, never the model's markup
    assert run["cost"]["tokens"] == 120
