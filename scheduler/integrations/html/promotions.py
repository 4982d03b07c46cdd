"""Banner text that reads as a promotion ("20% off all edibles this weekend", "BOGO pre-rolls Friday")."""
from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scheduler.integrations.html.blocks import class_words, parse
from scheduler.integrations.html.generic import signature
from scheduler.integrations.html.model import clean_text

_BANNER_WORDS = {"banner", "promo", "promotion", "promotions", "announcement", "announce", "alert", "deal", "deals",
                 "special", "specials", "notice", "ribbon", "marquee", "offer", "offers", "hero", "callout", "topbar"}
_TEXT_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "marquee", "strong", "b", "em", "li"}
_BLOCK_TAGS = {"header", "aside", "section", "div", "span", "p", "marquee", "li", "strong", "b", "a", "h1", "h2",
               "h3", "h4", "h5", "h6", "em", "small", "article", "nav", "footer"}
# What a promotion says: a discount, a sale, a deal. Matched on one short text, never on the page as a whole.
_PROMO = re.compile(
    r"\d+\s*%\s*off\b|\$\s?\d+(?:\.\d\d)?\s*off\b|\bbogo\b|\bbuy\s+(?:one|1|two|2)\s*,?\s*get\b|\bb[12]g[12]\b"
    r"|\bhalf[\s-]+(?:off|price)\b|\bsale\b|\bdeals?\b|\bdiscounts?\b|\bsave\b|\bclearance\b|\bhappy\s+hour\b"
    r"|\bspecials?\b|\bfree\s+(?:delivery|gifts?|pre-?rolls?|joints?|items?|shipping|lighters?|grinders?)\b"
    r"|\bwith\s+(?:any\s+)?purchase\b|\bdoorbusters?\b|\bmarkdowns?\b",
    re.IGNORECASE,
)
_MAX_LEN = 300


def reads_as_promotion(text: str) -> bool:
    """Whether a short text announces a discount, sale or deal (and says more than one word)."""
    value = clean_text(text)
    words = [w for w in value.split() if any(ch.isalpha() for ch in w)]
    return len(words) >= 2 and len(value) <= _MAX_LEN and bool(_PROMO.search(value))


def _candidate(node: LexborNode) -> bool:
    if node.tag not in _BLOCK_TAGS:
        return False
    return node.tag in _TEXT_TAGS or bool(class_words(node) & _BANNER_WORDS) or node.attributes.get("role") in {
        "banner", "alert", "status"}


def _inside_repeated_block(node: LexborNode) -> bool:
    """Whether the text sits in a product card (a block with siblings of its kind): a card's "Sale" is not a banner."""
    current = node
    while current is not None and current.tag not in {"body", "html"}:
        parent = current.parent
        if parent is not None and current.tag in {"div", "li", "article", "tr"}:
            sig = signature(current)
            if (sig[1] or current.tag == "tr") and sum(1 for s in parent.iter() if signature(s) == sig) >= 3:
                return True
        current = parent
    return False


def promotions_in(tree: LexborHTMLParser) -> list[str]:
    """Promotion texts of a parsed page, outermost banner first, each once."""
    root = tree.body or tree.root
    if root is None:
        return []
    found: list[str] = []
    taken: list[LexborNode] = []
    for node in root.traverse():
        if not _candidate(node):
            continue
        if any(_contains(t, node) for t in taken):
            continue  # the text is already part of a banner taken whole
        text = clean_text(node.text(separator=" "))
        if reads_as_promotion(text) and not _inside_repeated_block(node):
            taken.append(node)
            if text not in found:
                found.append(text)
    return found


def _contains(outer: LexborNode, inner: LexborNode) -> bool:
    node = inner.parent
    while node is not None:
        if node.mem_id == outer.mem_id:
            return True
        node = node.parent
    return False


def extract_promotions_text(html: str) -> list[str]:
    """Banner and heading texts of a page that read as promotions, literally as shown (data, never evaluated)."""
    return promotions_in(parse(html))
