"""Which of a competitor's products is the same item as one of ours, and by how much their price differs."""
from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, Field, computed_field
from rapidfuzz import fuzz

from scheduler.integrations.html.model import ExtractedProduct
from scheduler.pricing.profile import Profile, compatible, profile

THRESHOLD = 88.0  # name similarity (0-100) a match needs: "Blue Dream" / "Blueberry" is far below
MARGIN = 5.0  # the best candidate must beat the next different one by this much, or nothing matches


class OurProduct(BaseModel):
    """One of the organisation's own products, as matching needs it."""

    id: str | None = None
    name: str
    price: float = Field(ge=0)
    category: str = ""  # "Flower", "Pre-Rolls", "Vapes"...: tells the form when the name does not


class Match(BaseModel):
    """One of ours and the competitor's product that is the same item, with how sure the match is."""

    product: OurProduct
    competitor_product: ExtractedProduct
    score: float  # name similarity, 0-100, after the size and form checks passed

    @computed_field  # type: ignore[prop-decorator]
    @property
    def gap(self) -> float:
        """Percent of our price by which theirs is lower (negative when theirs is higher)."""
        return price_gap_percent(self.product.price, self.competitor_product.price)


def price_gap_percent(our_price: float, their_price: float) -> float:
    """How much cheaper they are, in percent of our price, to 1 decimal: positive when they are cheaper."""
    if our_price <= 0:
        raise ValueError("our price must be above zero to compare against it")
    return round((our_price - their_price) / our_price * 100, 1)


def name_score(a: Profile, b: Profile) -> float:
    """How alike two compared names are, 0-100 (word order and spacing ignored)."""
    if not a.key or not b.key:
        return 100.0 if a.key == b.key and a.numbers else 0.0
    # Word order and spacing ignored ("Grand Daddy Purple" / "Granddaddy Purple"); a brand in front of a
    # long name costs a few points, an extra word in a short name ("Girl Scout Cookies Extreme") many.
    score = max(fuzz.token_sort_ratio(a.key, b.key), fuzz.ratio(a.key.replace(" ", ""), b.key.replace(" ", "")))
    return float(score)


@dataclass
class _Candidate:
    index: int
    score: float
    identity: tuple[str, frozenset[float], frozenset[float], int | None]


def _candidates(ours: Profile, theirs: list[Profile]) -> list[_Candidate]:
    found = []
    for index, their in enumerate(theirs):
        if compatible(ours, their):
            found.append(_Candidate(index, name_score(ours, their), (their.key, their.grams, their.mg, their.count)))
    return sorted(found, key=lambda c: -c.score)


def match_products(ours: list[OurProduct], theirs: list[ExtractedProduct]) -> list[Match]:
    """Our products matched to one competitor's, each of ours to at most one of theirs (and the reverse).

    Two products match only when their form, weight, mg, pack and distinguishing words agree and their
    names are alike (rapidfuzz) above THRESHOLD, ahead of any other candidate by MARGIN: a wrong match
    is worse than none. The same item listed twice counts once, at its lowest price.
    """
    their_profiles = [profile(p.name, p.size) for p in theirs]
    chosen: dict[int, tuple[int, float]] = {}  # their index -> (our index, score)
    for our_index, product in enumerate(ours):
        candidates = _candidates(profile(product.name, None, product.category), their_profiles)
        if not candidates or candidates[0].score < THRESHOLD:
            continue
        best = candidates[0]
        same = [c for c in candidates if c.identity == best.identity]
        others = [c for c in candidates if c.identity != best.identity]
        exact = best.score == 100.0 and (not others or others[0].score < 100.0)
        if others and best.score - others[0].score < MARGIN and not exact:
            continue  # two different items are about as close: do not guess
        pick = min(same, key=lambda c: (theirs[c.index].price, c.index))
        held = chosen.get(pick.index)
        if held is None or held[1] < best.score:
            chosen[pick.index] = (our_index, best.score)
    pairs = sorted((o, t, s) for t, (o, s) in chosen.items())
    return [Match(product=ours[o], competitor_product=theirs[t], score=round(s, 1)) for o, t, s in pairs]
