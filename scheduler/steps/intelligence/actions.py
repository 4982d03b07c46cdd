"""analyze_competitive_intelligence: this run's competitor findings turned into stored actions for the right persona."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import BaseModel, Field

from scheduler.integrations.html.model import ExtractedProduct
from scheduler.pricing.matching import OurProduct, match_products
from scheduler.pricing.profile import profile
from scheduler.steps.base import Step, StepContext, StepOutput, StepParams
from scheduler.steps.intelligence.sources import money, percent
from scheduler.store.tables import Product


class IntelligenceParams(StepParams):
    min_gap: float = Field(5, ge=0, le=100)  # percent: smaller undercuts are left alone
    high_gap: float = Field(15, ge=0, le=100)  # an undercut above this is high priority
    critical_gap: float = Field(30, ge=0, le=100)  # ... above this, critical
    drop_percent: float = Field(10, ge=0, le=100)  # a competitor price drop at least this deep on an item we sell
    criteria: str | None = None  # a limit in the user's words, for the model when there is one


class ActionMade(BaseModel):
    id: str
    type: str
    priority: str
    recommendation: str


class IntelligenceOutput(StepOutput):
    actions: list[ActionMade]
    action_count: int
    critical_count: int


@dataclass
class Proposal:
    type: str
    priority: str
    recommendation: str
    data: dict[str, Any]


def findings(ctx: StepContext, action: str, key: str) -> list[dict[str, Any]]:
    """A list an earlier step of this run found (`analyze_pricing.undercuts`...): by its action name, else any output."""
    named = ctx.values.get(action)
    if isinstance(named, dict) and isinstance(named.get(key), list):
        return named[key]
    for output in reversed(ctx.previous):
        if isinstance(output, dict) and isinstance(output.get(key), list):
            return output[key]
    return []


def _ours(product: Product) -> OurProduct:
    return OurProduct(id=product.id, name=product.name, price=max(product.price, 0), category=product.category)


def same_item(catalogue: list[Product], name: str, price: float) -> Product | None:
    """Our product that is the same item as a competitor's (the matcher's rules: a wrong match is worse than none)."""
    matches = match_products([_ours(p) for p in catalogue if p.price > 0], [ExtractedProduct(name=name, price=price)])
    by_id = {p.id: p for p in catalogue}
    return by_id.get(matches[0].product.id or "") if matches else None


def category_we_sell(catalogue: list[Product], name: str, price: float) -> str | None:
    """The category of ours a competitor's product competes with: the same item's, else the same form's."""
    match = same_item(catalogue, name, price)
    if match is not None:
        return match.category or None
    form = profile(name).form
    if form is None:
        return None
    return next((p.category for p in catalogue if p.category and profile(p.name, None, p.category).form == form), None)


def propose(params: IntelligenceParams, catalogue: list[Product], undercuts: list[dict[str, Any]],
            comparisons: list[dict[str, Any]], changes: list[dict[str, Any]], removed: list[dict[str, Any]],
            promotions: list[dict[str, Any]]) -> list[Proposal]:
    """The rules, most severe first within each kind (see AnalyzeCompetitiveIntelligence)."""
    out: list[Proposal] = []
    undercut_products: set[str] = set()
    for u in sorted(undercuts or [c for c in comparisons if c.get("gap", 0) > 0], key=lambda c: -c["gap"]):
        if u["gap"] <= params.min_gap or u["product"] in undercut_products:
            continue
        undercut_products.add(u["product"])
        priority = "critical" if u["gap"] > params.critical_gap else "high" if u["gap"] > params.high_gap else "medium"
        out.append(Proposal("price_adjustment", priority,
                            f"{u['competitor']} sells {u['competitor_product']} for {percent(u['gap'])} less than your "
                            f"{u['product']} ({money(u['competitor_price'])} vs {money(u['our_price'])}): review its price.",
                            {k: u[k] for k in ("product", "our_price", "competitor", "competitor_product",
                                               "competitor_price", "gap")}))
    by_product: dict[str, list[dict[str, Any]]] = {}
    for c in comparisons:
        by_product.setdefault(c["product"], []).append(c)
    for product, rows in sorted(by_product.items()):
        if product not in undercut_products and all(r["gap"] <= -20 for r in rows):
            least = max(r["gap"] for r in rows)
            out.append(Proposal("margin_optimization", "low",
                                f"Every competitor listing {product} charges at least {percent(-least)} more than you "
                                f"({money(rows[0]['our_price'])}): there is room to raise it.",
                                {"product": product, "our_price": rows[0]["our_price"], "smallest_premium": -least}))
    for ch in sorted(changes, key=lambda c: c["change_percent"]):
        if ch["change_percent"] > -params.drop_percent:
            continue
        ours = same_item(catalogue, ch["product"], ch["new_price"])
        if ours is None or ours.name in undercut_products:
            continue
        undercut_products.add(ours.name)
        out.append(Proposal("price_adjustment", "medium",
                            f"{ch['competitor']} dropped {ch['product']} by {percent(-ch['change_percent'])} to "
                            f"{money(ch['new_price'])}; you charge {money(ours.price)} for {ours.name}.",
                            {"product": ours.name, "our_price": ours.price, "competitor": ch["competitor"],
                             "competitor_product": ch["product"], "competitor_price": ch["new_price"],
                             "change_percent": ch["change_percent"]}))
    campaigns: dict[tuple[str, str], dict[str, Any]] = {}
    for promo in promotions:
        category = category_we_sell(catalogue, promo["product"], promo["price"])
        key = (promo["competitor"], category or "")
        if category and (key not in campaigns or campaigns[key]["discount_percent"] < promo["discount_percent"]):
            campaigns[key] = {**promo, "category": category}
    for (competitor, category), promo in sorted(campaigns.items(), key=lambda kv: -kv[1]["discount_percent"]):
        d = promo["discount_percent"]
        out.append(Proposal("counter_campaign", "critical" if d >= 30 else "high" if d >= 15 else "medium",
                            f"{competitor} has {promo['product']} at {percent(d)} off; counter with a {category} offer.",
                            {"competitor": competitor, "category": category, "product": promo["product"],
                             "price": promo["price"], "regular_price": promo["regular_price"], "discount_percent": d}))
    for gone in removed:
        ours = same_item(catalogue, gone["product"], 1.0)
        if ours is None or ours.quantity <= 0:
            continue
        low = ours.quantity <= ours.reorder_point
        out.append(Proposal("inventory_alert", "high" if low else "medium",
                            f"{gone['competitor']} no longer lists {gone['product']}; its shoppers may come to you "
                            f"for {ours.name} ({ours.quantity} in stock{', at or below the reorder point' if low else ''}).",
                            {"competitor": gone["competitor"], "competitor_product": gone["product"], "product": ours.name,
                             "product_id": ours.id, "quantity": ours.quantity, "reorder_point": ours.reorder_point}))
    return out


class AnalyzeCompetitiveIntelligence(Step):
    """Turn this run's competitor findings into stored competitive actions, each for the persona that acts on it.

    Rules (findings of earlier steps of the same run; nothing is fetched here):
    - analyze_pricing undercut of one of our products by more than `min_gap` (5%): `price_adjustment`,
      `critical` above `critical_gap` (30%), `high` above `high_gap` (15%), else `medium`; one per product.
    - every competitor that lists one of our products charges 20% or more above us: `margin_optimization`, low.
    - detect_price_changes drop of at least `drop_percent` (10%) on an item we sell, not already undercut:
      `price_adjustment`, medium.
    - find_competitor_promotions sale on a category we sell (the same item's category, else the same form's):
      `counter_campaign` per competitor and category, `critical` at 30% off or more, `high` at 15%, else `medium`.
    - track_new_products: a competitor no longer lists an item we stock: `inventory_alert`, `high` when our
      stock is at or below its reorder point, else `medium`.
    Actions are staged in the step's unit of work: they commit with its checkpoint, exactly once.
    """

    name = "analyze_competitive_intelligence"
    Params = IntelligenceParams
    Output = IntelligenceOutput
    example: ClassVar[dict[str, Any]] = {}

    async def run(self, params: IntelligenceParams, ctx: StepContext) -> IntelligenceOutput:
        catalogue = await ctx.store.products.list(ctx.org_id)
        proposals = propose(
            params, catalogue, findings(ctx, "analyze_pricing", "undercuts"),
            findings(ctx, "analyze_pricing", "comparisons"), findings(ctx, "detect_price_changes", "changes"),
            findings(ctx, "track_new_products", "removed_products"),
            findings(ctx, "find_competitor_promotions", "promotions"))
        made = [ActionMade(id=ctx.store.actions.stage(ctx.unit, ctx.org_id, p.type, p.priority, p.recommendation,
                                                      p.data, ctx.execution_id),
                           type=p.type, priority=p.priority, recommendation=p.recommendation) for p in proposals]
        critical = sum(1 for m in made if m.priority == "critical")
        if not made:
            summary = "No competitor findings to act on."
        else:
            kinds = sorted({m.type.replace("_", " ") for m in made})
            summary = (f"{len(made)} competitive action{'s' if len(made) != 1 else ''} ({', '.join(kinds)})"
                       f"{f', {critical} critical' if critical else ''}:\n" + "\n".join(f"- {m.recommendation}" for m in made))
        return IntelligenceOutput(actions=made, action_count=len(made), critical_count=critical, summary=summary)
