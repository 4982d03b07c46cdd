"""scan_competitors over real loopback sites: every markup style, failing sites beside working ones, unchanged pages."""
from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, select

from scheduler.runs.history import get_execution
from scheduler.store.tables import CompetitorSnapshot
from tests.conftest import fixture_page, run_now, running

PAGES = Path(__file__).resolve().parent.parent / "fixtures" / "pages"
LAKESIDE_SELECTORS = {"item": ".tile", "name": ".tile-head", "price": ".amt", "regular_price": ".amt-old"}


def page(name: str) -> str:
    """A fixture page's HTML."""
    return fixture_page(name)


async def add(runtime, name: str, url: str, selectors: dict[str, str] | None = None, org: str = "demo") -> str:
    """Add a competitor; answers its id."""
    competitor = await runtime.executor.store.competitors.add(org, name, url, selectors, allow_loopback=True)
    return competitor.id


async def run_steps(runtime, steps: list[dict], key: str, org: str = "demo") -> dict:
    """Save a manual playbook of these steps, run it once through the executor, answer the execution."""
    playbook = runtime.playbooks.create(org, {"name": f"Scan {key}", "agent": "ezal", "triggers": [{"type": "manual"}],
                                              "steps": steps})
    run_id = await run_now(runtime, playbook, key)
    return get_execution(runtime.engine, org, run_id)


def entry(output: dict, name: str) -> dict:
    """One competitor's entry of a scan output."""
    return next(e for e in output["competitors"] if e["name"] == name)


def product(scan_entry: dict, name: str) -> dict:
    """One product of a competitor entry, by its name as the page writes it."""
    return next(p for p in scan_entry["products"] if p["name"] == name)


async def test_every_markup_style_is_read_with_no_configuration(loopback, site):
    for name in ("higher-level.html", "budget-buds.html", "green-leaf.html", "canal-street.html", "rdfa.html",
                 "plain-list.html", "graph-aggregate.html", "selectors-needed.html"):
        site.page(f"/{name}", page(name))
    async with running(loopback) as runtime:
        await add(runtime, "Higher Level", f"{site.url}/higher-level.html")  # JSON-LD ItemList
        await add(runtime, "Budget Buds", f"{site.url}/budget-buds.html")  # plain cards, struck sale prices
        await add(runtime, "Green Leaf", f"{site.url}/green-leaf.html")  # microdata
        await add(runtime, "Canal Street", f"{site.url}/canal-street.html")  # a table
        await add(runtime, "RDFa Shop", f"{site.url}/rdfa.html")
        await add(runtime, "Plain List", f"{site.url}/plain-list.html")
        await add(runtime, "Graph Shop", f"{site.url}/graph-aggregate.html")  # @graph, AggregateOffer
        await add(runtime, "Lakeside Leaf", f"{site.url}/selectors-needed.html", LAKESIDE_SELECTORS)
        run = await run_steps(runtime, [{"action": "scan_competitors"}], "styles")
    assert run["status"] == "completed", run
    out = run["stepResults"][0]["output"]
    counts = {e["name"]: len(e["products"]) for e in out["competitors"]}
    assert counts == {"Higher Level": 16, "Budget Buds": 18, "Green Leaf": 16, "Canal Street": 15, "RDFa Shop": 3,
                      "Plain List": 4, "Graph Shop": 8, "Lakeside Leaf": 3}
    assert all(e["error"] is None and e["unchanged"] is False for e in out["competitors"])
    assert (out["pages_fetched"], out["cache_hits"]) == (8, 0)
    assert product(entry(out, "Higher Level"), "Blue Dream - 1/8 oz") == {
        "name": "Blue Dream - 1/8 oz", "price": 34.0, "regular_price": None, "currency": "USD", "size": "1/8 oz"}
    sale = product(entry(out, "Budget Buds"), "SOUR DIESEL PRE-ROLL 1G")
    assert (sale["price"], sale["regular_price"]) == (9.0, 12.0)
    assert product(entry(out, "Green Leaf"), "Blue Dream Flower 3.5g")["price"] == 38.0
    bar = product(entry(out, "Canal Street"), "Dark Chocolate Bar")
    assert (bar["price"], bar["regular_price"], bar["size"]) == (21.0, 25.0, "100 mg")
    kush = product(entry(out, "Lakeside Leaf"), "OG Kush 3.5g")
    assert (kush["price"], kush["regular_price"]) == (34.0, 40.0)
    assert entry(out, "Budget Buds")["promotions"] == ["BOGO pre-rolls every Friday!", "20% off all edibles this weekend"]
    assert "Scanned 8 competitors: 83 products read, 8 pages fetched, 0 unchanged" in out["summary"]


async def test_a_failing_site_is_reported_in_its_entry_and_the_others_are_read(loopback, site):
    site.page("/menu", page("budget-buds.html"))
    site.page("/broken", "<h1>Internal error</h1>", status=500)
    site.page("/slow", "", stall=True)
    site.page("/huge", b"<html>" + b"x" * (6 * 1024 * 1024), content_type="text/html")
    site.page("/empty", page("no-products.html"))
    async with running(loopback) as runtime:
        await add(runtime, "Budget Buds", f"{site.url}/menu")
        await add(runtime, "Broken", f"{site.url}/broken")
        await add(runtime, "Slow", f"{site.url}/slow")
        await add(runtime, "Huge", f"{site.url}/huge")
        await add(runtime, "Empty", f"{site.url}/empty")
        await add(runtime, "Gone", f"{site.url}/nothing-here")
        # 3 s a site: the fixture server shares this process (and its GIL) with the 6 MB page it serves.
        run = await run_steps(runtime, [{"action": "scan_competitors", "params": {"timeout_seconds": 3}}], "failing")
        with Session(runtime.engine) as session:
            snapshotted = {s.competitor_id for s in session.exec(select(CompetitorSnapshot))}
    assert run["status"] == "completed", run
    out = run["stepResults"][0]["output"]
    assert len(entry(out, "Budget Buds")["products"]) == 18 and entry(out, "Budget Buds")["error"] is None
    errors = {e["name"]: e["error"] for e in out["competitors"] if e["error"]}
    assert errors["Broken"] == f"{site.url}/broken answered 500"
    assert errors["Slow"].startswith("timed out")
    assert "cap" in errors["Huge"]
    assert errors["Empty"].startswith("read no products")
    assert errors["Gone"] == f"{site.url}/nothing-here answered 404"
    assert all(entry(out, n)["products"] == [] for n in errors)
    assert snapshotted == {entry(out, "Budget Buds")["id"]}  # a site that failed leaves no snapshot to compare
    assert "Could not read Broken" in out["summary"]


async def test_when_every_site_fails_the_step_fails_naming_each(loopback, site):
    site.page("/broken", "oops", status=503)
    async with running(loopback) as runtime:
        await add(runtime, "Broken", f"{site.url}/broken")
        run = await run_steps(runtime, [{"action": "scan_competitors"}], "all-fail")
    assert run["status"] == "failed"
    assert "no competitor could be read: Broken:" in run["stepResults"][0]["error"]


async def test_an_unchanged_page_is_not_parsed_again(loopback, site):
    site.page("/menu", page("budget-buds.html"))
    site.page("/other", page("canal-street.html"))
    async with running(loopback) as runtime:
        buds = await add(runtime, "Budget Buds", f"{site.url}/menu")
        await add(runtime, "Canal Street", f"{site.url}/other")
        first = await run_steps(runtime, [{"action": "scan_competitors"}], "first")
        # Mark the stored reading: if the second scan parsed the page again, the mark would be gone.
        with Session(runtime.engine) as session:
            snap = session.exec(select(CompetitorSnapshot).where(CompetitorSnapshot.competitor_id == buds)).one()
            snap.products = [*snap.products, {"name": "Marker From The Snapshot", "price": 1.0}]
            session.add(snap)
            session.commit()
        site.page("/other", page("day2/canal-street.html"))
        second = await run_steps(runtime, [{"action": "scan_competitors"}], "second")
    out = second["stepResults"][0]["output"]
    assert first["stepResults"][0]["output"]["cache_hits"] == 0
    assert (out["pages_fetched"], out["cache_hits"]) == (2, 1)
    assert entry(out, "Budget Buds")["unchanged"] is True and entry(out, "Canal Street")["unchanged"] is False
    assert "Marker From The Snapshot" in [p["name"] for p in entry(out, "Budget Buds")["products"]]
    assert product(entry(out, "Canal Street"), "OG Kush")["price"] == 33.0  # the changed page was read afresh


async def test_named_competitors_limit_and_a_name_that_matches_none(loopback, site):
    for name in ("higher-level.html", "budget-buds.html", "green-leaf.html"):
        site.page(f"/{name}", page(name))
    async with running(loopback) as runtime:
        higher = await add(runtime, "Higher Level", f"{site.url}/higher-level.html")
        await add(runtime, "Budget Buds", f"{site.url}/budget-buds.html")
        await add(runtime, "Green Leaf", f"{site.url}/green-leaf.html")
        picked = await run_steps(runtime, [{"action": "scan_competitors", "params": {"competitors": ["budget buds", higher]}}], "picked")
        top = await run_steps(runtime, [{"action": "scan_competitors", "params": {"limit": 2}}], "top")
        unknown = await run_steps(runtime, [{"action": "scan_competitors", "params": {"competitors": ["Nobody"]}}], "unknown")
    assert [e["name"] for e in picked["stepResults"][0]["output"]["competitors"]] == ["Budget Buds", "Higher Level"]
    assert [e["name"] for e in top["stepResults"][0]["output"]["competitors"]] == ["Higher Level", "Budget Buds"]
    assert unknown["status"] == "failed" and "no competitor named 'Nobody'" in unknown["stepResults"][0]["error"]


async def test_old_snapshots_are_pruned(loopback, site):
    site.page("/menu", page("budget-buds.html"))
    async with running(loopback) as runtime:
        buds = await add(runtime, "Budget Buds", f"{site.url}/menu")
        await run_steps(runtime, [{"action": "scan_competitors"}], "old")
        with Session(runtime.engine) as session:
            snap = session.exec(select(CompetitorSnapshot)).one()
            snap.taken_at = snap.taken_at.replace(year=snap.taken_at.year - 1)
            session.add(snap)
            session.commit()
        run = await run_steps(runtime, [{"action": "scan_competitors"}], "new")
        with Session(runtime.engine) as session:
            left = session.exec(select(CompetitorSnapshot)).all()
    assert [s.execution_id for s in left] == [run["id"]] and left[0].competitor_id == buds
    # The old snapshot still answered "unchanged" before it was pruned.
    assert run["stepResults"][0]["output"]["cache_hits"] == 1
