"""Reading competitor pages: products and prices (structured data, selectors, repeated blocks) and promotion text.

Pure functions over a page's text: no fetching (the guarded transport does that) and no store.
"""
from scheduler.integrations.html.extract import extract_products
from scheduler.integrations.html.model import ExtractedProduct
from scheduler.integrations.html.promotions import extract_promotions_text
from scheduler.integrations.html.sizes import SizeToken, find_size, size_tokens, strip_sizes

__all__ = ["ExtractedProduct", "SizeToken", "extract_products", "extract_promotions_text", "find_size",
           "size_tokens", "strip_sizes"]
