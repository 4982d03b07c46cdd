"""Products on pages that declare nothing: repeated sibling blocks (cards, list items, table rows) that each show one."""
from __future__ import annotations

from dataclasses import dataclass, field

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scheduler.integrations.html.blocks import read_block
from scheduler.integrations.html.model import ExtractedProduct

_MIN_SHARE = 0.6  # of a run of siblings, how many must read as products (a header row or a banner may not)
_MAX_CHILDREN = 2000  # siblings read per parent: a menu has dozens, a page of thousands is not a menu


def signature(node: LexborNode) -> tuple[str, str]:
    """What makes siblings "the same kind of block": the tag and the first class ("div", "product-card")."""
    classes = (node.attributes.get("class") or "").split()
    return node.tag, classes[0] if classes else ""


@dataclass
class _Run:
    """Siblings of one signature under one parent, and what they read as."""

    members: int = 0
    products: list[tuple[int, ExtractedProduct]] = field(default_factory=list)


def _runs(tree: LexborHTMLParser) -> dict[tuple[str, str], list[_Run]]:
    """For every signature, the runs of siblings that share it and mostly read as products."""
    found: dict[tuple[str, str], list[_Run]] = {}
    root = tree.body or tree.root
    if root is None:
        return found
    order = 0
    for parent in root.traverse():
        groups: dict[tuple[str, str], list[LexborNode]] = {}
        for count, child in enumerate(parent.iter()):
            if count >= _MAX_CHILDREN:
                break
            if not child.tag.startswith("-"):
                groups.setdefault(signature(child), []).append(child)
        for sig, members in groups.items():
            if len(members) < 2:
                continue
            run = _Run(members=len(members))
            for member in members:
                product = read_block(member)
                order += 1
                if product is not None:
                    run.products.append((order, product))
            if len(run.products) >= 2 and len(run.products) >= _MIN_SHARE * run.members:
                found.setdefault(sig, []).append(run)
    return found


def block_products(tree: LexborHTMLParser) -> list[ExtractedProduct]:
    """Products from the page's repeated blocks, in page order.

    Every run of siblings of the winning signature is read, so a menu split into sections (flower,
    edibles...) under different parents comes out whole. The winner is the signature with the most
    products; a tie goes to the one whose runs read best (fewer siblings that are not products).
    """
    runs = _runs(tree)
    if not runs:
        return []

    def rank(sig: tuple[str, str]) -> tuple[int, float]:
        products = sum(len(r.products) for r in runs[sig])
        members = sum(r.members for r in runs[sig])
        return products, products / members

    best = max(runs, key=rank)
    chosen = sorted((p for run in runs[best] for p in run.products), key=lambda p: p[0])
    return [product for _, product in chosen]
