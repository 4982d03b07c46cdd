"""The chat page in a real headless Chromium: sign in, a chat that makes a playbook, runs it, approves a suggestion.

Debian's `chromium` driven by Playwright (`executable_path`); the screenshots land in
`$PLAYBOOKS_SCREENSHOTS` (default `var/screenshots`) for a person to look at.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import httpx
import pytest

from scheduler.demo.sites import seed_demo_competitors
from tests.conftest import auth, execution, sales_report_spec, wait_for

REQUEST = "Each morning run competitive intelligence on our rivals and send price suggestions to me for approval"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SETTLED = ("waiting_approval", "completed", "failed")
SHOTS = Path(os.environ.get("PLAYBOOKS_SCREENSHOTS", "var/screenshots"))


@pytest.fixture
def page():
    """A fresh page in headless Chromium (required with CI=true, skipped elsewhere without it)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if CHROMIUM is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed (make test installs it with apt-get)")
        pytest.skip("chromium is not installed")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        context = browser.new_context(viewport={"width": 1280, "height": 860})
        yield context.new_page()
        browser.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_a_full_chat_makes_a_playbook_runs_it_and_approves_a_suggestion(server, user_token, page):
    seed_demo_competitors(server.runtime.engine, server.url)
    page.goto(server.url)
    page.locator("#signin-token").fill("not-a-token")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("That token was not accepted.").wait_for()
    page.locator("#signin-token").fill(user_token)
    page.get_by_role("button", name="Sign in").click()
    page.locator("#org-name").get_by_text("owner@example.com").wait_for()
    cookie = next(c for c in page.context.cookies() if c["name"] == "playbooks_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    shot(page, "1-signed-in")

    page.locator("#input").fill(REQUEST)
    page.get_by_role("button", name="Send").click()
    card = page.locator(".msg.assistant .pbcard").first
    card.wait_for()
    assert "scan competitors" in card.inner_text() and "suggest price adjustment" in card.inner_text()
    # The persona that answered, by name: the router gives price suggestions to Money Mike.
    assert page.locator(".msg.assistant .who").first.inner_text() == "Money Mike"
    playbook_id = card.get_attribute("data-playbook-id")
    stored = httpx.get(f"{server.url}/api/playbooks/{playbook_id}", headers=auth(user_token)).json()
    assert stored["status"] == "active" and stored["name"] in card.inner_text()
    page.locator(f"#tab-playbooks [data-playbook-id='{playbook_id}']").wait_for()  # the playbooks view shows it too
    shot(page, "2-playbook-created")

    page.locator("#input").fill("run it now")
    page.get_by_role("button", name="Send").click()
    page.locator(".msg.assistant").nth(1).get_by_role("button", name="View run").click()
    page.locator("#run-status").get_by_text("waiting_approval").wait_for(timeout=30_000)
    assert page.locator("#run-body [data-step='scan_competitors'] .status").text_content() == "completed"
    shot(page, "3-run-waiting-for-approval")
    page.locator("#run-dialog").get_by_role("button", name="Close").click()

    run_id = httpx.get(f"{server.url}/api/playbooks/{playbook_id}/executions", headers=auth(user_token)).json()["items"][0]["id"]
    approvals = page.locator("#tab-approvals [data-approval-id]")
    page.locator(".tabs [data-tab='approvals']").click()
    approvals.first.wait_for()
    shot(page, "4-approvals")
    for _ in range(3):  # the suggestions, then the plan's own "Approve the suggested changes?"
        while approvals.count():  # each approved from the page until none waits
            first = approvals.first.get_attribute("data-approval-id")
            approvals.first.get_by_role("button", name="Approve").click()
            page.locator(f"#tab-approvals [data-approval-id='{first}']").wait_for(state="detached")
        settled = wait_for(lambda: (e := execution(server, run_id, user_token))["status"] in SETTLED and e)
        if settled["status"] != "waiting_approval":
            break
        page.locator(".tabs [data-tab='approvals']").click()  # what the resumed run asks next
        approvals.first.wait_for()
    assert settled["status"] == "completed", settled
    changed = [a for a in httpx.get(f"{server.url}/api/approvals?status=approved", headers=auth(user_token)).json()["items"]
               if a["kind"] == "price_change"]
    assert changed, "the run suggested no price change to approve"
    prices = {p["id"]: p["price"] for p in httpx.get(f"{server.url}/api/products", headers=auth(user_token)).json()["items"]}
    for approval in changed:  # each approved suggestion set its product's price, once
        assert prices[approval["data"]["product_id"]] == approval["data"]["new_price"], approval["data"]

    runs = httpx.get(f"{server.url}/api/playbooks/{playbook_id}/executions", headers=auth(user_token)).json()["items"]
    decided = httpx.get(f"{server.url}/api/approvals?status=approved", headers=auth(user_token)).json()["items"]
    assert decided and all(a["decidedBy"] for a in decided)
    page.locator(".tabs [data-tab='playbooks']").click()
    page.locator(f"#tab-playbooks [data-playbook-id='{playbook_id}']").get_by_role("button", name="Runs").click()
    page.locator("#run-body").get_by_role("button", name="Open").first.click()
    page.locator("#run-status").get_by_text("completed").wait_for(timeout=30_000)
    assert len(runs) == 1
    shot(page, "5-run-completed")

    page.locator("#run-dialog").get_by_role("button", name="Close").click()
    page.locator(".tabs [data-tab='activity']").click()
    assert page.locator("#chart rect").count() >= 1 and "completed" in page.locator("#chart-legend").inner_text()
    shot(page, "6-activity")


def test_pause_resume_and_delete_with_confirmation_from_the_playbooks_view(server, user_token, page):
    created = httpx.post(f"{server.url}/api/playbooks", json=sales_report_spec(), headers=auth(user_token))
    assert created.status_code == 201, created.text
    pid = created.json()["id"]
    page.goto(server.url)
    page.locator("#signin-token").fill(user_token)
    page.get_by_role("button", name="Sign in").click()
    item = page.locator(f"#tab-playbooks [data-playbook-id='{pid}']")
    item.get_by_role("button", name="Pause").click()
    item.locator(".status", has_text="paused").wait_for()
    item.get_by_role("button", name="Resume").click()
    item.locator(".status", has_text="active").wait_for()
    item.get_by_role("button", name="Delete").click()
    page.locator("#confirm-dialog").get_by_role("button", name="Cancel").click()
    assert httpx.get(f"{server.url}/api/playbooks/{pid}", headers=auth(user_token)).status_code == 200
    item.get_by_role("button", name="Delete").click()
    page.locator("#confirm-dialog").get_by_role("button", name="Delete").click()
    item.wait_for(state="detached")
    assert httpx.get(f"{server.url}/api/playbooks/{pid}", headers=auth(user_token)).status_code == 404


def test_a_notification_shows_with_its_run_and_is_marked_read(server, user_token, page):
    spec = {"name": "Ping", "agent": "pops", "triggers": [{"type": "manual"}],
            "steps": [{"action": "notify", "params": {"title": "Stock check done", "message": "All <b>good</b>"}}]}
    pid = httpx.post(f"{server.url}/api/playbooks", json=spec, headers=auth(user_token)).json()["id"]
    run = httpx.post(f"{server.url}/api/playbooks/{pid}/execute", json={"triggeredBy": "manual"}, headers=auth(user_token))
    wait_for(lambda: execution(server, run.json()["executionId"], user_token)["status"] == "completed")
    page.goto(server.url)
    page.locator("#signin-token").fill(user_token)
    page.get_by_role("button", name="Sign in").click()
    page.locator("#notifications-count").get_by_text("1").wait_for()
    page.locator(".tabs [data-tab='notifications']").click()
    item = page.locator("#tab-notifications [data-notification-id]").first
    assert "Stock check done" in item.inner_text() and "All <b>good</b>" in item.inner_text()  # text, not markup
    item.get_by_role("button", name="Mark read").click()
    item.get_by_role("button", name="Mark read").wait_for(state="detached")
    [stored] = httpx.get(f"{server.url}/api/notifications", headers=auth(user_token)).json()["items"]
    assert stored["readAt"] is not None
    assert page.locator("#notifications-count").is_hidden()
