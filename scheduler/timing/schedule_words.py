"""The words schedule phrases are made of: days, months, numbers, zones, parts of day.

Vocabulary only, no parsing decisions: `scheduler.timing.schedule_extractors` reads a
phrase with these tables and `scheduler.timing.schedule_text` turns the result into cron.
`normalise` and `find_zone` prepare the text before any extractor sees it.
"""
from __future__ import annotations

import re
from functools import lru_cache
from zoneinfo import available_timezones

__all__ = [
    "DAYS", "DAY_ABBR_NEEDS_CONTEXT", "DAY_RE", "MONTHS", "MONTH_NEEDS_CONTEXT", "MONTH_RE",
    "ORD", "PERIODS", "PERIOD_DEFAULT", "TIME", "find_zone", "normalise", "unknown_zone",
]

ORD = r"(?:st|nd|rd|th)"
TIME = r"(\d{1,2})(?::(\d{2}))?\s*(am|pm)?"

DAYS = {"monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5,
        "saturday": 6, "sunday": 0, "mon": 1, "tue": 2, "tues": 2, "wed": 3, "weds": 3,
        "thu": 4, "thur": 4, "thurs": 4, "fri": 5, "sat": 6, "sun": 0}
DAY_RE = "(?:" + "|".join(sorted(DAYS, key=len, reverse=True)) + ")"
# Short forms are also ordinary words ("sat", "sun", "wed"): they count as days
# only next to "every", "on", a list separator or another day.
DAY_ABBR_NEEDS_CONTEXT = {d for d in DAYS if len(d) <= 5 and not d.endswith("day")}
MONTHS = {name: i + 1 for i, names in enumerate([
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
    ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sept", "sep"),
    ("october", "oct"), ("november", "nov"), ("december", "dec")]) for name in names}
MONTH_RE = "(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + ")"
# "may" and "march" are also verbs; abbreviations are also words ("mar", "jan").
MONTH_NEEDS_CONTEXT = {m for m in MONTHS if len(m) <= 4 or m == "march"}
_NUMBER_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty".split())}
_NUMBER_WORDS.update({"thirty": 30, "forty": 40, "fifty": 50, "a couple of": 2})
_ORDINAL_WORDS = {w: i + 1 for i, w in enumerate(
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
    "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth "
    "twentieth".split())}
_ORDINAL_WORDS.update({"thirtieth": 30})
_ZONE_WORDS = {"eastern": "America/New_York", "central": "America/Chicago",
               "mountain": "America/Denver", "pacific": "America/Los_Angeles",
               "alaska": "America/Anchorage", "hawaii": "Pacific/Honolulu",
               "hawaiian": "Pacific/Honolulu", "atlantic": "America/Halifax"}
_ZONE_ABBR = {"est": "America/New_York", "edt": "America/New_York",
              "cst": "America/Chicago", "cdt": "America/Chicago",
              "mst": "America/Denver", "mdt": "America/Denver",
              "pst": "America/Los_Angeles", "pdt": "America/Los_Angeles",
              "akst": "America/Anchorage", "akdt": "America/Anchorage",
              "hst": "Pacific/Honolulu", "utc": "UTC", "gmt": "UTC",
              "bst": "Europe/London", "cet": "Europe/Berlin", "cest": "Europe/Berlin",
              "jst": "Asia/Tokyo", "aest": "Australia/Sydney", "aedt": "Australia/Sydney"}
# Places people name for a zone that the zone database has no entry for.
_PLACE_ZONES = {
    **dict.fromkeys(("nyc", "ny", "brooklyn", "boston", "miami", "atlanta", "philadelphia", "philly", "dc",
                     "washington dc", "baltimore", "orlando", "tampa", "charlotte", "pittsburgh", "cleveland",
                     "columbus", "east coast", "jersey", "new jersey", "florida"), "America/New_York"),
    **dict.fromkeys(("dallas", "houston", "austin", "san antonio", "minneapolis", "st louis", "st. louis",
                     "kansas city", "nashville", "new orleans", "milwaukee", "oklahoma city", "memphis",
                     "texas", "illinois", "midwest"), "America/Chicago"),
    **dict.fromkeys(("salt lake", "salt lake city", "albuquerque", "colorado", "utah", "el paso"), "America/Denver"),
    **dict.fromkeys(("tucson", "scottsdale", "arizona"), "America/Phoenix"),
    **dict.fromkeys(("la", "l.a.", "seattle", "portland", "san francisco", "sf", "san diego", "sacramento",
                     "oakland", "san jose", "las vegas", "vegas", "west coast", "california", "oregon", "cali"),
                    "America/Los_Angeles"),
    **dict.fromkeys(("uk", "u.k.", "british", "britain", "england", "scotland", "wales"), "Europe/London"),
}
# Two-letter forms are matched in capitals only: "et", "pt" are too common otherwise.
_ZONE_ABBR_UPPER = {"ET": "America/New_York", "CT": "America/Chicago",
                    "MT": "America/Denver", "PT": "America/Los_Angeles"}


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


@lru_cache(maxsize=1)
def _city_zones() -> dict[str, str]:
    """'new york' -> 'America/New_York', from the zone database's last path parts."""
    out = {}
    for key in sorted(available_timezones()):
        # Geographic zones only: "US/Pacific" must not beat the region-word rule.
        if key.split("/")[0] in ("Africa", "America", "Asia", "Atlantic", "Australia", "Europe",
                                 "Indian", "Pacific") and "/" in key:
            out.setdefault(key.rsplit("/", 1)[1].replace("_", " ").lower(), key)
    return {**out, **_PLACE_ZONES}


class _Span:
    """Where a zone was said, when it is not a whole match."""

    def __init__(self, start: int, end: int):
        self._start, self._end = start, end

    def start(self) -> int:
        return self._start

    def end(self) -> int:
        return self._end


# Words before "time" that mean the organisation's own clock, or no zone at all ("at 9am every time").
_OWN_CLOCK = frozenset("local our my your shop store business office home same usual normal regular standard "
                       "every each this that the any".split())
_SAID_ZONE = re.compile(r"(?i)(?:\d\s*[ap]\.?m\.?|\d:\d\d|\d|noon|midnight|o'?clock)\s+(?:in\s+)?"
                        r"([a-z][a-z'-]*(?:\s+(?:standard|daylight))?)\s+time\b")


def unknown_zone(text: str) -> str | None:
    """The word said as a zone right after a time that names none we know ("9am Mars time" -> "Mars"), if any.

    Only for text where find_zone found no zone: a zone word it knows never gets here.
    """
    for m in _SAID_ZONE.finditer(text):
        word = m.group(1).split()[0]
        if word.lower() not in _OWN_CLOCK:
            return word
    return None


def find_zone(text: str, default: str) -> tuple[str, str]:
    """(IANA zone named in the text or `default`, text with the zone words blanked)."""
    found: list[tuple[int, re.Match, str]] = []
    # Any "word/word" may be a zone; "slack/email" or a URL path is not, and looking one up
    # raises ZoneInfoNotFoundError, so only names the database lists are tried.
    for m in re.finditer(r"(?<![\w./:-])[A-Za-z]+(?:[_-][A-Za-z]+)*/[A-Za-z]+(?:[_-][A-Za-z]+)*"
                         r"(?:/[A-Za-z]+(?:[_-][A-Za-z]+)*)?\b(?!/)", text):
        if m.group(0) in _zone_names():
            found.append((m.start(), m, m.group(0)))
    timeish = (r"(?:[ap]\.?m\.?|\d|noon|midnight|o'?clock|morning|afternoon|evening|night|nightly|daily|"
               r"lunch(?:time)?|[a-z]*day|weekdays|weekends)\W{0,3}$")
    for m in re.finditer(r"(?i)\b(" + "|".join(_ZONE_WORDS) + r")(?:\s+(?:standard|daylight))?"
                         r"(\s+time)?\b", text):
        if m.group(2) or re.search(r"(?i)" + timeish, text[:m.start()]):
            found.append((m.start(), m, _ZONE_WORDS[m.group(1).lower()]))
    for m in re.finditer(r"(?i)\b(" + "|".join(_ZONE_ABBR) + r")\b", text):
        found.append((m.start(), m, _ZONE_ABBR[m.group(1).lower()]))
    for m in re.finditer(r"\b(" + "|".join(_ZONE_ABBR_UPPER) + r")\b", text):
        found.append((m.start(), m, _ZONE_ABBR_UPPER[m.group(1)]))
    for m in re.finditer(r"(?i)\b([a-z][a-z .'-]{1,30}?)\s+time\b", text):
        words = m.group(1).lower().split()
        for k in range(min(3, len(words)), 0, -1):
            city = " ".join(words[-k:])
            if city in _city_zones():
                start = m.start(1) + len(m.group(1).rstrip()) - len(" ".join(m.group(1).split()[-k:]))
                found.append((start, _Span(start, m.end()), _city_zones()[city]))  # blank the place only
                break
    # "at 4pm in New York": a place right after a time names its zone.
    for m in re.finditer(r"(?i)(?:[ap]\.?m\.?|\d|noon|midnight|o'?clock)\W{0,3}\s(in|at)\s+([a-z][a-z .'-]{1,30})", text):
        words = m.group(2).lower().rstrip(" .'-").split()
        for k in range(min(3, len(words)), 0, -1):
            city = " ".join(words[:k])
            if city in _city_zones():
                start = m.start(1)
                end = m.start(2) + len(" ".join(m.group(2).split()[:k]))
                found.append((start, _Span(start, end), _city_zones()[city]))
                break
    if not found:
        return default, text
    _, m, zone = min(found, key=lambda f: f[0])
    return zone, text[:m.start()] + " " * (m.end() - m.start()) + text[m.end():]


def _words_to_numbers(s: str) -> str:
    tens = r"(twenty|thirty|forty|fifty)[\s-](one|two|three|four|five|six|seven|eight|nine)\b"
    s = re.sub(r"\b" + tens, lambda m: str(_NUMBER_WORDS[m.group(1)] + _NUMBER_WORDS[m.group(2)]), s)
    s = re.sub(r"\b(twenty|thirty)[\s-](first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)\b",
               lambda m: f"{_NUMBER_WORDS[m.group(1)] + _ORDINAL_WORDS[m.group(2)]}th", s)
    s = re.sub(r"\b(" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")\b",
               lambda m: str(_NUMBER_WORDS[m.group(1)]), s)
    # "second(s)" stays a unit of time; "first thing" stays an expression.
    return re.sub(r"\b(" + "|".join(_ORDINAL_WORDS) + r")\b(?!s\b|\s+thing)",
                  lambda m: f"{_ORDINAL_WORDS[m.group(1)]}th", s)


def normalise(text: str) -> str:
    """Lower case, plain punctuation, digits for number words ('nine' -> '9', 'first' -> '1th')."""
    s = text.lower().replace("\u2019", "'").replace("\u2013", "-").replace("\u2014", "-")
    s = re.sub(r"\b([ap])\.\s?m\b\.?", r"\1m", s)
    s = re.sub(r"\bo'?\s?clock\b", "oclock", s)
    s = re.sub(r"\b(\d{1,2})\.(\d{2})\s*(am|pm)\b", r"\1:\2\3", s)
    s = re.sub(r"\b(to)?nite(ly)?\b", r"\1night\2", s)  # informal spellings
    s = re.sub(r"\b(morn|even)in\b", r"\1ing", s)
    s = re.sub(r"\bev(?:ry|rey|eyr)\b", "every", s)
    s = re.sub(r"\beveryday\b", "every day", s)
    s = re.sub(r"\bm\s?-\s?f\b", "monday-friday", s)  # "M-F": the working week, as shops write it
    s = re.sub(r"\s*\+\s*", " and ", s)
    return _words_to_numbers(s)


# Parts of the day, and the times the planning contract (evals/CONTRACT.md) gives them.
PERIODS = [
    ("morning", r"\b(?:every|each)\s+morning\b|\bmornings\b|\bin\s+the\s+morning\b|\bmorning\b(?!'s)|"
                r"\bfirst\s+thing\b|\bstart\s+of\s+(?:the\s+)?(?:business\s+)?day\b"),
    ("afternoon", r"\b(?:every|each)\s+afternoon\b|\bafternoons\b|\bin\s+the\s+afternoon\b|\bafternoon\b(?!'s)"),
    ("evening", r"\b(?:every|each)\s+evening\b|\bevenings\b|\bin\s+the\s+evening\b|\bevening\b(?!'s)|"
                r"\bend\s+of\s+(?:the\s+|each\s+|every\s+)?(?:business\s+|work\s+)?day\b|\bclose\s+of\s+business\b|"
                r"\beod\b|\bcob\b"),
    ("night", r"\b(?:every|each)\s+night\b|\bnightly\b|\bnights\b|\bat\s+night\b|\btonight\b|\bovernight\b|\bnight\b(?!'s)"),
]
PERIOD_DEFAULT = {"morning": (9, 0), "afternoon": (14, 0), "evening": (18, 0), "night": (21, 0)}
