"""check_website against a real loopback site (up, wrong text, 503, unreachable, refused); review_sentiment's word list."""
from __future__ import annotations

import socket

import pytest

from scheduler.runs.history import get_execution
from scheduler.steps.marketing.review import NEGATIVE, POSITIVE
from tests.conftest import run_now, running
from tests.fakes.web import WebServer


@pytest.fixture
def site():
    with WebServer() as web:
        web.page("/", "<html><head><title>Green Leaf</title></head><body><p>Open 9 to 9. Blue Dream in stock.</p></body></html>")
        web.page("/broken", "<h1>Service Unavailable</h1>", status=503)
        web.redirect("/old", "/")
        yield web


async def run_steps(settings, steps, loopback=True) -> dict:
    settings = settings.model_copy(update={"allow_loopback_fetch": loopback})
    async with running(settings) as runtime:
        playbook = runtime.playbooks.create("demo", {"name": "Checks", "agent": "ezal", "triggers": [{"type": "manual"}],
                                                     "steps": steps})
        return get_execution(runtime.engine, "demo", await run_now(runtime, playbook))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_check_website_reports_up_down_and_why_without_failing_the_run(settings, site):
    closed = f"http://127.0.0.1:{free_port()}/"  # nothing listens there
    run = await run_steps(settings, [
        {"action": "check_website", "params": {"url": site.url + "/old", "expect_text": "blue dream"}},
        {"action": "check_website", "params": {"url": site.url + "/", "expect_text": "Sour Diesel"}},
        {"action": "check_website", "params": {"url": site.url + "/broken"}},
        {"id": "shop", "action": "check_website", "params": {"url": closed}},
        {"action": "notify", "condition": "not {{shop.ok}}", "params": {"title": "Site down"}},
    ])
    assert run["status"] == "completed", run
    up, missing, broken, unreachable = (s["output"] for s in run["stepResults"][:4])
    assert (up["ok"], up["status"], up["title"], up["redirects"], up["found_text"]) == (True, 200, "Green Leaf", 1, True)
    assert up["url"] == site.url + "/" and up["response_ms"] >= 0 and up["error"] is None
    assert up["summary"].startswith(f"{site.url}/ \"Green Leaf\" is up: 200 in ")
    assert (missing["ok"], missing["status"], missing["found_text"]) == (False, 200, False)
    assert "'Sour Diesel' not on the page" in missing["summary"]
    assert (broken["ok"], broken["status"]) == (False, 503) and "is DOWN: 503" in broken["summary"]
    assert (unreachable["ok"], unreachable["status"]) == (False, 0) and unreachable["error"]
    assert run["stepResults"][4]["status"] == "completed"


async def test_check_website_refuses_an_address_it_may_not_fetch(settings, site):
    run = await run_steps(settings, [{"action": "check_website", "params": {"url": site.url + "/"}}], loopback=False)
    assert run["status"] == "failed" and "loopback" in run["stepResults"][0]["error"]


async def test_review_sentiment_classes_reviews_by_their_words_with_negations_turned_over(settings):
    reviews = [
        {"text": "Friendly staff and a clean store, love it", "rating": 5, "author": "Ana"},
        {"text": "Long wait and the budtender was not helpful. Overpriced.", "rating": 4, "author": "Ben"},
        {"text": "The wait was fine, staff wasn't rude", "rating": 3},
        {"text": "Picked up my order.", "rating": 3},
        {"text": "Not friendly, slow checkout, wrong item", "rating": 1},
    ]
    run = await run_steps(settings, [{"action": "review_sentiment", "params": {"reviews": reviews}}])
    assert run["status"] == "completed", run
    out = run["stepResults"][0]["output"]
    expected = []
    for r in reviews:  # counted here from the word lists: a negation among the two words before flips a word
        words = r["text"].lower().replace(".", " ").replace(",", " ").split()
        good = bad = 0
        for i, w in enumerate(words):
            flipped = any(x in ("not", "wasn't", "never", "no") for x in words[max(0, i - 2):i])
            if POSITIVE.fullmatch(w):
                bad, good = (bad + 1, good) if flipped else (bad, good + 1)
            elif NEGATIVE.fullmatch(w):
                good, bad = (good + 1, bad) if flipped else (good, bad + 1)
        expected.append("positive" if good > bad else "negative" if bad > good else "neutral")
    assert [m["sentiment"] for m in out["reviews"]] == expected == ["positive", "negative", "neutral", "neutral", "negative"]
    assert (out["positive"], out["negative"], out["neutral"]) == (1, 2, 2) and out["net_score"] == -20.0
    assert out["complaints"]["wait"] == 2 and out["complaints"]["not friendly"] == 1 and out["complaints"]["not helpful"] == 1
    assert (out["reviews"][2]["positive_words"], out["reviews"][2]["negative_words"]) == (["not rude"], ["wait"])
    assert out["rating_disagrees"] == 1  # Ben's four stars over a negative review
    assert out["summary"].startswith("5 reviews: 1 positive, 2 negative, 2 neutral (net -20).")


async def test_review_sentiment_reads_the_reviews_of_the_event_that_started_the_run(settings):
    async with running(settings) as runtime:
        playbook = runtime.playbooks.create("demo", {
            "name": "Review mood", "agent": "craig", "triggers": [{"type": "manual"}],
            "steps": [{"action": "review_sentiment", "params": {}}]})
        run_id = await run_now(runtime, playbook)
        none = get_execution(runtime.engine, "demo", run_id)["stepResults"][0]["output"]
    assert none["summary"] == "No reviews to read." and none["net_score"] is None
