"""Which reader reads a page: the owner's selectors, then what the page declares, then its repeated blocks."""
from __future__ import annotations

from scheduler.integrations.html.blocks import parse
from scheduler.integrations.html.generic import block_products
from scheduler.integrations.html.model import ExtractedProduct, dedupe
from scheduler.integrations.html.selectors import check_selectors, selector_products
from scheduler.integrations.html.structured import structured_products


def extract_products(html: str, base_url: str, selectors: dict[str, str] | None = None) -> list[ExtractedProduct]:
    """The products and prices a page shows, with no configuration for ordinary sites.

    Readers, first that finds products wins:
    1. the competitor's CSS selectors, when given (set because the automatic readers got the site
       wrong, so they are not second-guessed; a ValueError says what is wrong with them);
    2. schema.org data the page declares: JSON-LD (Product, ItemList, @graph, Offer, AggregateOffer,
       priceSpecification), microdata and RDFa, merged in that order (a product declared twice is one);
    3. repeated product blocks (cards, list items, table rows) that each show a name and a price.
    Except: when the page shows at least twice as many products as it declares (and three or more),
    the declared ones are a featured item or a partial list, and the shown ones are taken.
    Page text is data: names are kept literally and never evaluated or templated.
    """
    if selectors:
        check_selectors(selectors)
    if not html or not html.strip():
        return []
    tree = parse(html)
    if selectors:
        found = selector_products(tree, selectors)
        if found:
            return dedupe(found)
    declared = dedupe(structured_products(html, base_url))
    shown = dedupe(block_products(tree))
    if declared and not (len(shown) >= 3 and len(shown) >= 2 * len(declared)):
        return declared
    return shown
