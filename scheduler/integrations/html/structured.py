"""Products a page declares for machines: schema.org as JSON-LD, microdata and RDFa (read by extruct)."""
from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import extruct
from extruct.jsonld import JsonLdExtractor
from extruct.utils import parse_xmldom_html

from scheduler.integrations.html.model import ExtractedProduct, clean_text, currency_code, make_product, parse_price
from scheduler.integrations.html.sizes import find_size

log = logging.getLogger(__name__)

_PRODUCT_TYPES = {"Product", "IndividualProduct", "ProductModel", "SomeProducts", "DietarySupplement", "Drug"}
_REGULAR_TYPES = {"StrikethroughPrice", "ListPrice", "MSRP", "RegularPrice", "SRP"}
_UNIT_CODES = {"GRM": "g", "MGM": "mg", "ONZ": "oz", "MLT": "ml"}
_MAX_DEPTH = 12  # structured data nests a few levels; anything deeper is a cycle or a trap

Node = dict[str, Any]


def _local(name: str) -> str:
    """"https://schema.org/price", "schema:price" -> "price"."""
    for sep in ("/", "#", ":"):
        if sep in name and not name.startswith("@"):
            name = name.rsplit(sep, 1)[1]
    return name


def _normalise(value: Any, depth: int = 0) -> Any:
    """Keys and types without their vocabulary prefix; {"@value": x} unwrapped (RDFa and expanded JSON-LD)."""
    if depth > _MAX_DEPTH:
        return None
    if isinstance(value, list):
        items = [_normalise(v, depth + 1) for v in value]
        return items[0] if len(items) == 1 else items
    if not isinstance(value, dict):
        return value
    if "@value" in value:
        return value["@value"]
    node: Node = {}
    for key, item in value.items():
        if key == "@type":
            types = item if isinstance(item, list) else [item]
            node["@type"] = [_local(str(t)) for t in types]
        else:
            node[_local(key)] = _normalise(item, depth + 1)
    return node


def _types(node: Any) -> set[str]:
    if not isinstance(node, dict):
        return set()
    types = node.get("@type") or []
    return set(types if isinstance(types, list) else [types])


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


class _Graph:
    """The nodes of one syntax, with `{"@id": ...}` references resolved against the nodes that carry that id."""

    def __init__(self, roots: list[Any]) -> None:
        self.roots = roots
        self.by_id: dict[str, Node] = {}
        for node in self.walk():
            if "@id" in node and len(node) > 1:
                self.by_id.setdefault(str(node["@id"]), node)

    def walk(self) -> Iterator[Node]:
        """Every node, depth first in document order."""
        stack: list[tuple[Any, int]] = [(r, 0) for r in reversed(self.roots)]
        while stack:
            value, depth = stack.pop()
            if depth > _MAX_DEPTH:
                continue
            if isinstance(value, list):
                stack.extend((v, depth + 1) for v in reversed(value))
            elif isinstance(value, dict):
                yield value
                stack.extend((v, depth + 1) for k, v in reversed(list(value.items())) if k != "@type")

    def deref(self, value: Any) -> Any:
        if isinstance(value, dict) and set(value) == {"@id"}:
            return self.by_id.get(str(value["@id"]), value)
        return value

    def items(self, value: Any) -> list[Any]:
        return [self.deref(v) for v in _as_list(self.deref(value))]


def _text(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        value = value.get("name") or ""
    return clean_text(str(value)) if isinstance(value, (str, int, float)) else ""


def _size_field(node: Node) -> str | None:
    """A product's or offer's declared size: `size`, or `weight` as a QuantitativeValue."""
    size = _text(node.get("size"))
    if size:
        return size
    weight = node.get("weight")
    if isinstance(weight, dict) and weight.get("value") is not None:
        unit = _text(weight.get("unitText")) or _UNIT_CODES.get(_text(weight.get("unitCode")), "")
        return f"{_text(weight.get('value'))}{unit}" or None
    return _text(weight) or None


def _read_offer(offer: Any, graph: _Graph, depth: int = 0) -> tuple[float | None, float | None, str | None, str | None]:
    """(price, regular price, currency, size) of one Offer or AggregateOffer (its lowest price)."""
    if not isinstance(offer, dict):
        amount, currency = parse_price(offer)
        return amount, None, currency, None
    currency = currency_code(_text(offer.get("priceCurrency")))
    price_value = offer.get("price")
    if "AggregateOffer" in _types(offer) and offer.get("lowPrice") is not None:
        price_value = offer.get("lowPrice")
    price, found_currency = parse_price(_text(price_value) if price_value is not None else None)
    regular = None
    for spec in graph.items(offer.get("priceSpecification")):
        if not isinstance(spec, dict):
            continue
        amount, spec_currency = parse_price(_text(spec.get("price")) or None)
        currency = currency or currency_code(_text(spec.get("priceCurrency"))) or spec_currency
        if amount is None:
            continue
        if _local(_text(spec.get("priceType"))) in _REGULAR_TYPES:
            regular = amount
        elif price is None or amount < price:
            price = amount
    if price is None and depth < 3:  # references may loop; offers nest one or two levels, never more
        # An AggregateOffer without lowPrice, or an offer list nested inside one: the lowest of them.
        nested = [_read_offer(o, graph, depth + 1) for o in graph.items(offer.get("offers"))]
        priced = [n for n in nested if n[0] is not None]
        if priced:
            return min(priced, key=lambda n: n[0])
    size = _size_field(offer) or find_size(_text(offer.get("name")))
    return price, regular, currency or found_currency, size


def _products_of(node: Node, graph: _Graph, name: str | None = None,
                 offers: Any = None) -> list[ExtractedProduct]:
    """One product per priced node; one per offer when its offers are different sizes of it."""
    name = name or _text(node.get("name"))
    readings = [_read_offer(o, graph) for o in graph.items(offers if offers is not None else node.get("offers"))]
    readings = [r for r in readings if r[0] is not None]
    if not readings and node.get("price") is not None:
        amount, currency = parse_price(_text(node.get("price")))
        readings = [(amount, None, currency, None)]
    if not name or not readings:
        return []
    size = _size_field(node)
    sizes = [r[3] for r in readings]
    if len(readings) > 1 and all(sizes) and len(set(sizes)) == len(sizes):
        return [p for r in readings if (p := make_product(name, r[0], r[1], r[2], r[3])) is not None]
    price, regular, currency, offer_size = min(readings, key=lambda r: r[0])
    product = make_product(name, price, regular, currency, size or offer_size)
    return [product] if product else []


def _read_graph(graph: _Graph) -> list[ExtractedProduct]:
    products: list[ExtractedProduct] = []
    taken: set[int] = set()  # products already read through an Offer's itemOffered
    for node in graph.walk():
        types = _types(node)
        if "Offer" in types and node.get("itemOffered") is not None:
            item = graph.deref(node["itemOffered"])
            if isinstance(item, dict) and item.get("offers") is None and id(item) not in taken:
                taken.add(id(item))
                products.extend(_products_of(item, graph, offers=node))
        elif types & _PRODUCT_TYPES and id(node) not in taken:
            taken.add(id(node))
            products.extend(_products_of(node, graph))
    return products


def _jsonld_items(tree: Any) -> list[Any]:
    """JSON-LD from every script block; a broken block is skipped, not the page."""
    items: list[Any] = []
    extractor = JsonLdExtractor()
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            items.extend(extractor.extract_items(script))
        except ValueError:
            log.info("skipping a JSON-LD block that does not parse")
    return items


def structured_products(html: str, base_url: str) -> list[ExtractedProduct]:
    """Products declared as schema.org JSON-LD, then microdata, then RDFa (all three read; order kept)."""
    try:
        tree = parse_xmldom_html(html, encoding="UTF-8")
    except Exception:  # noqa: BLE001 - lxml refuses some documents outright (empty, binary): they declare nothing
        return []
    other = extruct.extract(tree, base_url=base_url, syntaxes=["microdata", "rdfa"], uniform=True, errors="log")
    products: list[ExtractedProduct] = []
    for roots in (_jsonld_items(tree), other.get("microdata", []), other.get("rdfa", [])):
        products.extend(_read_graph(_Graph([_normalise(r) for r in roots])))
    return products
