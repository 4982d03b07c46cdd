"""Pricing logic over our catalogue and competitors' products: which items are the same, and the price gaps.

Pure functions (no store, no network): the pricing steps call them.
"""
from scheduler.pricing.matching import Match, OurProduct, match_products, name_score, price_gap_percent
from scheduler.pricing.profile import Profile, compatible, profile

__all__ = ["Match", "OurProduct", "Profile", "compatible", "match_products", "name_score", "price_gap_percent",
           "profile"]
