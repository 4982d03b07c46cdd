"""How menus write sizes ("3.5g", "1/8 oz", "(Eighth)", "100mg", "2-pack", "5 x 0.5g"), read from a product name."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

Kind = Literal["g", "mg", "ml", "count"]

OUNCE_GRAMS = 28.0  # the trade's ounce: an eighth is 3.5 g, a quarter 7 g, a half 14 g
_MAX_OUNCES = 8  # no menu sells more at once; a larger number before "oz" belongs to the name

_FRACTIONS = {"½": 0.5, "¼": 0.25, "⅛": 0.125, "¾": 0.75}
_WORD_GRAMS = {"eighth": 3.5, "quarter": 7.0, "half": 14.0, "ounce": 28.0}
_UNIT_KIND: dict[str, tuple[Kind, float]] = {
    "mg": ("mg", 1.0), "milligram": ("mg", 1.0), "milligrams": ("mg", 1.0),
    "g": ("g", 1.0), "gr": ("g", 1.0), "gram": ("g", 1.0), "grams": ("g", 1.0), "gm": ("g", 1.0),
    "oz": ("g", OUNCE_GRAMS), "ounce": ("g", OUNCE_GRAMS), "ounces": ("g", OUNCE_GRAMS),
    "ml": ("ml", 1.0), "milliliter": ("ml", 1.0), "milliliters": ("ml", 1.0),
}

# One pass over a short product name (never over a page), alternatives tried left to right.
_NUM = r"\d+(?:[.,]\d+)?"
_PATTERN = re.compile(
    r"(?P<pack_of>\bpack\s+of\s+(?P<pack_of_n>\d+)\b)"
    r"|(?P<pack>(?<!#)(?<!# )\b(?P<pack_n>\d+)\s*[-\s]?\s*(?:pack|pk|ct|count|pcs|pieces|pc)s?\b)"
    r"|(?P<times>\b(?P<times_n>\d+)\s*[x×]\s*(?=\d))"
    r"|(?P<times_after>(?<![^\s(])[x×]\s*(?P<times_after_n>\d+)\b)"
    r"|(?P<frac>(?:\b(?P<frac_num>\d+)\s*/\s*(?P<frac_den>\d+)|(?P<frac_sym>[½¼⅛¾]))\s*(?:th\b)?\s*"
    r"(?P<frac_unit>oz\b|ounces?\b)?)"
    r"|(?P<half_gram>\bhalf[\s-]*(?:gram|g)\b)"
    rf"|(?P<metric>(?<!#)(?<!# )\b(?P<metric_n>{_NUM})\s*"
    r"(?P<metric_unit>mg|milligrams?|ml|milliliters?|grams?|gm|gr|g|oz|ounces?)\b"
    r"(?:\s*(?P<cannabinoid>thc|cbd|cbn|cbg)\b)?)"
    r"|(?P<word>\(half\)|\b(?:eighth|quarter(?:[\s-]*(?:oz|ounce))?|half[\s-]*(?:oz|ounce)|ounce)\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class SizeToken:
    """One size found in a name: the text as written, what it measures, and how much (grams, mg, ml or items)."""

    text: str
    kind: Kind
    value: float
    cannabinoid: str | None = None  # "thc", "cbd"...: what an mg amount counts, when the name says


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def _token(match: re.Match[str]) -> SizeToken | None:
    text = match.group(0).strip()
    if match.group("pack_of"):
        return SizeToken(text, "count", float(match.group("pack_of_n")))
    if match.group("pack"):
        return SizeToken(text, "count", float(match.group("pack_n")))
    if match.group("times"):
        return SizeToken(text, "count", float(match.group("times_n")))
    if match.group("times_after"):
        return SizeToken(text, "count", float(match.group("times_after_n")))
    if match.group("frac"):
        if match.group("frac_sym"):
            ounces = _FRACTIONS[match.group("frac_sym")]
        else:
            den = int(match.group("frac_den"))
            if den == 0:
                return None
            ounces = int(match.group("frac_num")) / den
        # "1/8" alone is still an eighth on a cannabis menu; other bare fractions (a "1/2" of a ratio) are not sizes.
        if not match.group("frac_unit") and ounces not in (0.125, 0.25, 0.5):
            return None
        return SizeToken(text, "g", round(ounces * OUNCE_GRAMS, 3))
    if match.group("half_gram"):
        return SizeToken(text, "g", 0.5)
    if match.group("metric"):
        unit = match.group("metric_unit")
        kind, factor = _UNIT_KIND[unit.lower()]
        if factor == OUNCE_GRAMS and _number(match.group("metric_n")) > _MAX_OUNCES:
            # "Gelato 33 Ounce": the number is the strain's; the size is the ounce.
            return SizeToken(unit, "g", OUNCE_GRAMS)
        cannabinoid = (match.group("cannabinoid") or "").lower() or None
        return SizeToken(text, kind, round(_number(match.group("metric_n")) * factor, 3), cannabinoid)
    word = text.lower().strip("()").replace("-", " ").split()[0]
    return SizeToken(text.strip("()"), "g", _WORD_GRAMS[word])


def size_tokens(text: str) -> list[SizeToken]:
    """Every size written in a product name or size field, in reading order."""
    return list(_size_tokens(text or ""))


@lru_cache(maxsize=4096)
def _size_tokens(text: str) -> tuple[SizeToken, ...]:
    found = []
    for match in _PATTERN.finditer(text or ""):
        token = _token(match)
        if token is not None:
            found.append(token)
    return tuple(found)


def find_size(text: str) -> str | None:
    """The size as the name writes it ("3.5g", "1/8 oz", "Eighth", "100mg 10pk"), or None when it has none."""
    tokens = size_tokens(text)
    return " ".join(t.text for t in tokens) if tokens else None


@lru_cache(maxsize=4096)
def strip_sizes(text: str) -> str:
    """The name with its sizes taken out (what is left names the product)."""
    return _PATTERN.sub(_without_size, text or "")


def _without_size(match: re.Match[str]) -> str:
    token = _token(match)
    if token is None:
        return match.group(0)
    return match.group(0).replace(token.text, " ", 1) if token.text in match.group(0) else " "
