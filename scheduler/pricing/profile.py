"""What a product name says: its form (flower, pre-roll, cartridge...), its amount, and a name to compare."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from scheduler.integrations.html.sizes import size_tokens, strip_sizes

# Forms, first match wins: "Live Resin Cartridge" is a cartridge, "Hash Rosin Gummies" an edible,
# "Infused Pre-Roll" a pre-roll. Words are matched on the normalised name (lowercase, hyphens kept).
_FORMS: tuple[tuple[str, frozenset[str]], ...] = (
    ("pre_roll", frozenset({"pre-roll", "pre-rolls", "preroll", "prerolls", "joint", "joints", "blunt", "blunts",
                            "dogwalker", "dogwalkers"})),
    ("disposable", frozenset({"disposable", "disposables", "all-in-one", "aio"})),
    ("cartridge", frozenset({"cart", "carts", "cartridge", "cartridges", "vape", "vapes", "pod", "pods", "510"})),
    ("edible", frozenset({"gummy", "gummies", "chocolate", "chocolates", "chew", "chews", "brownie", "brownies",
                          "candy", "candies", "lozenge", "lozenges", "edible", "edibles", "caramel", "caramels",
                          "beverage", "drink", "soda", "seltzer", "syrup", "taffy", "bites", "cookie", "cookies",
                          "mints", "lemonade", "tea", "bar"})),
    ("tincture", frozenset({"tincture", "tinctures", "drops", "sublingual", "oil"})),
    ("capsule", frozenset({"capsule", "capsules", "softgel", "softgels", "tablet", "tablets", "pills"})),
    ("topical", frozenset({"balm", "lotion", "salve", "topical", "topicals", "cream", "rub", "patch", "patches"})),
    ("shake", frozenset({"shake", "trim", "shake/trim"})),
    ("concentrate", frozenset({"wax", "shatter", "rosin", "resin", "badder", "batter", "budder", "crumble",
                               "diamonds", "sauce", "hash", "kief", "concentrate", "concentrates", "distillate",
                               "rso", "dab", "dabs"})),
    ("flower", frozenset({"flower", "bud", "buds", "smalls", "popcorn"})),
)
# Edible words that are also strain names ("Girl Scout Cookies", "Kush Mints", "Wedding Cake", "Pink Lemonade"):
# they make an edible only when the amount is in mg, not grams.
_STRAIN_LIKE_EDIBLE = frozenset({"cookie", "cookies", "mints", "lemonade", "tea", "bar", "chocolate", "candy"})
# Words for the form, not the product: dropped from the name that is compared (the form is compared apart).
_FORM_ONLY = frozenset({"pre-roll", "pre-rolls", "preroll", "prerolls", "joint", "joints", "cart", "carts",
                        "cartridge", "cartridges", "vape", "vapes", "pod", "pods", "510", "disposable", "disposables",
                        "flower", "bud", "buds", "all-in-one", "aio"})
_NOISE = frozenset({"indica", "sativa", "hybrid", "strain", "the", "by", "of", "and", "with", "pack", "pk", "ct",
                    "count", "each", "ea", "x", "oz", "g", "mg", "ml", "eighth", "quarter", "half", "ounce", "pc",
                    "pcs", "thc%", "a", "an"})
# Words that make a different product of the same strain: "Infused Pre-Roll" is not a pre-roll,
# "Live Resin Cart" is not a distillate cart, a CBD tincture is not a THC one.
MARKERS = frozenset({"infused", "live", "resin", "rosin", "cured", "sugar-free", "sugarfree", "cbd", "thc", "cbn",
                     "cbg", "thcv", "rso", "mini", "minis", "nano", "vegan", "decarb", "full-spectrum", "hash",
                     "dark", "milk", "white", "sour"})
_ALIASES = {"gsc": "girl scout cookies", "gdp": "granddaddy purple", "gg4": "gorilla glue 4", "gg": "gorilla glue",
            "grand daddy": "granddaddy", "grandaddy": "granddaddy", "pre roll": "pre-roll", "pre rolls": "pre-rolls",
            "sugar free": "sugar-free", "full spectrum": "full-spectrum", "all in one": "all-in-one"}
_SINGULAR = {"gummies": "gummy", "chews": "chew", "cookies": "cookie", "brownies": "brownie", "candies": "candy",
             "caramels": "caramel", "chocolates": "chocolate", "tinctures": "tincture", "capsules": "capsule",
             "softgels": "softgel", "tablets": "tablet", "edibles": "edible", "concentrates": "concentrate",
             "diamonds": "diamond", "patches": "patch", "topicals": "topical", "drinks": "drink", "sodas": "soda"}
_TOKEN = re.compile(r"\d+:\d+|[a-z0-9]+(?:[-/][a-z0-9]+)*")


@dataclass(frozen=True)
class Profile:
    """A product name read for matching: form, amounts, the name words compared, and what must agree."""

    form: str | None
    grams: frozenset[float]  # plausible total weights: "5 x 0.5g" -> {2.5, 0.5}
    mg: frozenset[float]  # plausible total cannabinoid amounts: "10 x 10mg" -> {100, 10}
    ml: float | None
    count: int | None  # items in the pack, when the name says
    cannabinoid: str | None
    key: str  # the compared name: lowercase words without sizes, forms and noise, sorted order kept
    numbers: frozenset[str]  # numbers left in the name ("Gelato 33", "GG #4", "1:1"): must be equal
    markers: frozenset[str]


def _fold(text: str) -> str:
    """Lowercase ASCII with aliases spelled out ("GSC" -> "girl scout cookies", "Pre Roll" -> "pre-roll")."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = text.replace("\u2011", "-").replace("#", " ")
    for short, full in _ALIASES.items():
        text = re.sub(rf"(?<![a-z0-9]){re.escape(short)}(?![a-z0-9])", full, text)
    return text


def _words(text: str) -> list[str]:
    return [_SINGULAR.get(w, w) for w in _TOKEN.findall(_fold(text))]


def _totals(values: list[float], count: int | None, per_item: bool, pack_is_total: bool) -> frozenset[float]:
    """The total amounts a name can mean.

    "5 x 0.5g" is per item (total 2.5 g); "100mg (10-pack)" is the package's total (edibles are labelled
    so); "5-pack 0.5g" may be either, so both are kept and either may agree.
    """
    out = set()
    for value in values:
        if count and count > 1 and per_item:
            out.add(round(value * count, 2))
        elif count and count > 1 and not pack_is_total:
            out.update({round(value, 2), round(value * count, 2)})
        else:
            out.add(round(value, 2))
    return frozenset(out)


def _form(words: list[str], category: str, has_grams: bool, has_mg: bool) -> str | None:
    for source in (words, _words(category)):
        for form, keywords in _FORMS:
            hits = keywords.intersection(source)
            if form == "edible" and hits and hits <= _STRAIN_LIKE_EDIBLE and (has_grams or not has_mg):
                continue  # "Girl Scout Cookies 3.5g" is flower
            if form == "edible" and hits and has_grams and not has_mg:
                continue  # "Chocolate Thai 3.5g" is flower too
            if hits:
                return form
    if has_grams and not has_mg:
        return "flower"  # a strain sold by weight with no other word for it
    if has_mg and not has_grams:
        return "edible"
    return None


def profile(name: str, size: str | None = None, category: str = "") -> Profile:
    """Read a product's name (and its size field when the name has no size) for matching."""
    tokens = size_tokens(name) or size_tokens(size or "")
    counts = [t for t in tokens if t.kind == "count"]
    count = int(counts[0].value) if counts else None
    per_item = bool(counts) and any(ch in counts[0].text.lower() for ch in "x×")
    grams = [t.value for t in tokens if t.kind == "g"]
    mg = [t.value for t in tokens if t.kind == "mg"]
    ml = next((t.value for t in tokens if t.kind == "ml"), None)
    cannabinoid = next((t.cannabinoid for t in tokens if t.cannabinoid), None)
    all_words = _words(name)
    rest = [w for w in _words(strip_sizes(name)) if w not in _NOISE]
    form = _form(all_words, category, bool(grams), bool(mg))
    kept = [w for w in rest if w not in _FORM_ONLY]
    numbers = frozenset(w for w in kept if any(ch.isdigit() for ch in w))
    return Profile(
        form=form, grams=_totals(grams, count, per_item, pack_is_total=False),
        mg=_totals(mg, count, per_item, pack_is_total=True), ml=ml, count=count, cannabinoid=cannabinoid,
        key=" ".join(w for w in kept if w not in numbers), numbers=numbers,
        markers=frozenset(w for w in all_words if w in MARKERS),
    )


def _amounts_agree(a: frozenset[float], b: frozenset[float]) -> bool:
    if not a and not b:
        return True
    # 1/8 oz is 3.5 g on a menu and 3.54 g on a scale: 2% covers it, never 3.5 against 7.
    return any(abs(x - y) <= 0.02 * max(x, y) for x in a for y in b)


def compatible(a: Profile, b: Profile) -> bool:
    """Whether two products can be the same item: same form, same weight / mg / pack, same distinguishing words."""
    if a.form is None or a.form != b.form or a.markers != b.markers or a.numbers != b.numbers:
        return False
    if not _amounts_agree(a.grams, b.grams) or not _amounts_agree(a.mg, b.mg):
        return False
    if a.ml is not None and b.ml is not None and abs(a.ml - b.ml) > 0.02 * max(a.ml, b.ml):
        return False
    if a.cannabinoid and b.cannabinoid and a.cannabinoid != b.cannabinoid:
        return False
    if a.count != b.count:
        # Edibles and tinctures are named by their total mg, which already agreed; a pack count one menu
        # leaves out changes nothing. Elsewhere a 2-pack is not a single.
        one_sided = a.count is None or b.count is None
        return one_sided and a.form in {"edible", "tincture", "capsule"} and bool(a.mg)
    return True
