"""Which playbook the user's words name: exact, then a fuzzy score with a margin, else candidates; free names."""
from __future__ import annotations

import pytest

from scheduler.services.names import resolve, unique_name

NAMES = ["Low Stock Alert", "Daily Sales Report", "Weekly Sales Report", "Competitor Price Alert", "Weekly Sales Summary"]


def named(words: str, names: list[str] = NAMES):
    return resolve(words, names, lambda n: n)


@pytest.mark.parametrize(("words", "meant"), [
    ("daily sales report", "Daily Sales Report"),
    ("the Weekly Sales Summary", "Weekly Sales Summary"),
    ("the low stock", "Low Stock Alert"),
    ("lo stock alert", "Low Stock Alert"),
    ("the competitor alert", "Competitor Price Alert"),
])
def test_a_clear_name_or_a_near_spelling_resolves(words, meant):
    assert named(words).match == meant


def test_one_shared_word_is_never_enough():
    found = named("price alert", ["Low Stock Alert"])
    assert found.match is None and found.candidates == ("Low Stock Alert",)


@pytest.mark.parametrize("words", ["sales report", "weekly sales", "sales reprot"])
def test_close_scores_ask_with_the_candidates(words):
    found = named(words)
    assert found.match is None and len(found.candidates) >= 2
    assert all("Sales" in c for c in found.candidates)


def test_a_repeated_exact_name_is_a_choice():
    found = named("daily sales report", ["Daily Sales Report", "Daily Sales Report"])
    assert found.match is None and len(found.candidates) == 2


def test_words_that_name_nothing_match_nothing():
    assert named("it").match is None and named("that one").candidates == ()


def test_a_taken_name_gets_the_first_free_number():
    assert unique_name("Daily Sales Report", []) == "Daily Sales Report"
    assert unique_name("Daily Sales Report", ["daily sales report"]) == "Daily Sales Report 2"
    assert unique_name("Daily Sales Report", ["Daily Sales Report", "Daily Sales Report 2"]) == "Daily Sales Report 3"
