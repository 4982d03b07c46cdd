"""The headline, typed into a fresh server: the request becomes a playbook whose run emails the real undercuts above 10%.

Over real HTTP: chat, execute with the cron secret (as the README's quick start does), the
outbox; then `playbooks demo next-day` and a second run that finds the day-2 price drops.
"""
from __future__ import annotations

import csv
import re
from email import message_from_bytes
from pathlib import Path

import httpx

from scheduler.demo.seed import CATALOGUE
from scheduler.demo.sites import SITES, seed_demo_competitors
from tests.api.test_e2e_chat import chat, text_of
from tests.cli.test_cli import run as cli
from tests.conftest import CRON_SECRET, auth, execution, wait_for
from tests.fakes.smtp import mail_text

REQUEST = ("I want to track our top 3 competitors' prices every morning and get an email if they undercut us by "
           "more than 10%")
LINE = re.compile(r"^(?P<competitor>.+?) sells (?P<product>.+) for (?P<gap>[\d.]+)% less than you "
                  r"\(\$(?P<theirs>[\d,.]+) vs \$(?P<ours>[\d,.]+)\)$")
TOP_3 = [name for name, _ in SITES[:3]]


def _run_with_the_cron_secret(server, playbook_id: str) -> dict:
    """POST execute as the scheduler would (no body: the slot due now, else on demand) and wait for the run."""
    r = httpx.post(f"{server.url}/api/playbooks/{playbook_id}/execute", headers=auth(CRON_SECRET))
    assert r.status_code == 202, r.text
    done = wait_for(lambda: (e := execution(server, r.json()["executionId"]))["status"] in ("completed", "failed") and e)
    assert done["status"] == "completed", done
    return done


def _alert_lines(outbox: Path, seen: set[Path]) -> list[dict]:
    """The one new email in the outbox, checked as a price alert; its undercut lines parsed."""
    [new] = [p for p in outbox.glob("*.eml") if p not in seen]
    seen.add(new)
    mail = message_from_bytes(new.read_bytes())
    assert (mail["To"], mail["Subject"]) == ("owner@example.com", "Competitor Price Alert")
    *undercuts, compared = mail_text(mail).splitlines()
    assert compared.startswith("Compared ") and "with 3 competitors" in compared
    matches = [LINE.fullmatch(line) for line in undercuts]
    assert all(matches), undercuts  # an undercut a line, nothing else ("... and 26 smaller undercuts" is not one)
    return [m.groupdict() for m in matches if m]


def _check_real_undercuts(server, lines: list[dict]) -> None:
    """Each line: one of our products at our price, a top-3 competitor whose page shows that price, a gap above 10%."""
    ours = {row["name"]: float(row["price"]) for row in csv.DictReader(CATALOGUE.open(encoding="utf-8"))}
    pages = {name: httpx.get(f"{server.url}/demo/sites/{slug}").text for name, slug in SITES[:3]}
    gaps = [float(line["gap"]) for line in lines]
    assert gaps == sorted(gaps, reverse=True) and min(gaps) > 10  # most severe first, none at or below the threshold
    for line in lines:
        theirs, our_price = float(line["theirs"]), float(line["ours"])
        assert line["competitor"] in TOP_3 and ours[line["product"]] == our_price, line
        assert line["theirs"] in pages[line["competitor"]], line  # the price is on that competitor's page today
        assert round((our_price - theirs) / our_price * 100, 1) == float(line["gap"]), line


def test_the_headline_request_on_a_fresh_server_alerts_on_real_undercuts_and_sees_the_next_day(server, user_token, settings):
    seed_demo_competitors(server.runtime.engine, server.url)  # as `playbooks serve` does at start
    _, parts, done = chat(server, user_token, REQUEST)
    assert done and "Competitor Price Alert" in text_of(parts)
    playbook = next(p for p in parts if p["type"] == "data-playbook")["data"]
    assert playbook["triggers"] == [{"type": "schedule", "cron": "0 9 * * *", "timezone": "America/New_York"}]
    scan, analyze, email = playbook["steps"]
    assert (scan["action"], scan["params"]["limit"]) == ("scan_competitors", 3)
    assert (analyze["action"], analyze["params"]["threshold"]) == ("analyze_pricing", 10)
    assert (email["action"], email["condition"]) == ("send_email", "{{analyze_pricing.price_gap}} > 10")

    outbox, seen = settings.outbox, set()
    first = _run_with_the_cron_secret(server, playbook["id"])
    assert [c["name"] for c in first["stepResults"][0]["output"]["competitors"]] == TOP_3
    assert first["cost"] == {"pagesFetched": 3, "cacheHits": 0, "tokens": 0, "estimatedCostUsd": 0.0}
    day1 = _alert_lines(outbox, seen)
    _check_real_undercuts(server, day1)
    assert day1[0] == {"competitor": "Budget Buds", "product": "Sour Diesel Pre-Roll 1g", "gap": "25",
                       "theirs": "9.00", "ours": "12.00"}
    by_pair = {(d["competitor"], d["product"]): d["gap"] for d in day1}
    assert by_pair[("Higher Level Syracuse", "Blue Dream 3.5g")] == "15"
    assert ("Green Leaf Collective", "Granddaddy Purple 3.5g") not in by_pair  # exactly 10% is not more than 10%
    assert len(day1) == first["stepResults"][1]["output"]["undercut_count"]

    switched = cli("demo", "next-day", home=settings.home)
    assert switched.returncode == 0, switched.stderr
    second = _run_with_the_cron_secret(server, playbook["id"])
    assert second["id"] != first["id"]
    assert [c["unchanged"] for c in second["stepResults"][0]["output"]["competitors"]] == [False] * 3  # every page changed
    day2 = _alert_lines(outbox, seen)
    _check_real_undercuts(server, day2)
    moved = {(d["competitor"], d["product"]): d["gap"] for d in day2}
    # The day-2 drops: Higher Level's Blue Dream eighth $34 -> $32, Budget Buds' Wedding Cake eighth on sale at $36.
    assert moved[("Higher Level Syracuse", "Blue Dream 3.5g")] == "20"
    assert (by_pair[("Budget Buds", "Wedding Cake 3.5g")], moved[("Budget Buds", "Wedding Cake 3.5g")]) == ("11.1", "20")
    assert moved != by_pair
