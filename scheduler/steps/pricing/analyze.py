"""analyze_pricing: our products matched to each competitor's, the price gaps, and the undercuts worth an alert."""
from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field

from scheduler.integrations.html import ExtractedProduct
from scheduler.pricing import OurProduct, match_products
from scheduler.steps.base import Step, StepContext, StepOutput, StepParams
from scheduler.steps.intelligence.sources import Menu, current_menus, money, percent

SHOWN = 20  # undercuts named in the summary (the message body); the output keeps them all


class AnalyzePricingParams(StepParams):
    threshold: float = Field(0, ge=0, le=100)  # percent: undercuts are the comparisons with a larger gap
    compare_to: Literal["our_prices"] = "our_prices"
    products: list[str] | None = None  # only our products whose name contains one of these
    competitors: list[str] | None = None  # names or ids; all when absent
    criteria: str | None = None  # a limit in the user's words, for the model when there is one


class Comparison(BaseModel):
    product: str  # our product
    our_price: float
    competitor: str
    competitor_product: str  # as the competitor's page names it (data, kept literally)
    competitor_price: float
    gap: float  # percent of our price by which theirs is lower; negative when theirs is higher


class AnalyzePricingOutput(StepOutput):
    price_gap: float
    comparisons: list[Comparison]
    undercuts: list[Comparison]
    undercut_count: int
    compared_products: int
    competitor_count: int


def compare(ours: list[OurProduct], menus: list[Menu]) -> list[Comparison]:
    """Every match of one of ours with a competitor's product, largest gap first."""
    found = []
    for menu in menus:
        theirs = [ExtractedProduct.model_validate(p.model_dump()) for p in menu.products]
        for match in match_products(ours, theirs):
            found.append(Comparison(product=match.product.name, our_price=match.product.price, competitor=menu.name,
                                    competitor_product=match.competitor_product.name,
                                    competitor_price=match.competitor_product.price, gap=match.gap))
    return sorted(found, key=lambda c: (-c.gap, c.product.casefold(), c.competitor.casefold()))


def undercut_line(c: Comparison) -> str:
    """Budget Buds sells Sour Diesel Pre-Roll 1g for 25% less than you ($9.00 vs $12.00)"""
    return f"{c.competitor} sells {c.product} for {percent(c.gap)} less than you ({money(c.competitor_price)} vs {money(c.our_price)})"


def pricing_summary(undercuts: list[Comparison], comparisons: list[Comparison], products: int, menus: int,
                    threshold: float) -> str:
    """The undercuts, most severe first, one a line; then what was compared."""
    if not menus:
        return "No competitor prices to compare yet: scan_competitors has not read any competitor menu."
    lines = [undercut_line(c) for c in undercuts[:SHOWN]]
    if len(undercuts) > SHOWN:
        lines.append(f"... and {len(undercuts) - SHOWN} smaller undercuts.")
    if not undercuts:
        above = f" by more than {percent(threshold)}" if threshold else ""
        lines.append(f"No competitor undercuts you{above}.")
    lines.append(f"Compared {products} of your products with {menus} competitor{'s' if menus != 1 else ''} "
                 f"({len(comparisons)} matches).")
    return "\n".join(lines)


class AnalyzePricing(Step):
    """Compare our prices with the competitors' (fuzzy names, sizes and forms), largest gap first."""

    name = "analyze_pricing"
    Params = AnalyzePricingParams
    Output = AnalyzePricingOutput
    example: ClassVar[dict[str, Any]] = {"threshold": 10}

    async def run(self, params: AnalyzePricingParams, ctx: StepContext) -> AnalyzePricingOutput:
        ours = [OurProduct(id=p.id, name=p.name, price=p.price, category=p.category)
                for p in await ctx.store.products.list(ctx.org_id) if p.price > 0]
        if params.products:
            wanted = [w.casefold() for w in params.products]
            ours = [p for p in ours if any(w in p.name.casefold() for w in wanted)]
        menus = await current_menus(ctx, params.competitors)
        comparisons = compare(ours, menus)
        undercuts = [c for c in comparisons if c.gap > params.threshold]
        matched = len({c.product for c in comparisons})
        return AnalyzePricingOutput(
            price_gap=max((c.gap for c in comparisons if c.gap > 0), default=0.0), comparisons=comparisons,
            undercuts=undercuts, undercut_count=len(undercuts), compared_products=matched, competitor_count=len(menus),
            summary=pricing_summary(undercuts, comparisons, matched, len(menus), params.threshold),
        )
