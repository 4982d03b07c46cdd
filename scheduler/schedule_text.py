"""Natural-language schedule phrases -> standard 5-field cron, in code, never by a model.

`parse_schedule("Every Monday at 8am email me a weekly sales report", "America/New_York")`
finds the schedule inside the sentence and returns `0 8 * * 1` in that zone.
Vague words take the defaults of the planning contract (evals/CONTRACT.md):
daily/morning 09:00, noon 12:00, afternoon 14:00, evening 18:00, night 21:00,
midnight 00:00, weekly -> Monday, monthly -> day 1, quarterly -> 1 Jan/Apr/Jul/Oct.

The text is read by a series of extractors. Each one blanks out what it used,
so a later one cannot read the same words twice (the 6 of "every 6 hours" is
not also a time of day, the 15 of "the 15th" is not 3 PM).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from scheduler.crontime import CronError, describe, validate_schedule

__all__ = ["ParsedSchedule", "ScheduleTextError", "parse_schedule"]

MAX_CHARS = 2000  # a schedule is a phrase; the extractors are quadratic in the worst case
_ORD = r"(?:st|nd|rd|th)"
_TIME = r"(\d{1,2})(?::(\d{2}))?\s*(am|pm)?"

# --- vocabulary -------------------------------------------------------------------

_DAYS = {"monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5,
        "saturday": 6, "sunday": 0, "mon": 1, "tue": 2, "tues": 2, "wed": 3, "weds": 3,
        "thu": 4, "thur": 4, "thurs": 4, "fri": 5, "sat": 6, "sun": 0}
_DAY_RE = "(?:" + "|".join(sorted(_DAYS, key=len, reverse=True)) + ")"
# Short forms are also ordinary words ("sat", "sun", "wed"): they count as days
# only next to "every", "on", a list separator or another day.
_DAY_ABBR_NEEDS_CONTEXT = {d for d in _DAYS if len(d) <= 5 and not d.endswith("day")}
_MONTHS = {name: i + 1 for i, names in enumerate([
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
    ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sept", "sep"),
    ("october", "oct"), ("november", "nov"), ("december", "dec")]) for name in names}
_MONTH_RE = "(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + ")"
# "may" and "march" are also verbs; abbreviations are also words ("mar", "jan").
_MONTH_NEEDS_CONTEXT = {m for m in _MONTHS if len(m) <= 4 or m == "march"}
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
# Two-letter forms are matched in capitals only: "et", "pt" are too common otherwise.
_ZONE_ABBR_UPPER = {"ET": "America/New_York", "CT": "America/Chicago",
                    "MT": "America/Denver", "PT": "America/Los_Angeles"}


@lru_cache(maxsize=1)
def _city_zones() -> dict[str, str]:
    """'new york' -> 'America/New_York', from the zone database's last path parts."""
    out = {}
    for key in sorted(available_timezones()):
        # Geographic zones only: "US/Pacific" must not beat the region-word rule.
        if key.split("/")[0] in ("Africa", "America", "Asia", "Atlantic", "Australia", "Europe",
                                 "Indian", "Pacific") and "/" in key:
            out.setdefault(key.rsplit("/", 1)[1].replace("_", " ").lower(), key)
    return out


def _find_zone(text: str, default: str) -> tuple[str, str]:
    """(IANA zone named in the text or `default`, text with the zone words blanked)."""
    found: list[tuple[int, re.Match, str]] = []
    for m in re.finditer(r"\b[A-Za-z]+(?:[_-][A-Za-z]+)*/[A-Za-z]+(?:[_-][A-Za-z]+)*"
                         r"(?:/[A-Za-z]+(?:[_-][A-Za-z]+)*)?\b", text):
        try:
            ZoneInfo(m.group(0))
        except (ValueError, OSError):
            continue
        found.append((m.start(), m, m.group(0)))
    timeish = r"(?:am|pm|\d|noon|midnight|o'?clock)\W{0,3}$"
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
                start = m.start(1) + len(m.group(1)) - len(" ".join(m.group(1).split()[-k:]))
                found.append((start, m, _city_zones()[city]))
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


def _normalise(text: str) -> str:
    """Lower case, plain punctuation, digits for number words ('nine' -> '9', 'first' -> '1th')."""
    s = text.lower().replace("\u2019", "'").replace("\u2013", "-").replace("\u2014", "-")
    s = re.sub(r"\b([ap])\.\s?m\b\.?", r"\1m", s)
    s = re.sub(r"\bo'?\s?clock\b", "oclock", s)
    s = re.sub(r"\b(\d{1,2})\.(\d{2})\s*(am|pm)\b", r"\1:\2\3", s)
    return _words_to_numbers(s)


@dataclass(frozen=True)
class ParsedSchedule:
    """A schedule read from text: cron, IANA zone and a plain-English description."""

    cron: str
    timezone: str
    description: str


class ScheduleTextError(ValueError):
    """No usable schedule in the text. `kind`: missing, impossible, unsupported or one_off."""

    def __init__(self, message: str, kind: str = "missing"):
        super().__init__(message)
        self.kind = kind


@dataclass
class _Spec:
    minute_step: int | None = None
    hour_step: int | None = None
    minute_offset: int | None = None
    window: tuple[int, int] | None = None
    times: list[tuple[int, int]] = field(default_factory=list)
    per_day: int | None = None
    per_week: int | None = None
    doms: set[int] = field(default_factory=set)
    months: set[int] = field(default_factory=set)
    dows: set[int] = field(default_factory=set)
    month_step: int | None = None
    period: str | None = None
    daily: bool = False
    weekly: bool = False
    monthly: bool = False
    quarterly: bool = False
    yearly: bool = False

    def empty(self) -> bool:
        return not (self.minute_step or self.hour_step or self.window or self.times
                    or self.per_day or self.per_week or self.doms or self.months
                    or self.dows or self.month_step or self.period or self.daily
                    or self.weekly or self.monthly or self.quarterly or self.yearly)


def _blank(s: str, m: re.Match) -> str:
    return s[:m.start()] + " " * (m.end() - m.start()) + s[m.end():]


def _scan(pattern: str, s: str, handle) -> str:
    """Call handle(match) for each match; blank the matches it accepts (returns truthy)."""
    for m in list(re.finditer(pattern, s)):
        if handle(m) is not False:
            s = _blank(s, m)
    return s


def _unsupported(s: str) -> None:
    rules = [
        (r"\bevery\s+(?:\d+\s+)?seconds?\b|\b\d+\s*(?:seconds|secs)\b",
         "cron runs at most once a minute, so schedules in seconds are not possible"),
        (r"\b(?:bi-?weekly|fortnightly|every\s+(?:other|2nd)\s+week)\b|\bevery\s+(?:[2-9]|\d\d)\s+weeks\b",
         "standard cron cannot repeat every other week; pick days of the week instead"),
        (r"\bevery\s+(?:other|2nd)\s+day\b|\bevery\s+(?:[2-9]|\d\d)\s+days\b",
         "standard cron cannot repeat every N days across month ends; pick days of the week instead"),
        (r"\b(?:last|final)\s+(?:business\s+|working\s+)?(?:day|weekday)\s+of\b|\bend\s+of\s+(?:the|every|each)\s+month\b",
         "standard cron cannot say 'the last day of the month'; pick a day such as the 28th or the 1st"),
        (r"\b(?:\d" + _ORD + r"|last|final)\s+(?:" + _DAY_RE + r"|weekday|business\s+day|working\s+day)s?\s+(?:of|in)\b",
         "standard cron cannot say 'the first or last <weekday> of the month'; pick a date or a weekday"),
        (r"\bevery\s+(?:other|2nd)\s+" + _DAY_RE + r"\b",
         "standard cron cannot repeat every other week; pick days of the week instead"),
    ]
    for pattern, why in rules:
        if re.search(pattern, s):
            raise ScheduleTextError(why, "unsupported")


def _num_step(n: int, unit: str) -> tuple[str, int]:
    """('minute'|'hour'|'day', step) for 'every N <unit>', refusing steps cron cannot keep."""
    if unit.startswith("m"):
        if n % 60 == 0:
            return _num_step(n // 60, "hour")
        if not 1 <= n < 60 or 60 % n:
            raise ScheduleTextError(f"every {n} minutes cannot be kept by cron (it restarts "
                                    "each hour); use 1, 2, 3, 4, 5, 6, 10, 12, 15, 20 or 30",
                                    "unsupported")
        return "minute", n
    if n == 24:
        return "day", 1
    if not 1 <= n < 24 or 24 % n:
        raise ScheduleTextError(f"every {n} hours cannot be kept by cron (it restarts each "
                                "day); use 1, 2, 3, 4, 6, 8 or 12", "unsupported")
    return "hour", n


def _intervals(s: str, spec: _Spec) -> str:
    def step(kind: str, n: int) -> None:
        if kind == "minute":
            spec.minute_step = n
        elif kind == "hour":
            spec.hour_step = n
        else:
            spec.daily = True

    def every(m: re.Match) -> None:
        n = 2 if m.group(1) in ("other", "2nd") else int(m.group(1) or 1)
        step(*_num_step(n, m.group(2)))

    s = _scan(r"\bevery\s+(?:a\s+)?quarter[\s-]+(?:of\s+an\s+)?hour\b", s, lambda m: step("minute", 15))
    s = _scan(r"\bevery\s+half[\s-]+(?:an\s+)?hour\b|\bhalf[\s-]+hourly\b", s, lambda m: step("minute", 30))
    s = _scan(r"\bevery\s+(?:(\d+|other|2nd)\s*)?(minutes?|mins?|hours?|hrs?)\b", s, every)
    s = _scan(r"\bhourly\b|\bonce\s+(?:an|a|per|each|every)\s+hour\b|\b(?:per|each)\s+hour\b", s,
              lambda m: step("hour", 1))
    s = _scan(r"\b(\d+)\s+times\s+(?:an|per|each)\s+hour\b", s,
              lambda m: step(*_num_step(60 // max(int(m.group(1)), 1), "minute")))
    s = _scan(r"\bon\s+the\s+hour\b", s, lambda m: setattr(spec, "minute_offset", 0))

    def past(m: re.Match) -> None:
        word = m.group(1)
        spec.minute_offset = {"quarter": 15, "half": 30}.get(word) or int(word)
    s = _scan(r"\b(\d{1,2}|quarter|half)\s+(?:minutes?\s+)?past\s+(?:every|each|the)\s+hour\b", s, past)
    s = _scan(r"\bat\s+:(\d{2})\b", s, lambda m: setattr(spec, "minute_offset", int(m.group(1))))
    return s


def _hour(h: int, m: int, ampm: str | None, period: str | None, literal: bool) -> tuple[int, int]:
    """24-hour (hour, minute) from a clock reading and its context."""
    if m > 59 or h > 24 or (ampm and not 1 <= h <= 12):
        raise ScheduleTextError(f"{h}:{m:02d}{' ' + ampm if ampm else ''} is not a time of day",
                                "impossible")
    if ampm == "am":
        return (0 if h == 12 else h), m
    if ampm == "pm":
        return (h if h == 12 else h + 12), m
    if h == 24:
        return 0, m
    if literal or h == 0 or h > 12:
        return h, m
    if period in ("afternoon", "evening"):
        return (h if h == 12 else h + 12), m
    if period == "night":
        return (0 if h == 12 else h + 12 if h >= 5 else h), m
    if period == "morning":
        return h, m
    # No am/pm and no part of day: assume business hours (1-6 -> PM, 7-12 as said).
    return (h + 12 if 1 <= h <= 6 else h), m


def _window(s: str, spec: _Spec) -> str:
    pattern = (r"\b(?:between|from)\s+" + _TIME + r"\s*(?:and|to|until|till|through|-)\s*"
               + _TIME + r"\b")

    def take(m: re.Match) -> None:
        a, b = (_hour(int(m.group(i)), int(m.group(i + 1) or 0), m.group(i + 2), spec.period,
                      bool(m.group(i + 1)) and m.group(i).startswith("0")) for i in (1, 4))
        start, end = a[0], b[0]
        if not m.group(3) and not m.group(6) and end <= start and end + 12 <= 23:
            end += 12
        if end <= start:
            raise ScheduleTextError(f"the window {m.group(0).strip()!r} ends before it starts",
                                    "unsupported")
        spec.window = (start, end)
    return _scan(pattern, s, take)


def _day_number(word: str) -> int:
    n = int(word)
    if not 1 <= n <= 31:
        raise ScheduleTextError(f"there is no day {n} in any month", "impossible")
    return n


def _dates(s: str, spec: _Spec) -> str:
    def month_day(m: re.Match) -> None:
        spec.months.add(_MONTHS[m.group("mon")])
        spec.doms.add(_day_number(m.group("day")))
    s = _scan(r"\b(?:the\s+)?(?P<day>\d{1,2})" + _ORD + r"?\s+(?:of\s+)?(?P<mon>" + _MONTH_RE + r")\b",
              s, month_day)
    s = _scan(r"\b(?P<mon>" + _MONTH_RE + r")\.?\s+(?:the\s+)?(?P<day>\d{1,2})" + _ORD
              + r"?\b(?!\s*(?::\d|am\b|pm\b))", s, month_day)

    def month(m: re.Match):
        name, before = m.group(1), s[:m.start()].rstrip()
        if name in _MONTH_NEEDS_CONTEXT and not re.search(r"(?:\bin|\bevery|\beach|\bof|\bduring|\bon|\band|,)$", before):
            return False
        spec.months.add(_MONTHS[name])
    s = _scan(r"\b(" + _MONTH_RE + r")\b", s, month)

    def ordinal(m: re.Match):
        before, after = s[:m.start()].rstrip(), s[m.end():].lstrip()
        if not (re.search(r"(?:\bthe|\bon|\bevery|\beach|\band|,|&|\bor)$", before)
                or re.match(r"(?:of\b|day\b)", after)):
            return False
        spec.doms.add(_day_number(m.group(1)))
    s = _scan(r"\b(\d{1,2})" + _ORD + r"\b(?:\s+day\b)?", s, ordinal)
    s = _scan(r"\bday\s+(\d{1,2})\s+of\b", s, lambda m: spec.doms.add(_day_number(m.group(1))))
    s = _scan(r"\bon\s+the\s+(\d{1,2})\b(?!\s*(?::|am\b|pm\b|oclock\b))", s,
              lambda m: spec.doms.add(_day_number(m.group(1))))
    return s


def _weekdays(s: str, spec: _Spec) -> str:
    def except_(m: re.Match) -> None:
        spec.daily = True
        spec.dows.update(range(7))
        for word in re.findall(r"[a-z]+", m.group(1)):
            if word in _DAYS:
                spec.dows.discard(_DAYS[word])
            elif word.startswith("weekend"):
                spec.dows -= {0, 6}
    s = _scan(r"\b(?:every\s*day|daily|each\s+day)?\s*(?:except|but\s+not)\s+(?:on\s+)?("
                 + r"(?:(?:" + _DAY_RE + r"s?|weekends?)(?:\s*(?:,|and|or)\s*)?)+)", s, except_)
    s = _scan(r"\b(?:week\s?days?|business\s+days?|work\s?days?|working\s+days?)\b", s,
              lambda m: spec.dows.update({1, 2, 3, 4, 5}))
    # "weekend" alone is often an adjective ("weekend promo"): only "weekends"
    # or "every/on/over the weekend" name days.
    s = _scan(r"\bweek\s?ends\b|\b(?:every|each|on|over|during|at)\s+(?:the\s+)?week\s?end\b", s,
              lambda m: spec.dows.update({0, 6}))

    def span(m: re.Match) -> None:
        a, b = _DAYS[m.group(1)], _DAYS[m.group(2)]
        spec.dows.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
    s = _scan(r"\b(" + _DAY_RE + r")s?\.?\s*(?:-|to|through|thru|until)\s*(" + _DAY_RE + r")s?\b", s, span)

    def day(m: re.Match):
        word = m.group(1)
        before = s[:m.start()].rstrip()
        if word in _DAY_ABBR_NEEDS_CONTEXT and before and not re.search(
                r"(?:\bevery|\beach|\bon|\band|\bor|,|&|/|-)$", before):
            return False
        spec.dows.add(_DAYS[word])
    return _scan(r"\b(" + _DAY_RE + r")(?:s|'s)?\b", s, day)


def _frequencies(s: str, spec: _Spec) -> str:
    def flag(name: str, **extra):
        def set_(m: re.Match) -> None:
            setattr(spec, name, True)
            for k, v in extra.items():
                setattr(spec, k, v)
        return set_

    def times_per(m: re.Match) -> None:
        n = {"once": 1, "twice": 2, "thrice": 3}.get(m.group(1)) or int(m.group(2))
        unit = m.group(3)
        if unit == "day":
            spec.per_day = n
        elif unit == "week":
            spec.per_week = n
        elif unit == "month":
            spec.doms.update({1} if n == 1 else {1, 15} if n == 2 else set())
            if n > 2:
                raise ScheduleTextError(f"{n} times a month has no standard cron form; name the days",
                                        "unsupported")
        elif unit == "year":
            spec.yearly = True
            spec.months.update({1} if n == 1 else {1, 7} if n == 2 else {1, 4, 7, 10} if n == 4 else set())
    s = _scan(r"\b(?:(once|twice|thrice)|(\d+)\s+times)\s+(?:a|an|per|each|every)\s+(day|week|month|year)\b",
              s, times_per)
    s = _scan(r"\b(?:semi-?annually|bi-?annually|every\s+6\s+months)\b", s,
              flag("yearly", months={1, 7}))
    s = _scan(r"\bquarterly\b|\b(?:every|each|a|per)\s+quarter\b|\bevery\s+3\s+months\b|\bof\s+(?:every|each|the)\s+quarter\b",
              s, flag("quarterly"))

    def month_step(m: re.Match) -> None:
        n = 2 if m.group(1) in ("other", "2nd") else int(m.group(1))
        if not 1 <= n <= 12 or 12 % n:
            raise ScheduleTextError(f"every {n} months has no standard cron form", "unsupported")
        spec.month_step = n
    s = _scan(r"\bevery\s+(\d+|other|2nd)\s+months?\b", s, month_step)
    s = _scan(r"\b(?:yearly|annually|every\s+year|each\s+year|per\s+year|a\s+year)\b", s, flag("yearly"))
    s = _scan(r"\b(?:monthly|(?:every|each|per|a)\s+month|of\s+(?:every|each|the)\s+month)\b", s,
              flag("monthly"))
    s = _scan(r"\b(?:weekly|(?:every|each|per|a)\s+week)\b", s, flag("weekly"))
    s = _scan(r"\b(?:daily|every\s*day|each\s+day|per\s+day|a\s+day|day\s+by\s+day)\b", s, flag("daily"))
    return s


_PERIODS = [
    ("morning", r"\b(?:every|each)\s+morning\b|\bmornings\b|\bin\s+the\s+morning\b|\bmorning\b(?!'s)|"
                r"\bfirst\s+thing\b|\bstart\s+of\s+(?:the\s+)?(?:business\s+)?day\b"),
    ("afternoon", r"\b(?:every|each)\s+afternoon\b|\bafternoons\b|\bin\s+the\s+afternoon\b|\bafternoon\b(?!'s)"),
    ("evening", r"\b(?:every|each)\s+evening\b|\bevenings\b|\bin\s+the\s+evening\b|\bevening\b(?!'s)|"
                r"\bend\s+of\s+(?:the\s+|each\s+|every\s+)?(?:business\s+|work\s+)?day\b|\bclose\s+of\s+business\b|"
                r"\beod\b|\bcob\b"),
    ("night", r"\b(?:every|each)\s+night\b|\bnightly\b|\bnights\b|\bat\s+night\b|\btonight\b|\bovernight\b|\bnight\b(?!'s)"),
]
_PERIOD_DEFAULT = {"morning": (9, 0), "afternoon": (14, 0), "evening": (18, 0), "night": (21, 0)}


def _periods(s: str, spec: _Spec) -> str:
    for name, pattern in _PERIODS:
        def hit(m: re.Match, name=name) -> None:
            if m.group(0).startswith("end") or m.group(0) in ("eod", "cob") or m.group(0).startswith("close"):
                spec.times.append((17, 0))
            spec.period = spec.period or name
        s = _scan(pattern, s, hit)
    return s


def _times(s: str, spec: _Spec) -> str:
    def named(m: re.Match) -> None:
        spec.times.append((0, 0) if m.group(0) == "midnight" else (12, 0))
    s = _scan(r"\b(?:noon|midday|mid-day|lunch\s?time|midnight)\b", s, named)

    ends: list[int] = []  # where each time read so far ends, for "at 9am and 5"

    def clock(m: re.Match) -> None:
        hour, minute = m.group("h"), m.group("m")
        literal = bool(minute) and (hour.startswith("0") or int(hour) >= 13)
        spec.times.append(_hour(int(hour), int(minute or 0), m.group("ap"), spec.period, literal))
        ends.append(m.end())

    def chained(m: re.Match):
        if not any(0 <= m.start() - end <= 3 for end in ends):
            return False
        clock(m)

    def relative(m: re.Match) -> None:
        h, ap = int(m.group(3)), m.group(4)
        minute = {"half": 30, "quarter": 15}[m.group(1)]
        if m.group(2) == "to":
            h, minute = (h - 1) % 24 or (12 if ap else 0), 60 - minute
        spec.times.append(_hour(h, minute, ap, spec.period, False))
    s = _scan(r"\b(half|quarter)\s+(past|after|to)\s+(\d{1,2})\s*(am|pm)?\b", s, relative)
    s = _scan(r"(?<![\d:$.])\b(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s*(?P<ap>am|pm)\b", s, clock)
    s = _scan(r"(?<![\d:$.])\b(?P<h>\d{1,2}):(?P<m>\d{2})\b(?P<ap>)", s, clock)
    s = _scan(r"(?<![\d:$.])\b(?P<h>\d{1,2})(?P<m>)(?P<ap>)\s*oclock\b", s, clock)
    # A bare number after "at" is a time unless a unit follows ("at 10 stores", "at 5%").
    follow = (r"(?!\s*(?:%|\$|[.:]\d|(?:st|nd|rd|th)\b|(?:[a-z]+\s+)?(?:units?|items?|pieces?|products?|"
              r"competitors?|stores?|locations?|days?|weeks?|months?|hours?|minutes?|mins?|dollars?|bucks|"
              r"percent|times?|people|customers?|orders?|skus?)\b))")
    s = _scan(r"\b(?:at|around)\s+(?P<h>\d{1,2})(?P<m>)(?P<ap>)\b" + follow, s, clock)
    # "at 9am and 5" / "at 9, 1 and 5": bare numbers chained straight onto a time.
    # ... and only when what follows reads like the rest of a schedule, not "and 3 posts".
    then = (r"(?=\s*(?:$|[,.;!?)]|(?:and|or|every|each|daily|on|in|at|from|to)\b|[a-z]+day|morning|"
            r"afternoon|evening|night))")
    return _scan(r"(?:,|\band\b|&)\s*(?P<h>\d{1,2})(?P<m>)(?P<ap>)\b" + then, s, chained)


def _clock_fields(spec: _Spec) -> tuple[str, str]:
    if spec.minute_step:
        hour = f"{spec.window[0]}-{spec.window[1] - 1}" if spec.window else "*"
        return ("*" if spec.minute_step == 1 else f"*/{spec.minute_step}"), hour
    if spec.hour_step:
        minute = spec.minute_offset if spec.minute_offset is not None else (
            spec.times[0][1] if spec.times else 0)
        n = spec.hour_step
        if spec.window:
            return str(minute), f"{spec.window[0]}-{spec.window[1]}/{n}" if n > 1 else f"{spec.window[0]}-{spec.window[1]}"
        if spec.times and n > 1 and spec.times[0][0] % n:
            return str(minute), f"{spec.times[0][0] % n}-23/{n}"
        return str(minute), "*" if n == 1 else f"*/{n}"
    if spec.window and not spec.times:
        return str(spec.minute_offset or 0), f"{spec.window[0]}-{spec.window[1]}"
    times = sorted(set(spec.times))
    if not times and spec.per_day and spec.per_day > 1:
        defaults = {2: [9, 17], 3: [9, 13, 17], 4: [8, 12, 16, 20]}
        if spec.per_day not in defaults:
            if 24 % spec.per_day:
                raise ScheduleTextError(f"{spec.per_day} times a day has no even cron form; "
                                        "name the times", "unsupported")
            return "0", f"*/{24 // spec.per_day}"
        times = [(h, 0) for h in defaults[spec.per_day]]
    if not times:
        times = [_PERIOD_DEFAULT.get(spec.period or "", (9, 0))]
    minutes = {m for _, m in times}
    hours = {h for h, _ in times}
    if len(minutes) > 1 and len(hours) > 1:
        shown = ", ".join(f"{h}:{m:02d}" for h, m in times)
        raise ScheduleTextError(f"the times {shown} need more than one cron expression; "
                                "make one playbook per time", "unsupported")
    return ",".join(map(str, sorted(minutes))), ",".join(map(str, sorted(hours)))


def _compact(values: set[int]) -> str:
    """'1,2,3,4,5' -> '1-5': runs of three or more become ranges."""
    out, run = [], []
    for v in sorted(values) + [None]:
        if run and (v is None or v != run[-1] + 1):
            out.append(f"{run[0]}-{run[-1]}" if len(run) >= 3 else ",".join(map(str, run)))
            run = []
        if v is not None:
            run.append(v)
    return ",".join(out)


def _day_fields(spec: _Spec) -> tuple[str, str, str]:
    doms = ",".join(map(str, sorted(spec.doms))) if spec.doms else None
    dows = _compact(spec.dows) if spec.dows and len(spec.dows) < 7 else None
    if not dows and spec.per_week:
        table = {1: "1", 2: "1,4", 3: "1,3,5", 4: "1,2,4,5", 5: "1-5", 6: "1-6", 7: None}
        dows = table.get(spec.per_week, None)
    if spec.quarterly:
        return doms or "1", "1,4,7,10", "*"
    if spec.month_step:
        return doms or "1", f"*/{spec.month_step}", "*"
    if spec.months:
        month = ",".join(map(str, sorted(spec.months)))
        if doms or dows or spec.daily:
            return doms or "*", month, dows or "*"
        return "1", month, "*"
    if spec.yearly:
        return doms or "1", "1", "*"
    if spec.monthly and not doms and dows:
        raise ScheduleTextError("'monthly' on a weekday has no standard cron form; name a date",
                                "unsupported")
    if spec.monthly and not doms:
        return "1", "*", "*"
    if spec.weekly and not dows and not doms:
        return "*", "*", "1"
    return doms or "*", "*", dows or "*"


_ONE_OFF = (r"\b(?:tomorrow|tonight|next\s+(?:week|month|year|" + _DAY_RE + r")|this\s+(?:coming\s+)?"
            + _DAY_RE + r"|in\s+\d+\s+(?:minutes?|hours?|days?|weeks?)|on\s+" + _MONTH_RE
            + r"\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4})\b(?!')")
_RECURRING = (r"\b(?:every|each|daily|nightly|hourly|weekly|monthly|quarterly|yearly|annually|"
              r"always|twice|thrice|times\s+(?:a|an|per)|per\s+(?:day|week|month)|[a-z]+days|"
              r"mornings|afternoons|evenings|nights|weekends)\b")


def parse_schedule(text: str, default_timezone: str) -> ParsedSchedule:
    """Find the schedule in `text` and return it as cron; raise ScheduleTextError when there is none or it never fires."""
    if len(text) > MAX_CHARS:
        raise ScheduleTextError(f"text longer than {MAX_CHARS} characters; say the schedule in a "
                                "sentence", "unsupported")
    zone, masked = _find_zone(text, default_timezone)
    s = _normalise(masked)
    _unsupported(s)
    spec = _Spec()
    s = _intervals(s, spec)
    s = _dates(s, spec)
    s = _weekdays(s, spec)
    s = _periods(s, spec)
    s = _frequencies(s, spec)
    s = _window(s, spec)
    s = _times(s, spec)
    if spec.empty():
        raise ScheduleTextError(f"no schedule found in {text!r}; say when, e.g. "
                                "'every weekday at 9am'", "missing")
    plain = _normalise(masked)
    if re.search(_ONE_OFF, plain) and not re.search(_RECURRING, plain):
        raise ScheduleTextError(f"{text!r} sounds like a one-time job; playbooks repeat, "
                                "so say how often (e.g. 'every day at 9am')", "one_off")
    minute, hour = _clock_fields(spec)
    dom, month, dow = _day_fields(spec)
    cron = f"{minute} {hour} {dom} {month} {dow}"
    try:
        validate_schedule(cron, zone)
    except CronError as e:
        if "never fires" not in str(e):
            raise ScheduleTextError(f"the schedule in {text!r} is not valid: {e}", "impossible") from None
        raise ScheduleTextError(f"the schedule in {text!r} never happens (cron {cron!r} has no date "
                                "in the next five years)", "impossible") from None
    return ParsedSchedule(cron, zone, describe(cron, zone))
