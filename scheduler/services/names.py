"""Which playbook the user's words name: exact first, then a fuzzy score with a margin; otherwise candidates to ask about."""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from rapidfuzz import fuzz

T = TypeVar("T")

# A fuzzy match acts only above this score (0-100) and this far ahead of the next best:
# "price alert" against "Low Stock Alert" scores about 70, "sales reprot" against "Daily Sales Report" about 95.
ACCEPT = 85.0
MARGIN = 8.0
# Scores above this are worth listing when we ask which one was meant.
SUGGEST = 55.0

# Words that say nothing about which playbook: articles, possessives, pronouns, the noun itself.
NOT_A_NAME = frozenset("the my our a an playbook playbooks it its that this one them those these".split())


def words_of(text: str) -> list[str]:
    """The words of a name or a phrase, lower-cased, plural 's' dropped, the non-naming words left out."""
    found = (w.rstrip("s") if len(w) > 3 else w for w in re.findall(r"[a-z0-9]+", text.lower()))
    return [w for w in found if w not in NOT_A_NAME]


def score(said: Sequence[str], name: Sequence[str]) -> float:
    """How well the said words name a playbook: every said word must find itself (or a near spelling) in the name."""
    if not said or not name:
        return 0.0
    per_word = [max(fuzz.ratio(w, n) for n in name) for w in said]
    # A name with many words the user did not say is a weaker match ("alert" vs "Low Stock Alert"): a small penalty.
    unsaid = sum(1 for n in name if max(fuzz.ratio(n, w) for w in said) < 80)
    return sum(per_word) / len(per_word) - 2.0 * unsaid


@dataclass(frozen=True)
class Resolution(Generic[T]):
    """The one item the words name, or none and the candidates worth offering."""

    match: T | None
    candidates: tuple[T, ...] = ()
    exact: bool = False


def resolve(words: str, items: Sequence[T], name_of: Callable[[T], str]) -> Resolution[T]:
    """The item the words name: an exact name (alone), else the fuzzy best with a clear margin, else candidates."""
    wanted = " ".join(words_of(words))
    if not wanted:
        return Resolution(None, ())
    exact = [i for i in items if " ".join(words_of(name_of(i))) == wanted]
    if len(exact) == 1:
        return Resolution(exact[0], exact=True)
    if len(exact) > 1:
        return Resolution(None, tuple(exact))
    said = wanted.split()
    ranked = sorted(((score(said, words_of(name_of(i))), n, i) for n, i in enumerate(items)), key=lambda t: (-t[0], t[1]))
    if not ranked:
        return Resolution(None, ())
    best, runner_up = ranked[0][0], (ranked[1][0] if len(ranked) > 1 else 0.0)
    if best >= ACCEPT and best - runner_up >= MARGIN:
        return Resolution(ranked[0][2])
    return Resolution(None, tuple(i for s, _, i in ranked if s >= SUGGEST)[:5])


def unique_name(name: str, taken: Sequence[str]) -> str:
    """The name, or the name with the first free number ("Daily Sales Report 2") when the organisation already uses it."""
    used = {t.strip().lower() for t in taken}
    if name.strip().lower() not in used:
        return name
    n = 2
    while f"{name} {n}".lower() in used:
        n += 1
    return f"{name} {n}"
