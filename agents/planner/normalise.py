"""First stage of the planner: the request as the later stages read it.

`normalise(text)` gives the original text (misspellings fixed, case kept, for the
schedule parser and for names), the lower-cased text every pattern runs on, and the
core: the lower-cased text without polite openings ("hi, could you please ...").
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from agents.planner import lexicon as V
from agents.planner.spelling import fix_spelling


@dataclass(frozen=True)
class Text:
    """One request, normalised: `text` (case kept), `low` (lower-cased), `core` (no polite opening)."""

    text: str
    low: str
    core: str

    def words(self) -> int:
        """How many words of two letters or more the core has."""
        return len(re.findall(r"[a-z]{2,}", self.core))


# "every 2 hours during business hours" must not run all night: business hours are said as a window the
# schedule parser reads (9 AM to 5 PM; days stay as said).
BUSINESS_HOURS = re.compile(r"\b(?:during|in|within|over)\s+(?:normal\s+|regular\s+|our\s+)?(?:business|work(?:ing)?|office|"
                            r"opening|store|shop)\s+hours\b|\bwhile\s+(?:we'?re|we\s+are|the\s+(?:store|shop)\s+is)\s+open\b",
                            re.IGNORECASE)


# Web and mail addresses are names, not words: "https://hooks.shop.co/weekly" says no schedule.
_ADDRESSES = re.compile(r"\bhttps?://\S+|\bwww\.\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def no_addresses(text: str) -> str:
    """The text with web and mail addresses blanked, for the schedule parser."""
    return _ADDRESSES.sub(lambda m: " " * len(m.group(0)), text)


def normalise(text: str) -> Text:
    """The request as text, lower-cased text and core."""
    text = BUSINESS_HOURS.sub("between 9am and 5pm", fix_spelling((text or "").strip()))
    low = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    for pattern, words in V.SHORTHAND:
        low = pattern.sub(words, low)
    return Text(text, low, V.POLITE.sub("", low).strip(" ,.!?"))
