"""The product a competitor page shows, and how a price or a name is read from page text."""
from __future__ import annotations

from price_parser import Price
from pydantic import BaseModel, Field

from scheduler.integrations.html.sizes import find_size

_SYMBOLS = {"$": "USD", "US$": "USD", "C$": "CAD", "CA$": "CAD", "€": "EUR", "£": "GBP", "A$": "AUD"}
_CODES = {"USD", "CAD", "EUR", "GBP", "AUD", "MXN"}
# Words that may stand beside a price in its own element without making it something else ("Was $40", "$35 ea").
_PRICE_WORDS = {"was", "now", "reg", "regular", "sale", "price", "only", "from", "each", "ea", "usd", "cad", "msrp",
                "our", "special", "today", "just", "list", "orig", "original", "retail", "per", "unit"}
MAX_NAME = 200  # a product name longer than this is page prose, not a name


class ExtractedProduct(BaseModel):
    """One product read from a competitor's page. Its text is data: kept literally, never evaluated or templated."""

    name: str = Field(min_length=1, max_length=MAX_NAME)
    price: float = Field(ge=0)
    regular_price: float | None = Field(None, ge=0)  # the struck-through price when `price` is a sale price
    currency: str | None = None  # ISO code when the page says, e.g. "USD"
    size: str | None = None  # as the page writes it: "3.5g", "1/8 oz", "Eighth", "100mg 10pk"


def clean_text(text: str | None) -> str:
    """Whitespace folded to single spaces, ends trimmed."""
    return " ".join((text or "").split())


def currency_code(text: str | None) -> str | None:
    """An ISO currency code from a code or a symbol ("$" -> "USD"), or None when unknown."""
    value = clean_text(text)
    if not value:
        return None
    if value.upper() in _CODES:
        return value.upper()
    return _SYMBOLS.get(value)


def parse_price(value: object) -> tuple[float | None, str | None]:
    """(amount, currency) from a structured value: 35, "35.00", "$35", "USD 35.00"."""
    if isinstance(value, bool) or value is None:
        return None, None
    if isinstance(value, (int, float)):
        return (float(value), None) if value >= 0 else (None, None)
    text = clean_text(str(value))
    if text.startswith("-"):
        return None, None  # price-parser drops the sign; a negative price is no price
    price = Price.fromstring(text)
    amount = price.amount_float
    if amount is None or amount < 0:
        return None, None
    return amount, currency_code(price.currency)


def read_price_text(text: str, *, priced_element: bool = False) -> tuple[float | None, str | None]:
    """(amount, currency) when a short page text is a price and nothing else ("$35", "Was $40.00", "35.00 USD").

    Without a currency sign the text counts only in an element that says it holds a price (class or
    itemprop), so sizes ("3.5g") and percentages ("22% THC") are never taken for prices.
    """
    value = clean_text(text)
    if not value or len(value) > 40 or "%" in value or not any(ch.isdigit() for ch in value):
        return None, None
    price = Price.fromstring(value)
    amount = price.amount_float
    if amount is None or amount < 0:
        return None, None
    if price.currency is None and not priced_element:
        return None, None
    rest = value
    for part in (price.currency or "", price.amount_text or ""):
        rest = rest.replace(part, " ", 1) if part else rest
    words = [w.strip(".:,/()-*").lower() for w in rest.split()]
    if any(any(ch.isdigit() for ch in w) for w in words):
        return None, None  # a second number: two prices, or a size and a price; not one price
    if any(w and w not in _PRICE_WORDS for w in words):
        return None, None
    return amount, currency_code(price.currency)


def make_product(name: str, price: float | None, regular: float | None = None,
                 currency: str | None = None, size: str | None = None) -> ExtractedProduct | None:
    """A product from read values, or None when it lacks a usable name or price.

    A zero price ("free", a gift with purchase) is not a price to compare against. A regular price is
    kept only when it is above the price (otherwise the item is not on sale); the size comes from the
    size field, else from the name.
    """
    name = clean_text(name)
    if not name or not price or price <= 0 or len(name) > MAX_NAME or not any(ch.isalpha() for ch in name):
        return None
    if regular is not None and regular <= price:
        regular = None
    size = clean_text(size) or find_size(name)
    return ExtractedProduct(name=name, price=round(price, 2),
                            regular_price=None if regular is None else round(regular, 2),
                            currency=currency, size=size or None)


def dedupe(products: list[ExtractedProduct]) -> list[ExtractedProduct]:
    """Products in first-seen order, each (name, size, price) once: the same item read twice is one item."""
    seen: set[tuple[str, str, float]] = set()
    kept = []
    for product in products:
        key = (product.name.casefold(), (product.size or "").casefold(), product.price)
        if key not in seen:
            seen.add(key)
            kept.append(product)
    return kept
