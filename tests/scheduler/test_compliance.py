"""The advertising rules: each kind of finding quotes the copy's own words; warnings are required, and not misread."""
from __future__ import annotations

import pytest

from scheduler.marketing.compliance import check, jurisdiction, with_warnings
from scheduler.marketing.copy import APPROVED, DraftNotSendable, assert_sendable
from scheduler.marketing.rules import JURISDICTIONS, RULES, WARNINGS

WARNED = " For use only by adults 21 and older. Keep out of reach of children."


@pytest.mark.parametrize(("text", "category", "phrase"), [
    ("Our gummies cure anxiety.", "health_claim", "cure anxiety"),
    ("This tincture RELIEVES PAIN fast.", "health_claim", "RELIEVES PAIN"),
    ("Indica that helps you sleep.", "health_claim", "helps you sleep"),
    ("All the medical benefits, none of the fuss.", "health_claim", "medical benefits"),
    ("Back to school savings on vapes!", "appeals_to_minors", "Back to school"),
    ("Cannabis candy in every flavour.", "appeals_to_minors", "candy"),
    ("Fun for the kids too.", "appeals_to_minors", "kids"),
    ("Stock up and get wasted this weekend.", "overconsumption", "get wasted"),
    ("Free pre-rolls with every order.", "price_inducement", "Free pre-rolls"),
    ("BOGO on all edibles.", "price_inducement", "BOGO"),
    ("Flower at 30% off today.", "price_inducement", "30% off"),
])
def test_each_rule_finds_the_offending_phrase(text, category, phrase):
    result = check(text + WARNED)
    assert not result.passed
    found = [(f.category, f.phrase) for f in result.findings]
    assert (category, phrase) in found, found
    finding = next(f for f in result.findings if f.phrase == phrase)
    assert (text + WARNED)[finding.start:finding.end] == phrase and finding.message and finding.rule


@pytest.mark.parametrize("text", [
    "Tasty treats for the weekend, made in small batches.",
    "Our budtenders will help you find the right strain.",
    "A new harvest of Blue Dream is on the shelf.",
])
def test_ordinary_copy_passes(text):
    result = check(text + WARNED)
    assert result.passed, result.findings


def test_required_warnings_are_findings_when_missing_and_their_words_are_not_an_appeal_to_minors():
    missing = check("A new harvest of Blue Dream is on the shelf.")
    assert {f.rule for f in missing.findings} == {"warning.age", "warning.children"}
    assert all(f.category == "missing_warning" and f.phrase == "" for f in missing.findings)
    # "children" in "keep out of reach of children" is the warning, not copy speaking to children
    assert check("Blue Dream, 21+ only. Keep out of reach of children.").passed
    assert not check("Blue Dream, 21+ only. Keep out of reach of children. Bring the children!").passed
    assert check("A new harvest.", require_warnings=False).passed


def test_price_inducements_are_findings_only_where_restricted():
    text = "Flower at 30% off today." + WARNED
    assert not check(text, "NY").passed and not check(text).passed
    assert check(text, "CA").passed
    assert not check("Flower that cures anxiety." + WARNED, "CA").passed  # health claims are findings everywhere


def test_warnings_are_added_once_and_unknown_jurisdictions_are_named():
    once = with_warnings("Blue Dream is back.")
    assert once.endswith("For use only by adults 21 and older. Keep out of reach of children.")
    assert with_warnings(once) == once and check(once).passed
    with pytest.raises(ValueError, match=r"unknown jurisdiction 'ZZ' \(known: default, NY"):
        jurisdiction("ZZ")
    assert jurisdiction("ny").code == "NY"


def test_the_rules_are_data_that_compile():
    assert {r.category for r in RULES} >= {"health_claim", "appeals_to_minors", "price_inducement", "overconsumption"}
    assert all(w in WARNINGS for j in JURISDICTIONS.values() for w in j.warnings)
    assert check("x" * 20_000).finding_count == 2  # long text: only the two missing warnings


def test_a_draft_is_sendable_only_approved_and_compliant():
    good = with_warnings("Blue Dream is back.")
    assert_sendable(good, {"status": APPROVED, "compliance": {"jurisdiction": "default"}})
    with pytest.raises(DraftNotSendable, match="needs an approval"):
        assert_sendable(good, {"status": "draft"})
    with pytest.raises(DraftNotSendable, match="health_claim: \"cures insomnia\""):
        assert_sendable(good + " It cures insomnia.", {"status": APPROVED})
