"""Matching our products to competitors': true pairs match, near-misses never do, gaps are right."""
from __future__ import annotations

import csv
import itertools
from pathlib import Path

import pytest

from scheduler.integrations.html import ExtractedProduct, extract_products
from scheduler.pricing import OurProduct, compatible, match_products, price_gap_percent, profile
from tests.conftest import fixture_page

PAGES = Path(__file__).parent.parent / "fixtures" / "pages"


def ours(name: str, category: str = "", price: float = 40.0) -> OurProduct:
    return OurProduct(id=name, name=name, price=price, category=category)


def theirs(name: str, size: str | None = None, price: float = 35.0) -> ExtractedProduct:
    return ExtractedProduct(name=name, price=price, size=size)


# (our name, our category, their name, their size field)
TRUE_PAIRS = [
    ("Blue Dream 3.5g", "Flower", "Blue Dream - 1/8 oz", None),
    ("Blue Dream 3.5g", "Flower", "BLUE DREAM (Eighth)", None),
    ("Blue Dream 3.5g", "Flower", "Blue Dream", "3.5 g"),
    ("Blue Dream 3.5g", "Flower", "Blue Dream (Sativa) 3.5g", None),
    ("Blue Dream 7g", "Flower", "Blue Dream - 1/4 oz", None),
    ("Blue Dream 7g", "Flower", "Blue Dream (Quarter)", None),
    ("Northern Lights 14g", "Flower", "Northern Lights Flower Half Oz", None),
    ("Northern Lights 14g", "Flower", "Northern Lights 1/2 oz", None),
    ("Gorilla Glue #4 28g", "Flower", "GORILLA GLUE #4 (Ounce)", None),
    ("Gorilla Glue #4 28g", "Flower", "GG4 1 oz", None),
    ("Girl Scout Cookies 3.5g", "Flower", "GSC (Eighth)", None),
    ("Granddaddy Purple 3.5g", "Flower", "Grand Daddy Purple 3.5g", None),
    ("Gelato 33 3.5g", "Flower", "Gelato #33 - 1/8 oz", None),
    ("OG Kush 3.5g", "Flower", "OG Kush Flower 1/8th", None),
    ("House Shake 7g", "Shake", "HOUSE SHAKE (Quarter)", None),
    ("Sour Diesel Pre-Roll 1g", "Pre-Rolls", "SOUR DIESEL PRE-ROLL 1G", None),
    ("Sour Diesel Pre-Roll 1g", "Pre-Rolls", "Sour Diesel Preroll (1g)", None),
    ("Jack Herer Pre-Roll 5-Pack 0.5g", "Pre-Rolls", "Jack Herer Pre-Rolls 5 x 0.5g", None),
    ("Jack Herer Pre-Roll 5-Pack 0.5g", "Pre-Rolls", "JACK HERER PRE-ROLL 5-PACK (0.5G)", None),
    ("Blue Dream Cartridge 1g", "Vapes", "Blue Dream Vape Cart", "1 g"),
    ("Blue Dream Cartridge 1g", "Vapes", "BLUE DREAM CART 1G", None),
    ("Sour Diesel Cartridge 0.5g", "Vapes", "Sour Diesel 510 Cartridge Half Gram", None),
    ("Pineapple Express Live Resin Cartridge 1g", "Vapes", "Pineapple Express Live Resin Cart - 1g", None),
    ("Northern Lights Disposable Vape 0.5g", "Vapes", "NORTHERN LIGHTS DISPOSABLE 0.5G", None),
    ("Dark Chocolate Bar 100mg", "Edibles", "Dark Chocolate Bar - 100mg", None),
    ("Dark Chocolate Bar 10mg", "Edibles", "DARK CHOCOLATE BAR 10MG", None),
    ("Watermelon Gummies 100mg (10-pack)", "Edibles", "Watermelon Gummies - 100mg (10pk)", None),
    ("Watermelon Gummies 100mg (10-pack)", "Edibles", "WATERMELON GUMMIES 100MG", None),
    ("Watermelon Gummies 100mg (10-pack)", "Edibles", "Watermelon Gummy 10 x 10mg", None),
    ("Camino Midnight Blueberry Gummies 100mg", "Edibles", "Kiva Camino Midnight Blueberry Gummies 100mg", None),
    ("Mango Chews 100mg", "Edibles", "MANGO CHEWS 100MG", None),
    ("CBD Tincture 1000mg 30ml", "Tinctures", "CBD Tincture - 1000mg", None),
    ("CBD Tincture 1000mg 30ml", "Tinctures", "CBD Tincture", "1000 mg / 30 ml"),
    ("1:1 Tincture 500mg", "Tinctures", "1:1 Tincture 500mg", None),
    ("Kief 1g", "Concentrates", "Kief - 1g", None),
    ("Wedding Cake Rosin 1g", "Concentrates", "Wedding Cake Rosin 1g", None),
]

NEAR_MISSES = [
    # sizes
    ("Blue Dream 3.5g", "Flower", "Blue Dream 7g", None),
    ("Blue Dream 3.5g", "Flower", "Blue Dream - 1/4 oz", None),
    ("Blue Dream 7g", "Flower", "BLUE DREAM (Eighth)", None),
    ("Northern Lights 14g", "Flower", "Northern Lights 1 oz", None),
    ("Blue Dream 3.5g", "Flower", "Blue Dream", None),  # no size on their side: cannot tell
    ("Sour Diesel Cartridge 0.5g", "Vapes", "Sour Diesel Vape Cart", "1 g"),
    ("CBD Relief Balm 500mg", "Topicals", "CBD Relief Balm 1000mg", None),
    # mg of THC / CBD
    ("Dark Chocolate Bar 10mg", "Edibles", "Dark Chocolate Bar 100mg", None),
    ("Dark Chocolate Bar 100mg", "Edibles", "DARK CHOCOLATE BAR 10MG", None),
    ("Watermelon Gummies 100mg (10-pack)", "Edibles", "Watermelon Gummy 10mg", None),
    ("CBD Tincture 1000mg 30ml", "Tinctures", "CBD Tincture 500mg", None),
    ("CBD Tincture 1000mg 30ml", "Tinctures", "CBD Tincture 1000mg 60ml", None),
    ("CBD Tincture 1000mg 30ml", "Tinctures", "THC Tincture 1000mg", None),
    ("1:1 Tincture 500mg", "Tinctures", "20:1 Tincture 500mg", None),
    # pack counts
    ("Sour Diesel Pre-Roll 1g", "Pre-Rolls", "Sour Diesel Pre-Roll 1g 2-Pack", None),
    ("Wedding Cake Pre-Roll 1g", "Pre-Rolls", "WEDDING CAKE PRE-ROLL 2-PACK (1G)", None),
    ("Jack Herer Pre-Roll 5-Pack 0.5g", "Pre-Rolls", "Jack Herer Pre-Roll 0.5g", None),
    # forms
    ("Blue Dream Cartridge 1g", "Vapes", "Blue Dream 1g", None),
    ("Blue Dream Cartridge 1g", "Vapes", "Blue Dream Pre-Roll 1g", None),
    ("Blue Dream Pre-Roll 1g", "Pre-Rolls", "Blue Dream 1g", None),
    ("Blue Dream 7g", "Flower", "Blue Dream Shake 7g", None),
    ("Jack Herer 3.5g", "Flower", "Jack Herer Pre-Rolls 5 x 0.7g", None),  # same 3.5 g in all
    ("Northern Lights Disposable Vape 0.5g", "Vapes", "Northern Lights Cartridge 0.5g", None),
    ("Gelato Infused Pre-Roll 1g", "Pre-Rolls", "Gelato Pre-Roll 1g", None),
    ("Pineapple Express Live Resin Cartridge 1g", "Vapes", "Pineapple Express Cartridge 1g", None),
    ("Sour Diesel Shatter 1g", "Concentrates", "Sour Diesel Live Resin 1g", None),
    ("Wedding Cake Rosin 1g", "Concentrates", "Wedding Cake Badder 1g", None),
    ("Sparkling Lemonade 10mg", "Edibles", "Pink Lemonade 3.5g", None),
    # different products with similar names
    ("Blue Dream 3.5g", "Flower", "Blueberry 3.5g", None),
    ("Blueberry 3.5g", "Flower", "Blue Dream - 1/8 oz", None),
    ("Gelato 33 3.5g", "Flower", "Gelato 41 3.5g", None),
    ("Northern Lights 14g", "Flower", "Northern Lights #5 Half Oz", None),
    ("OG Kush 3.5g", "Flower", "SFV OG Kush 3.5g", None),
    ("Girl Scout Cookies 3.5g", "Flower", "Girl Scout Cookies Extreme 3.5g", None),
    ("Strawberry Cough 3.5g", "Flower", "Strawberry Banana 3.5g", None),
    ("Sour Diesel 3.5g", "Flower", "Sour Tangie 3.5g", None),
    ("Dark Chocolate Bar 100mg", "Edibles", "Milk Chocolate Bar 100mg", None),
    ("Sour Blueberry Gummies 100mg", "Edibles", "Blueberry Gummies 100mg", None),
    ("Mango Chews 100mg", "Edibles", "Mango Gummies 100mg", None),
    ("Peanut Butter Cookie 10mg", "Edibles", "Peanut Butter Cup 10mg", None),
]


def test_the_tables_are_big_enough():
    assert len(TRUE_PAIRS) >= 25 and len(NEAR_MISSES) >= 25


@pytest.mark.parametrize("our_name, category, their_name, size", TRUE_PAIRS)
def test_true_pairs_match(our_name, category, their_name, size):
    matches = match_products([ours(our_name, category)], [theirs(their_name, size)])
    assert [(m.product.name, m.competitor_product.name) for m in matches] == [(our_name, their_name)]


@pytest.mark.parametrize("our_name, category, their_name, size", NEAR_MISSES)
def test_near_misses_never_match(our_name, category, their_name, size):
    assert match_products([ours(our_name, category)], [theirs(their_name, size)]) == []


def test_the_three_spellings_of_an_eighth_are_one_item():
    spellings = [profile("Blue Dream 3.5g"), profile("Blue Dream - 1/8 oz"), profile("BLUE DREAM (Eighth)")]
    assert all(compatible(a, b) for a in spellings for b in spellings)
    assert {p.key for p in spellings} == {"blue dream"}


@pytest.mark.parametrize("a, b", [("7g", "Quarter"), ("14g", "1/2 oz"), ("28 g", "Ounce"), ("3.5 grams", "1/8th"),
                                  ("14g", "Half Oz"), ("0.5g", "half gram"), ("28g", "1 oz")])
def test_weights_that_are_the_same(a, b):
    assert compatible(profile(f"OG Kush {a}"), profile(f"OG Kush {b}"))


def test_the_right_one_is_chosen_among_look_alikes():
    menu = [theirs("Blue Dream 7g"), theirs("Blueberry 3.5g"), theirs("Blue Dream Cart 1g"),
            theirs("Blue Dream Pre-Roll 1g"), theirs("Blue Dream - 1/8 oz", price=34.0),
            theirs("Blue Dream Shake 3.5g")]
    [match] = match_products([ours("Blue Dream 3.5g", "Flower")], menu)
    assert match.competitor_product.name == "Blue Dream - 1/8 oz"


def test_two_different_items_about_as_close_match_neither():
    menu = [theirs("Blue Dreams 3.5g"), theirs("Blue Dreamz 3.5g")]
    assert match_products([ours("Blue Dream 3.5g", "Flower")], menu) == []
    # an exact name beats a near one
    [match] = match_products([ours("Blue Dream 3.5g", "Flower")], [*menu, theirs("BLUE DREAM (Eighth)")])
    assert match.competitor_product.name == "BLUE DREAM (Eighth)"


def test_the_same_item_listed_twice_counts_once_at_its_lowest_price():
    menu = [theirs("Blue Dream 3.5g", price=38.0), theirs("Blue Dream - 1/8 oz", price=33.0)]
    [match] = match_products([ours("Blue Dream 3.5g", "Flower")], menu)
    assert match.competitor_product.price == 33.0


def test_each_of_theirs_matches_at_most_one_of_ours():
    catalogue = [ours("Blue Dream 3.5g", "Flower"), ours("Blue Dream Flower 3.5g", "Flower")]
    matches = match_products(catalogue, [theirs("Blue Dream - 1/8 oz")])
    assert len(matches) == 1


def test_our_category_tells_the_form_when_the_name_does_not():
    assert match_products([ours("Sour Diesel 1g", "Pre-Rolls")], [theirs("Sour Diesel Pre-Roll 1g")])
    assert not match_products([ours("Sour Diesel 1g", "Flower")], [theirs("Sour Diesel Pre-Roll 1g")])


def test_match_gap_and_serialisation():
    [match] = match_products([ours("Blue Dream 3.5g", "Flower", price=40.0)],
                             [theirs("Blue Dream - 1/8 oz", price=34.0)])
    assert match.gap == 15.0
    dumped = match.model_dump()
    assert dumped["gap"] == 15.0 and dumped["competitor_product"]["price"] == 34.0


@pytest.mark.parametrize("our_price, their_price, gap", [
    (40.0, 34.0, 15.0), (12.0, 9.0, 25.0), (10.0, 12.0, -20.0), (3.0, 2.0, 33.3), (45.0, 45.0, 0.0), (0.01, 0.0, 100.0),
])
def test_price_gap_percent(our_price, their_price, gap):
    assert price_gap_percent(our_price, their_price) == gap


def test_price_gap_needs_a_price_of_ours():
    with pytest.raises(ValueError, match="above zero"):
        price_gap_percent(0.0, 5.0)


# ---- the demo world: our catalogue against the four competitor menus ------------------------------------------

def catalogue() -> list[OurProduct]:
    with (PAGES / "our-products.csv").open() as f:
        return [OurProduct(id=r["sku"], name=r["name"], price=float(r["price"]), category=r["category"])
                for r in csv.DictReader(f)]


def matched(page: str) -> dict[str, tuple[str, float]]:
    menu = extract_products(fixture_page(page), "http://127.0.0.1/menu")
    return {m.product.id: (m.competitor_product.name, m.gap) for m in match_products(catalogue(), menu)}


def test_demo_catalogue_against_higher_level():
    found = matched("higher-level.html")
    assert found["FL-BD-35"] == ("Blue Dream - 1/8 oz", 15.0)  # "selling Blue Dream for 15% less than you"
    assert found["FL-BD-7"][0] == "Blue Dream - 1/4 oz"
    assert found["FL-G33-35"][0] == "Gelato #33 - 1/8 oz"
    assert found["ED-WMG-100"][0] == "Watermelon Gummies - 100mg (10pk)"
    assert "FL-OGK-35" not in found  # they sell OG Kush by the quarter only
    assert len(found) == 15


def test_demo_catalogue_against_budget_buds():
    found = matched("budget-buds.html")
    assert found["PR-SD-1"] == ("SOUR DIESEL PRE-ROLL 1G", 25.0)  # $9.00 on sale against our $12.00
    assert found["FL-GSC-35"][0] == "GSC (Eighth)"
    assert "PR-WC-1" not in found  # their Wedding Cake pre-roll is a 2-pack
    assert len(found) == 17


def test_demo_catalogue_against_green_leaf_and_canal_street():
    green = matched("green-leaf.html")
    assert "PR-GEL-INF" not in green  # their Gelato pre-roll is not infused
    assert green["FL-NL-14"][0] == "Northern Lights Flower Half Oz"
    assert len(green) == 15
    canal = matched("canal-street.html")
    assert "FL-G33-35" not in canal and "VP-SD-05" not in canal  # Gelato 41; a 1 g cart against our 0.5 g
    assert canal["FL-BD-7"][0] == "Blue Dream" and canal["TN-CBD-1000"][0] == "CBD Tincture"
    assert len(canal) == 13


def test_day_two_widens_the_gaps():
    assert matched("day2/higher-level.html")["FL-BD-35"] == ("Blue Dream - 1/8 oz", 20.0)
    assert matched("day2/canal-street.html")["FL-BD-35"] == ("Blue Dream", 12.5)


# ---- every strain at every weight: a different amount never matches, the same always does ------------------------

STRAINS = ["Blue Dream", "Sour Diesel", "OG Kush", "Wedding Cake", "Gelato 33", "Jack Herer", "Gorilla Glue #4"]
WEIGHTS = {"1g": 1, "3.5g": 3.5, "1/8 oz": 3.5, "Eighth": 3.5, "7g": 7, "Quarter": 7, "14g": 14, "Half Oz": 14,
           "28g": 28, "Ounce": 28}


@pytest.mark.parametrize("strain", STRAINS)
def test_flower_matches_only_at_the_same_weight(strain):
    wrong = []
    for ours_size, their_size in itertools.product(WEIGHTS, WEIGHTS):
        for their_name in (f"{strain} ({their_size})", f"{strain} {their_size}", f"{strain} - {their_size}"):
            matches = match_products([ours(f"{strain} {ours_size}", "Flower")], [theirs(their_name)])
            if bool(matches) != (WEIGHTS[ours_size] == WEIGHTS[their_size]):
                wrong.append((f"{strain} {ours_size}", their_name))
    assert wrong == []


@pytest.mark.parametrize("product", ["Dark Chocolate Bar", "Watermelon Gummies", "CBD Tincture", "Sparkling Lemonade"])
def test_edibles_and_tinctures_match_only_at_the_same_mg(product):
    amounts = [5, 10, 50, 100, 250, 500, 1000]
    wrong = [(a, b) for a, b in itertools.product(amounts, amounts)
             if bool(match_products([ours(f"{product} {a}mg")], [theirs(f"{product} - {b} mg")])) != (a == b)]
    assert wrong == []


FORMS_1G = {"flower": "Blue Dream 1g", "pre-roll": "Blue Dream Pre-Roll 1g", "cart": "Blue Dream Cartridge 1g",
            "vape cart": "Blue Dream Vape Cart 1g", "disposable": "Blue Dream Disposable 1g",
            "shake": "Blue Dream Shake 1g", "live resin": "Blue Dream Live Resin 1g", "rosin": "Blue Dream Rosin 1g",
            "infused pre-roll": "Blue Dream Infused Pre-Roll 1g", "live resin cart": "Blue Dream Live Resin Cart 1g"}


def test_forms_never_cross():
    same = {("cart", "vape cart"), ("vape cart", "cart")}
    wrong = [(a, b) for a, b in itertools.product(FORMS_1G, FORMS_1G)
             if bool(match_products([ours(FORMS_1G[a])], [theirs(FORMS_1G[b])])) != (a == b or (a, b) in same)]
    assert wrong == []
