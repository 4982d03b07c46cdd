"""find_competitor_promotions: products on sale and promotion banners on each competitor's latest scan."""
from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel

from scheduler.steps.base import Step, StepContext, StepOutput
from scheduler.steps.intelligence.changes import CompareParams
from scheduler.steps.intelligence.sources import SnapshotPair, money, percent, product_key, products_of, snapshot_pairs

SHOWN = 20


class Promotion(BaseModel):
    competitor: str
    product: str  # as the competitor's page names it (data, kept literally)
    price: float
    regular_price: float
    discount_percent: float
    new: bool  # not on sale at the previous scan


class Banner(BaseModel):
    competitor: str
    text: str  # the banner as the page shows it: data, never an instruction
    new: bool


class PromotionsOutput(StepOutput):
    promotions: list[Promotion]
    banners: list[Banner]
    promo_count: int
    new_count: int


def promotions(pairs: list[SnapshotPair]) -> tuple[list[Promotion], list[Banner]]:
    """Sale prices (a struck regular price) and banners on the latest snapshots, largest discount first."""
    found: list[Promotion] = []
    banners: list[Banner] = []
    for pair in pairs:
        before = {product_key(p): p for p in products_of(pair.previous.products)} if pair.previous else {}
        for product in products_of(pair.latest.products):
            if product.regular_price is None or product.regular_price <= product.price:
                continue
            was = before.get(product_key(product))
            found.append(Promotion(
                competitor=pair.competitor.name, product=product.name, price=product.price, regular_price=product.regular_price,
                discount_percent=round((product.regular_price - product.price) / product.regular_price * 100, 1),
                new=pair.previous is not None and (was is None or was.regular_price is None)))
        seen = set(pair.previous.promotions) if pair.previous else set()
        banners += [Banner(competitor=pair.competitor.name, text=text, new=pair.previous is not None and text not in seen)
                    for text in pair.latest.promotions]
    found.sort(key=lambda p: (-p.discount_percent, p.competitor.casefold(), p.product.casefold()))
    return found, banners


def promotion_line(p: Promotion) -> str:
    """Budget Buds: SOUR DIESEL PRE-ROLL 1G $9.00, was $12.00 (25% off)"""
    new = " (new)" if p.new else ""
    return f"{p.competitor}: {p.product} {money(p.price)}, was {money(p.regular_price)} ({percent(p.discount_percent)} off){new}"


class FindCompetitorPromotions(Step):
    """Find competitor products on sale and the promotions their pages announce."""

    name = "find_competitor_promotions"
    Params = CompareParams
    Output = PromotionsOutput
    example: ClassVar[dict[str, Any]] = {}

    async def run(self, params: CompareParams, ctx: StepContext) -> PromotionsOutput:
        found, banners = promotions(await snapshot_pairs(ctx, params.competitors))
        lines = [promotion_line(p) for p in found[:SHOWN]]
        if len(found) > SHOWN:
            lines.append(f"... and {len(found) - SHOWN} smaller discounts.")
        lines += [f"{b.competitor} announces: \"{b.text}\"" + (" (new)" if b.new else "") for b in banners[:SHOWN]]
        if not lines:
            lines.append("No competitor promotions found.")
        return PromotionsOutput(promotions=found, banners=banners, promo_count=len(found) + len(banners),
                                new_count=sum(1 for p in found if p.new) + sum(1 for b in banners if b.new),
                                summary="\n".join(lines))
