"""assortment_gaps (Ezal): product forms, and sizes of the forms we carry, that competitors sell and we do not."""
from __future__ import annotations

from collections import defaultdict
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field

from scheduler.pricing import Profile, profile
from scheduler.steps.base import Step, StepContext, StepOutput, StepParams
from scheduler.steps.intelligence.sources import current_menus, money


class AssortmentGapsParams(StepParams):
    competitors: list[str] | None = Field(None, max_length=50)  # by id or name; None: all
    sizes: bool = True  # also sizes of forms we carry (an ounce of flower when we sell eighths only)
    min_competitors: int = Field(1, ge=1, le=50)  # a gap counts when at least this many competitors sell it


class Gap(BaseModel):
    kind: Literal["form", "size"]
    form: str
    size: str | None  # "28g", "100mg"; None for a whole form
    competitors: list[str]
    products: int  # their listings of it
    examples: list[str]  # up to three names from their menus (page text, kept literally)
    min_price: float  # dollars
    max_price: float


class AssortmentGapsOutput(StepOutput):
    gaps: list[Gap]  # sold by the most competitors first
    gap_count: int
    our_forms: list[str]
    their_forms: list[str]
    menus: int  # competitor menus read


def size_of(p: Profile) -> str | None:
    """The amount a product is sold by, as a label: its total grams, else its total mg, else its ml."""
    if p.grams:
        return f"{max(p.grams):g}g"
    if p.mg:
        return f"{max(p.mg):g}mg"
    return f"{p.ml:g}ml" if p.ml is not None else None


class AssortmentGaps(Step):
    """What the competitors sell that we do not: whole product forms, and sizes of the forms we carry."""

    name = "assortment_gaps"
    Params = AssortmentGapsParams
    Output = AssortmentGapsOutput
    example: ClassVar[dict[str, Any]] = {"sizes": True}

    async def run(self, params: AssortmentGapsParams, ctx: StepContext) -> AssortmentGapsOutput:
        menus = await current_menus(ctx, params.competitors)
        ours = [profile(p.name, None, p.category) for p in await ctx.store.products.list(ctx.org_id)]
        our_forms = {p.form for p in ours if p.form}
        our_sizes = {(p.form, size_of(p)) for p in ours if p.form}
        seen: dict[tuple[str, str, str | None], list[tuple[str, str, float]]] = defaultdict(list)
        their_forms: set[str] = set()
        for menu in menus:
            for item in menu.products:
                prof = profile(item.name, item.size)
                if prof.form is None:
                    continue
                their_forms.add(prof.form)
                if prof.form not in our_forms:
                    seen[("form", prof.form, None)].append((menu.name, item.name, item.price))
                elif params.sizes and (size := size_of(prof)) is not None and (prof.form, size) not in our_sizes:
                    seen[("size", prof.form, size)].append((menu.name, item.name, item.price))
        gaps = []
        for (kind, form, size), rows in seen.items():
            who = sorted({c for c, _, _ in rows})
            if len(who) < params.min_competitors:
                continue
            prices = [price for _, _, price in rows]
            gaps.append(Gap(kind=kind, form=form, size=size, competitors=who, products=len(rows),  # type: ignore[arg-type]
                            examples=list(dict.fromkeys(n for _, n, _ in rows))[:3], min_price=min(prices), max_price=max(prices)))
        gaps.sort(key=lambda g: (-len(g.competitors), g.kind, g.form, g.size or ""))
        return AssortmentGapsOutput(gaps=gaps, gap_count=len(gaps), our_forms=sorted(our_forms), their_forms=sorted(their_forms),
                                    menus=len(menus), summary=_summary(gaps, len(menus)))


def _summary(gaps: list[Gap], menus: int) -> str:
    if not menus:
        return "Assortment gaps: no competitor menus yet (scan_competitors reads them)."
    if not gaps:
        return f"Assortment gaps: none; we carry every form and size the {menus} competitor menus sell."
    lines = [f"Assortment gaps: {len(gaps)} from {menus} competitor menus."]
    for g in gaps[:12]:
        what = f"{g.form.replace('_', '-')} {g.size}" if g.size else f"{g.form.replace('_', '-')} (no such products at all)"
        lines.append(f"  - {what}: {len(g.competitors)} competitor(s), {g.products} listing(s), "
                     f"{money(g.min_price)}-{money(g.max_price)}")
    return "\n".join(lines)
