"""Reading one product block (a card, a list item, a table row): its name, its price, a struck regular price, a size."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scheduler.integrations.html.model import ExtractedProduct, clean_text, make_product, read_price_text
from scheduler.integrations.html.sizes import find_size, strip_sizes

STRUCK_TAGS = {"s", "del", "strike"}
_STRUCK_WORDS = {"was", "regular", "reg", "original", "orig", "compare", "strike", "strikethrough", "old", "msrp",
                 "before", "crossed", "retail"}
_SALE_WORDS = {"sale", "now", "special", "discount", "discounted", "current", "final", "deal", "promo"}
_PRICE_WORDS = {"price", "cost", "amount"}
_NAME_WORDS = ("name", "title")
_NOT_NAME_WORDS = ("brand", "vendor", "category", "type", "badge", "label", "tag", "lineage", "potency")
_NOISE_TAGS = ["script", "style", "noscript", "template", "svg", "iframe", "object", "canvas"]
# Texts in a block that are controls or badges, never a product's name.
_NOT_NAMES = {"add", "add to cart", "add to bag", "buy", "buy now", "view", "details", "view details", "quick view",
              "sale", "on sale", "new", "hot", "sold out", "in stock", "out of stock", "indica", "sativa", "hybrid",
              "select", "choose", "reserve", "order", "more", "more info", "staff pick", "limited", "deal", "was",
              "now", "price", "regular price", "sale price", "each", "thc", "cbd", "featured", "best seller"}
_WORD_SPLIT = re.compile(r"[^a-z0-9]+")
_PERCENT = re.compile(r"\d\s*%")  # "THC 22%", "20% off": potency and discount badges, not names


def parse(html: str) -> LexborHTMLParser:
    """The page as a tree, without scripts, styles and other parts that are not shown as text."""
    tree = LexborHTMLParser(html or "")
    tree.strip_tags(_NOISE_TAGS)
    return tree


def class_words(node: LexborNode) -> frozenset[str]:
    """The words of an element's classes and id: "price--was old-price" -> {"price", "was", "old"}."""
    attrs = node.attributes
    return _split_words(f"{attrs.get('class') or ''} {attrs.get('id') or ''} {attrs.get('itemprop') or ''}")


@lru_cache(maxsize=4096)
def _split_words(raw: str) -> frozenset[str]:
    # camelCase too: "wasPrice" -> "was price"
    raw = re.sub(r"([a-z])([A-Z])", r"\1 \2", raw).lower()
    return frozenset(w for w in _WORD_SPLIT.split(raw) if w)


def _is_struck(node: LexborNode | None, block: LexborNode) -> bool:
    # Up to the block, not including it: a card's own class ("card--regular") says nothing of one price.
    while node is not None and node.mem_id != block.mem_id:
        if node.tag in STRUCK_TAGS or class_words(node) & _STRUCK_WORDS:
            return True
        if "line-through" in (node.attributes.get("style") or ""):
            return True
        node = node.parent
    return False


def _has_sale_mark(node: LexborNode | None, block: LexborNode) -> bool:
    while node is not None and node.mem_id != block.mem_id:
        if class_words(node) & _SALE_WORDS:
            return True
        node = node.parent
    return False


@dataclass
class _Spot:
    amount: float
    currency: str | None
    struck: bool
    sale: bool


def _spot(text: str, node: LexborNode, block: LexborNode, priced: bool) -> _Spot | None:
    amount, currency = read_price_text(text, priced_element=priced)
    if amount is None:
        return None
    first = clean_text(text).split()[0].strip(":.").lower() if clean_text(text) else ""
    struck = _is_struck(node, block) or first in {"was", "reg", "regular", "orig", "original", "msrp"}
    sale = _has_sale_mark(node, block) or first in {"now", "sale", "special"}
    return _Spot(amount, currency, struck, sale)


def price_spots(block: LexborNode) -> list[_Spot]:
    """Each price shown in the block: the outermost element (or bare text) whose whole text is one price."""
    spots: list[_Spot] = []

    def visit(node: LexborNode) -> None:
        for child in node.iter(include_text=True):
            if child.tag == "-text":
                spot = _spot(child.text(deep=False), node, block, priced=False)
            elif child.tag.startswith("-"):
                continue
            else:
                priced = bool(class_words(child) & (_PRICE_WORDS | _STRUCK_WORDS | _SALE_WORDS))
                spot = _spot(child.text(deep=True, separator=""), child, block, priced)
                if spot is None:
                    visit(child)
                    continue
            if spot is not None:
                spots.append(spot)

    visit(block)
    return spots


def choose_price(spots: list[_Spot]) -> tuple[float | None, float | None, str | None]:
    """(price, regular price, currency): one shown price, or a sale price beside a struck-through one."""
    live = {s.amount: s for s in spots if not s.struck}
    struck = [s.amount for s in spots if s.struck]
    if len(live) > 1:
        marked = [s for s in live.values() if s.sale]
        if len(marked) != 1 or len(live) > 2:
            return None, None, None  # several prices (sizes or variants): not one product
        price = marked[0]
        struck.extend(a for a in live if a != price.amount)
    elif live:
        price = next(iter(live.values()))
    else:
        return None, None, None
    regular = max(struck) if struck else None
    currency = price.currency or next((s.currency for s in spots if s.currency), None)
    return price.amount, regular, currency


def name_like(text: str) -> bool:
    """Whether a short text could be a product's name (letters beyond a size; not a control, badge or price)."""
    value = clean_text(text)
    if not value or len(value) > 200 or _PERCENT.search(value) or value.lower().strip(" !:") in _NOT_NAMES:
        return False
    if sum(ch.isalpha() for ch in value) < 2:
        return False
    if read_price_text(value)[0] is not None:
        return False
    rest = strip_sizes(value)
    return sum(ch.isalpha() for ch in rest) >= 2


def _size_only(text: str) -> bool:
    value = clean_text(text)
    return bool(find_size(value)) and not any(ch.isalnum() for ch in strip_sizes(value))


def _column_cells(row: LexborNode) -> tuple[str | None, str | None]:
    """(name, size) from a table row by its header ("Product", "Strain", "Size"...), when the table has one."""
    table = row.parent
    while table is not None and table.tag != "table":
        table = table.parent
    header = table.css_first("tr") if table is not None else None
    if header is None or header.mem_id == row.mem_id or header.css_first("th") is None:
        return None, None
    roles: dict[str, int] = {}
    for index, cell in enumerate(c for c in header.iter() if c.tag in {"td", "th"}):
        words = set(_WORD_SPLIT.split(clean_text(cell.text()).lower()))
        if "name" not in roles and words & {"product", "name", "item", "strain"}:
            roles["name"] = index
        elif "size" not in roles and words & {"size", "weight", "amount"}:
            roles["size"] = index
    cells = [c for c in row.iter() if c.tag in {"td", "th"}]
    name = cells[roles["name"]].text(separator=" ") if "name" in roles and roles["name"] < len(cells) else None
    size = cells[roles["size"]].text(separator=" ") if "size" in roles and roles["size"] < len(cells) else None
    return (clean_text(name) if name and name_like(name) else None), (clean_text(size) or None if size else None)


def _name_and_size(block: LexborNode) -> tuple[str | None, str | None]:
    if block.tag == "tr":
        name, size = _column_cells(block)
        if name:
            return name, size
    named, headed, linked, cells, texts = [], [], [], [], []
    size = None
    for node in block.traverse(include_text=True):
        if node.tag == "-text":
            text = node.text(deep=False)
            if name_like(text):
                texts.append(text)
            continue
        if node.tag.startswith("-"):
            continue
        text = node.text(deep=True, separator=" ")
        words = class_words(node)
        if size is None and _size_only(text):
            size = clean_text(text)
        if not name_like(text):
            continue
        if any(any(n in w for n in _NAME_WORDS) for w in words) and not any(
                any(n in w for n in _NOT_NAME_WORDS) for w in words):
            named.append(text)
        elif node.tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            headed.append(text)
        elif node.tag == "a":
            linked.append(text)
        elif node.tag in {"td", "th"} and node.parent is not None and node.parent.mem_id == block.mem_id:
            cells.append(text)
    for found in (named, headed, linked, cells, texts):
        if found:
            return clean_text(found[0]), size
    return None, size


_BLOCK_LEVEL = {"div", "p", "ul", "ol", "li", "table", "tr", "td", "section", "article", "h1", "h2", "h3", "h4",
                "h5", "h6", "dl", "form"}


def _bare_text_product(block: LexborNode, currency_hint: str | None) -> ExtractedProduct | None:
    """A block that is one line of text, "Blue Dream 3.5g - $35": the name before the price, and no other price."""
    if any(node.tag in _BLOCK_LEVEL for node in block.traverse() if node.mem_id != block.mem_id):
        return None
    text = clean_text(block.text(deep=True, separator=" "))
    words = text.split()
    for cut in range(len(words) - 1, 0, -1):
        amount, currency = read_price_text(" ".join(words[cut:]))
        if amount is not None:
            name = " ".join(words[:cut]).strip(" -–—:|·•")
            if any(read_price_text(word)[0] is not None for word in words[:cut]) or not name_like(name):
                return None  # a second price: sizes or variants, not one product
            return make_product(name, amount, None, currency or currency_hint)
    return None


def read_block(block: LexborNode) -> ExtractedProduct | None:
    """The product one block shows, or None when it does not show exactly one name and one price."""
    if len(block.text(deep=True, separator=" ")) > 1000:
        return None  # a section of many products, not one
    spots = price_spots(block)
    if not spots:
        return _bare_text_product(block, None)
    price, regular, currency = choose_price(spots)
    if price is None:
        return None
    name, size = _name_and_size(block)
    if name is None:
        return None
    # The name's own size beats a guess from the block's other texts ("10 x 10mg" under "Gummies 100mg").
    return make_product(name, price, regular, currency, find_size(name) or size)
