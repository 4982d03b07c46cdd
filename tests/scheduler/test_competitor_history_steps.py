"""competitor_price_history and assortment_gaps over competitor snapshots stored in a real SQLite file."""
from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise

from sqlmodel import Session

from scheduler.pricing import profile
from scheduler.store.tables import Competitor, CompetitorSnapshot
from tests.conftest import running
from tests.scheduler.test_margins_and_stock_steps import NOW, catalogue, clock, run_steps

# Three scans of two competitors: (competitor, day) -> [(name, price, size)].
SCANS = {
    ("Budget Buds", 1): [("Blue Dream", 36.0, "1/8 oz"), ("Blue Dream", 68.0, "1/4 oz"), ("Sleepy Capsules 10 x 5mg", 25.0, None)],
    ("Budget Buds", 2): [("Blue Dream", 34.0, "1/8 oz"), ("Blue Dream", 66.0, "1/4 oz"), ("Sleepy Capsules 10 x 5mg", 25.0, None)],
    ("Budget Buds", 3): [("Blue Dream", 34.0, "1/8 oz"), ("Blue Dream", 66.0, "1/4 oz"), ("Sleepy Capsules 10 x 5mg", 22.0, None)],
    ("Green Leaf", 1): [("Blue Dream Flower 3.5g", 38.0, None), ("Sour Diesel 1oz", 210.0, None)],
    ("Green Leaf", 2): [("Blue Dream Flower 3.5g", 38.0, None), ("Sour Diesel 1oz", 200.0, None)],
    ("Green Leaf", 3): [("Blue Dream Flower 3.5g", 35.0, None), ("Sour Diesel 1oz", 200.0, None),
                        ("Night Caps 20mg Capsules", 30.0, None), ("Mango Gummies 200mg", 28.0, None)],
}


def taken(day: int) -> datetime:
    """When scan `day` was taken: day 3 is yesterday, an hour after this time of day."""
    return NOW - timedelta(days=4 - day) + timedelta(hours=1)


def store_scans(engine) -> None:
    with Session(engine) as session:
        ids = {}
        for name in ("Budget Buds", "Green Leaf"):
            competitor = Competitor(org_id="demo", name=f"{name}", url=f"https://{name.replace(' ', '').lower()}.example/menu")
            session.add(competitor)
            session.flush()
            ids[name] = competitor.id
        for (name, day), rows in sorted(SCANS.items(), key=lambda kv: (kv[0][1], kv[0][0])):
            session.add(CompetitorSnapshot(
                org_id="demo", competitor_id=ids[name], execution_id=f"ex_scan{day}", content_hash=f"{name}{day}",
                products=[{"name": n, "price": p, "size": s} for n, p, s in rows], promotions=[],
                taken_at=taken(day)))
        session.commit()


def prices(competitor: str, name: str, size: str | None) -> list[float]:
    return [p for (c, _), rows in sorted(SCANS.items(), key=lambda kv: kv[0][1]) if c == competitor
            for n, p, s in rows if (n, s) == (name, size)]


async def test_competitor_price_history_follows_our_product_across_the_scans_and_theirs_by_name(store_settings):
    async with running(store_settings, clock=clock()) as runtime:
        store_scans(runtime.engine)
        ours, theirs, recent = await run_steps(runtime, [
            {"action": "competitor_price_history", "params": {"product": "Blue Dream 3.5g"}},
            {"action": "competitor_price_history", "params": {"product": "sour diesel 1OZ", "competitors": ["green leaf"]}},
            {"action": "competitor_price_history", "params": {"product": "FL-BD-35", "days": 2}},
        ])
        our_price = next(p.price for p in catalogue(runtime.engine) if p.name == "Blue Dream 3.5g")
    series = {(s["competitor"], s["product"]): [p["price"] for p in s["points"]] for s in ours["series"]}
    # The eighth matches ours (3.5 g); the quarter (7 g) does not.
    assert series == {("Budget Buds", "Blue Dream"): prices("Budget Buds", "Blue Dream", "1/8 oz"),
                      ("Green Leaf", "Blue Dream Flower 3.5g"): prices("Green Leaf", "Blue Dream Flower 3.5g", None)}
    moves = sum(sum(a != b for a, b in pairwise(ps)) for ps in series.values())
    assert ours["change_count"] == moves == 2 and ours["scans"] == 6 and ours["ours"] is True
    assert ours["our_price"] == our_price and ours["latest_min_price"] == min(ps[-1] for ps in series.values())
    assert ours["series"][0]["points"][0]["taken_at"] == taken(1).isoformat().replace("+00:00", "Z")
    assert "$36.00 -> $34.00 -> $34.00" in ours["summary"]
    assert theirs["ours"] is False and theirs["scans"] == 3
    assert [[p["price"] for p in s["points"]] for s in theirs["series"]] == [prices("Green Leaf", "Sour Diesel 1oz", None)]
    assert recent["product"] == "Blue Dream 3.5g" and recent["scans"] == 4  # the scans of the last two days only


async def test_competitor_price_history_without_scans_says_so(settings):
    async with running(settings, clock=clock()) as runtime:
        (none,) = await run_steps(runtime, [{"action": "competitor_price_history", "params": {"product": "Blue Dream 3.5g"}}])
    assert none["series"] == [] and none["scans"] == 0 and "no competitor scans stored" in none["summary"]


async def test_assortment_gaps_lists_forms_we_lack_and_sizes_of_forms_we_carry(store_settings):
    async with running(store_settings, clock=clock()) as runtime:
        store_scans(runtime.engine)
        gaps, forms_only = await run_steps(runtime, [
            {"action": "assortment_gaps", "params": {}},
            {"action": "assortment_gaps", "params": {"sizes": False}},
        ])
        products = catalogue(runtime.engine)
    our_forms = {profile(p.name, None, p.category).form for p in products} - {None}
    assert "capsule" not in our_forms and "flower" in our_forms  # what the demo catalogue carries, read here
    latest = [rows for (c, day), rows in SCANS.items() if day == 3]
    capsules = [(n, p) for rows in latest for n, p, s in rows if profile(n, s).form == "capsule"]
    by_key = {(g["kind"], g["form"], g["size"]): g for g in gaps["gaps"]}
    capsule = by_key[("form", "capsule", None)]
    assert capsule["competitors"] == ["Budget Buds", "Green Leaf"] and capsule["products"] == len(capsules) == 2
    assert (capsule["min_price"], capsule["max_price"]) == (min(p for _, p in capsules), max(p for _, p in capsules))
    assert gaps["gaps"][0] == capsule  # sold by both
    def amount(prof) -> str | None:
        return f"{max(prof.grams):g}g" if prof.grams else f"{max(prof.mg):g}mg" if prof.mg else None

    carried = {(prof.form, amount(prof)) for prof in (profile(p.name, None, p.category) for p in products)}
    expected_sizes = {("size", prof.form, amount(prof)) for rows in latest for prof in (profile(n, s) for n, _, s in rows)
                      if prof.form in our_forms and amount(prof) and (prof.form, amount(prof)) not in carried}
    assert {k for k in by_key if k[0] == "size"} == expected_sizes and ("size", "edible", "200mg") in expected_sizes
    assert gaps["our_forms"] == sorted(our_forms) and "capsule" in gaps["their_forms"] and gaps["menus"] == 2
    assert [g["kind"] for g in forms_only["gaps"]] == ["form"] and forms_only["gap_count"] == 1
    assert "capsule (no such products at all): 2 competitor(s)" in gaps["summary"]
