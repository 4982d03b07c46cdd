"""Products on pages that declare nothing: repeated sibling blocks (cards, list items, table rows), one each."""
from __future__ import annotations

from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scheduler.integrations.html.blocks import read_block
from scheduler.integrations.html.model import ExtractedProduct

_MIN_SHARE = 0.6  # of a run of siblings, how many must read as products (a header row or a banner may not)
_SAMPLE = 16  # siblings read to judge a run: enough to tell a menu from a list of links


def signature(node: LexborNode) -> tuple[str, str]:
    """What makes siblings "the same kind of block": the tag and the first class ("div", "product-card")."""
    classes = (node.attributes.get("class") or "").split()
    return node.tag, classes[0] if classes else ""


@dataclass
class _Run:
    """Siblings of one signature under one parent, and what they read as."""

    members: int = 0
    products: int = 0


def _runs(tree: LexborHTMLParser) -> dict[tuple[str, str], list[_Run]]:
    """For every signature, the runs of siblings that share it and mostly read as products."""
    found: dict[tuple[str, str], list[_Run]] = {}
    root = tree.body or tree.root
    if root is None:
        return found
    for parent in root.traverse():
        groups: dict[tuple[str, str], list[LexborNode]] = {}
        for child in parent.iter():
            if not child.tag.startswith("-"):
                groups.setdefault(signature(child), []).append(child)
        for sig, members in groups.items():
            if len(members) < 2:
                continue
            sample = members[:_SAMPLE]
            read = sum(1 for member in sample if read_block(member) is not None)
            run = _Run(members=len(members), products=round(read * len(members) / len(sample)))
            if read >= 2 and read >= _MIN_SHARE * len(sample):
                found.setdefault(sig, []).append(run)
    return found


def block_products(tree: LexborHTMLParser) -> list[ExtractedProduct]:
    """Products from the page's repeated blocks, in page order.

    The winning signature is the one whose runs of siblings hold the most products (a tie goes to
    the one whose runs read best). Then every element of that signature is read, so a menu split into
    sections (flower, edibles...) comes out whole, even a section of one.
    """
    runs = _runs(tree)
    if not runs:
        return []

    def rank(sig: tuple[str, str]) -> tuple[int, float]:
        products = sum(r.products for r in runs[sig])
        members = sum(r.members for r in runs[sig])
        return products, products / members

    best = max(runs, key=rank)
    root = tree.body or tree.root
    products = []
    for node in root.traverse():
        if signature(node) == best and (product := read_block(node)) is not None:
            products.append(product)
    return products
