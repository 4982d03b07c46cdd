"""Cannabis advertising rules as data: what copy may not say, and the warnings it must carry.

A starting set drawn from what US state regulators commonly require (no health claims, nothing
that appeals to minors, no overconsumption, no price-only inducements where a state restricts
them, an age and a children warning). It is not legal advice: a shop adds its own rules here.
Patterns run on lower-cased text; a finding quotes the copy's own words.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    """One thing copy may not say: its id, category, why, and the phrases that say it."""

    id: str
    category: str  # health_claim, appeals_to_minors, overconsumption, price_inducement
    message: str  # the finding's explanation, shown to the owner
    patterns: tuple[str, ...]
    # Applies only in jurisdictions that set this flag (Jurisdiction.restricts).
    only_where: str | None = None


@dataclass(frozen=True)
class RequiredWarning:
    """A warning copy must carry: the text added when missing, and patterns that recognise it already there."""

    id: str
    text: str
    patterns: tuple[str, ...]


@dataclass(frozen=True)
class Jurisdiction:
    """Where copy runs: which conditional rules apply and which warnings are required."""

    code: str
    name: str
    restricts: frozenset[str]
    warnings: tuple[str, ...]


_AILMENTS = (r"(?:anxiety|depression|pain|insomnia|sleep\s+problems|stress|ptsd|nausea|cancer|seizures?|epilepsy|"
             r"arthritis|inflammation|migraines?|headaches?|glaucoma|ptsd|adhd|illness|disease|symptoms?)")

RULES: tuple[Rule, ...] = (
    Rule("health.cures", "health_claim", "Copy may not claim that cannabis cures, treats or prevents anything.",
         (r"\b(?:cures?|cured|curing|treats?|treating|heals?|healing|prevents?|preventing|remed(?:y|ies))\b"
          r"(?:\s+\w+){0,3}?\s+" + _AILMENTS + r"\b",
          r"\b(?:cures?|heals?)\b",
          r"\b(?:relie(?:f|ves?)|reduces?|eases?|fights?|helps?(?:\s+with)?)\s+(?:your\s+|my\s+)?" + _AILMENTS + r"\b",
          r"\bhelps?\s+(?:you\s+)?sleep\b")),
    Rule("health.benefits", "health_claim", "Copy may not promise medical, therapeutic or safety benefits.",
         (r"\b(?:medical|medicinal|therapeutic|health)\s+benefits?\b", r"\bgood\s+for\s+(?:your\s+)?health\b",
          r"\b(?:clinically|scientifically)\s+(?:proven|tested)\b", r"\bfda[\s-]approved\b",
          r"\b(?:completely|totally|100%)\s+safe\b", r"\bno\s+side[\s-]effects\b", r"\bhealthy\s+alternative\b")),
    Rule("minors.audience", "appeals_to_minors", "Copy may not speak to or depict people under 21.",
         (r"\b(?:kids?|children|child|teens?|teenagers?|minors?|youths?|students?|juniors?)\b",
          r"\bback[\s-]to[\s-]school\b", r"\b(?:prom|spring\s+break|homecoming|graduation)\b",
          r"\b(?:all|any)\s+ages\b|\bfamily[\s-]friendly\b")),
    Rule("minors.appeal", "appeals_to_minors", "Copy may not use what appeals to children: candy, toys, cartoons.",
         (r"\bcand(?:y|ies)\b", r"\btoys?\b", r"\bcartoons?\b", r"\bsuperheroe?s?\b", r"\blollipops?\b",
          r"\bunicorns?\b")),
    Rule("overconsumption", "overconsumption", "Copy may not encourage excessive or rapid consumption.",
         (r"\b(?:get|got|getting)\s+(?:so\s+)?(?:wasted|blasted|baked|blazed|stoned|wrecked|obliterated)\b",
          r"\bas\s+much\s+as\s+you\s+(?:can|want)\b", r"\bunlimited\b", r"\bbinge\b", r"\bchug\b")),
    Rule("price.inducement", "price_inducement",
         "This jurisdiction restricts price inducements: no giveaways, free product or price-only pitches.",
         (r"\bfree\s+(?:\w+\s+){0,2}(?:joints?|pre-?rolls?|grams?|eighths?|edibles?|gummies|carts?|weed|flower|"
          r"cannabis|products?|samples?|gifts?)\b",
          r"\bgive-?aways?\b", r"\bbogo\b|\bbuy\s+one,?\s+get\s+one\b", r"\bhalf[\s-]price\b",
          r"\b(?:cheapest|lowest)\s+(?:prices?|weed|cannabis|flower|in\s+town)\b", r"\b\d{1,3}\s?%\s+off\b",
          r"\$\d+(?:\.\d\d)?\s+(?:off|deals?)\b"),
         only_where="price_inducements"),
)

WARNINGS: dict[str, RequiredWarning] = {w.id: w for w in (
    RequiredWarning("age", "For use only by adults 21 and older.",
            (r"\b(?:adults?\s+)?21\s*\+", r"\b21\s+(?:and|or)\s+(?:older|over|up)\b", r"\bages?\s+21\b")),
    RequiredWarning("children", "Keep out of reach of children.", (r"\bkeep\s+out\s+of\s+(?:the\s+)?reach\s+of\s+children\b",)),
)}

JURISDICTIONS: dict[str, Jurisdiction] = {j.code: j for j in (
    # Strict unless a shop says otherwise: price inducements flagged, both warnings required.
    Jurisdiction("default", "Default (strictest common rules)", frozenset({"price_inducements"}), ("age", "children")),
    Jurisdiction("NY", "New York", frozenset({"price_inducements"}), ("age", "children")),
    Jurisdiction("NJ", "New Jersey", frozenset({"price_inducements"}), ("age", "children")),
    Jurisdiction("MA", "Massachusetts", frozenset({"price_inducements"}), ("age", "children")),
    Jurisdiction("CA", "California", frozenset(), ("age", "children")),
    Jurisdiction("CO", "Colorado", frozenset(), ("age", "children")),
    Jurisdiction("MI", "Michigan", frozenset(), ("age", "children")),
)}
