"""Products read with a competitor's own CSS selectors, for the rare site the automatic readers miss."""
from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser, LexborNode, SelectolaxError

from scheduler.integrations.html.blocks import choose_price, price_spots
from scheduler.integrations.html.model import ExtractedProduct, clean_text, make_product, parse_price

REQUIRED = ("item", "name", "price")
OPTIONAL = ("regular_price", "size")


def check_selectors(selectors: dict[str, str]) -> dict[str, str]:
    """The selectors when they are usable: `item`, `name`, `price` (and optionally `regular_price`, `size`),
    each a CSS selector; a ValueError naming the problem otherwise."""
    if not isinstance(selectors, dict):
        raise ValueError("selectors must be an object of CSS selectors")
    missing = [key for key in REQUIRED if not selectors.get(key)]
    if missing:
        raise ValueError(f"selectors need {', '.join(missing)}")
    unknown = sorted(set(selectors) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        raise ValueError(f"unknown selector keys: {', '.join(unknown)} (known: {', '.join(REQUIRED + OPTIONAL)})")
    probe = LexborHTMLParser("<p></p>")
    for key, value in selectors.items():
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"selector {key} must be a non-empty string")
        try:
            probe.css(value)
        except SelectolaxError as exc:
            raise ValueError(f"selector {key} is not valid CSS: {value!r}") from exc
    return selectors


def _text(item: LexborNode, selector: str | None) -> tuple[LexborNode | None, str]:
    node = item.css_first(selector) if selector else None
    return node, clean_text(node.text(separator=" ")) if node is not None else ""


def selector_products(tree: LexborHTMLParser, selectors: dict[str, str]) -> list[ExtractedProduct]:
    """One product per `item` element that has a name and a price under the given selectors."""
    check_selectors(selectors)
    products = []
    for item in tree.css(selectors["item"]):
        _, name = _text(item, selectors["name"])
        price_node, price_text = _text(item, selectors["price"])
        if price_node is None:
            continue
        # The price element may itself hold a struck regular price beside the sale price.
        price, regular, currency = choose_price(price_spots(price_node))
        if price is None:
            price, currency = parse_price(price_text or None)
        if selectors.get("regular_price"):
            regular_amount, regular_currency = parse_price(_text(item, selectors["regular_price"])[1] or None)
            regular = regular_amount if regular_amount is not None else regular
            currency = currency or regular_currency
        _, size = _text(item, selectors.get("size"))
        product = make_product(name, price, regular, currency, size or None)
        if product is not None:
            products.append(product)
    return products
