"""The demo world: the headline request typed into a fresh demo ends in a price alert naming real undercuts."""
from __future__ import annotations

from email import message_from_bytes

import httpx

from scheduler.demo.sites import demo_origin, seed_demo_competitors
from tests.api.test_e2e_chat import chat
from tests.cli.test_cli import run as cli
from tests.conftest import auth, execution, wait_for
from tests.fakes.smtp import mail_text

REQUEST = ("I want to track our top 3 competitors' prices every morning and get an email if they undercut us by "
           "more than 10%")


def _run(server, token, playbook_id: str) -> dict:
    r = httpx.post(f"{server.url}/api/playbooks/{playbook_id}/execute", json={"triggeredBy": "manual"}, headers=auth(token))
    assert r.status_code == 202, r.text
    done = wait_for(lambda: (e := execution(server, r.json()["executionId"]))["status"] in ("completed", "failed") and e)
    assert done["status"] == "completed", done
    return done


def test_the_chat_request_on_a_fresh_demo_ends_in_a_price_alert(server, user_token, settings):
    assert settings.allow_loopback_fetch is False  # only the bundled demo pages may be fetched from loopback
    assert seed_demo_competitors(server.runtime.engine, server.url) == 4  # as `serve` does at start
    listed = httpx.get(f"{server.url}/api/competitors", headers=auth(user_token)).json()["items"]
    assert [c["name"] for c in listed] == ["Higher Level Syracuse", "Budget Buds", "Green Leaf Collective", "Canal Street Cannabis"]
    assert len(httpx.get(f"{server.url}/api/products", headers=auth(user_token)).json()["items"]) == 41
    _, parts, _ = chat(server, user_token, REQUEST)
    playbook = next(p for p in parts if p["type"] == "data-playbook")["data"]
    assert [s["action"] for s in playbook["steps"]] == ["scan_competitors", "analyze_pricing", "send_email"]
    done = _run(server, user_token, playbook["id"])
    scan = done["stepResults"][0]["output"]
    assert [c["name"] for c in scan["competitors"]] == ["Higher Level Syracuse", "Budget Buds", "Green Leaf Collective"]
    assert all(c["error"] is None and c["products"] for c in scan["competitors"])
    [mail] = [message_from_bytes(p.read_bytes()) for p in settings.outbox.glob("*.eml")]
    assert mail["To"] == "owner@example.com" and mail["Subject"] == "Competitor Price Alert"
    body = mail_text(mail)
    assert body.splitlines()[0] == "Budget Buds sells Sour Diesel Pre-Roll 1g for 25% less than you ($9.00 vs $12.00)"
    assert "Higher Level Syracuse sells Blue Dream 3.5g for 15% less than you ($34.00 vs $40.00)" in body


def test_a_user_cannot_add_a_loopback_competitor_even_beside_the_demo_ones(server, user_token):
    seed_demo_competitors(server.runtime.engine, server.url)
    r = httpx.post(f"{server.url}/api/competitors", json={"name": "Sneaky", "url": f"{server.url}/demo/sites/budget-buds"},
                   headers=auth(user_token))
    assert r.status_code == 422 and "loopback" in r.json()["detail"]


def test_next_day_switches_the_pages_and_the_scan_finds_the_changes(server, user_token, settings):
    seed_demo_competitors(server.runtime.engine, server.url)
    spec = {"name": "Watch", "agent": "ezal", "triggers": [{"type": "manual"}],
            "steps": [{"action": "scan_competitors"}, {"action": "detect_price_changes"}, {"action": "track_new_products"}]}
    playbook = httpx.post(f"{server.url}/api/playbooks", json=spec, headers=auth(user_token)).json()
    first = _run(server, user_token, playbook["id"])
    assert first["stepResults"][1]["output"]["change_count"] == 0
    assert httpx.get(f"{server.url}/demo/sites/canal-street").text.count("$39.00") == 1
    switched = cli("demo", "next-day", home=settings.home)
    assert switched.returncode == 0, switched.stderr
    assert "$39.00" not in httpx.get(f"{server.url}/demo/sites/canal-street").text
    assert httpx.get(f"{server.url}/demo/sites/..%2Fseed.py").status_code == 404
    second = _run(server, user_token, playbook["id"])
    changes = second["stepResults"][1]["output"]
    assert changes["change_count"] == 9 and changes["max_change_pct"] == 12.0
    menus = second["stepResults"][2]["output"]
    assert (menus["new_count"], menus["removed_count"]) == (4, 4)
    assert {"competitor": "Canal Street Cannabis", "product": "Mango Chews", "price": 18.0} in menus["new_products"]


def test_each_serve_start_points_the_demo_competitors_at_its_own_address(server, user_token):
    assert demo_origin("0.0.0.0", 8000) == demo_origin("::", 8000) == demo_origin("localhost", 8000) == "http://127.0.0.1:8000"
    assert demo_origin("::1", 9000) == "http://[::1]:9000"
    assert seed_demo_competitors(server.runtime.engine, "http://127.0.0.1:8000") == 4
    assert seed_demo_competitors(server.runtime.engine, "http://127.0.0.1:9000") == 4
    urls = [c["url"] for c in httpx.get(f"{server.url}/api/competitors", headers=auth(user_token)).json()["items"]]
    assert urls == [f"http://127.0.0.1:9000/demo/sites/{slug}" for slug in ("higher-level", "budget-buds", "green-leaf", "canal-street")]
