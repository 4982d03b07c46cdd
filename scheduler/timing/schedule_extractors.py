"""Extractors: each reads one kind of schedule words from normalised text into a Spec.

They run in a fixed order and each blanks out what it used, so a later one
cannot read the same words twice (the 6 of "every 6 hours" is not also a time
of day, the 15 of "the 15th" is not 3 PM).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from scheduler.timing.schedule_words import (
    DAY_ABBR_NEEDS_CONTEXT,
    DAY_RE,
    DAYS,
    MONTH_NEEDS_CONTEXT,
    MONTH_RE,
    MONTHS,
    ORD,
    PERIODS,
    TIME,
)

__all__ = ["ScheduleTextError", "Spec", "read_spec"]


class ScheduleTextError(ValueError):
    """No usable schedule in the text. `kind`: missing, impossible, unsupported, one_off or unknown_zone."""

    def __init__(self, message: str, kind: str = "missing"):
        super().__init__(message)
        self.kind = kind


@dataclass
class Spec:
    """What the extractors have read so far: steps, times, days and frequency words."""

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
        """True when no extractor found anything schedule-like."""
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
        (r"\b(?:\d" + ORD + r"|last|final)\s+(?:" + DAY_RE + r"|weekday|business\s+day|working\s+day)s?\s+(?:of|in)\b",
         "standard cron cannot say 'the first or last <weekday> of the month'; pick a date or a weekday"),
        # "every 3rd Tuesday", "each last Friday": an nth weekday, with "of the month" left unsaid
        (r"\b(?:every|each|on\s+the)\s+(?:[1-5]" + ORD + r"|last|final)\s+(?:" + DAY_RE + r"|weekday|business\s+day|working\s+day)\b",
         "standard cron cannot say 'the first or last <weekday> of the month'; pick a date or a weekday"),
        (r"\bevery\s+(?:other|2nd)\s+" + DAY_RE + r"\b",
         "standard cron cannot repeat every other week; pick days of the week instead"),
    ]
    for pattern, why in rules:
        if re.search(pattern, s):
            raise ScheduleTextError(why, "unsupported")


def _num_step(n: int, unit: str) -> tuple[str, int]:
    """('minute'|'hour'|'day', step) for 'every N <unit>', refusing steps cron cannot keep."""
    if n <= 0:
        raise ScheduleTextError(f"every {n} {unit.rstrip('s')}s is no interval; say how often, e.g. every 15 minutes",
                                "unsupported")
    if unit.startswith("m"):
        if n % 60 == 0:
            return _num_step(n // 60, "hour")
        if n > 60:
            raise ScheduleTextError(f"every {n} minutes cannot be kept by cron: its fields start over each "
                                    f"hour and each day, so no cron fires {n} minutes apart all day; use a number "
                                    "of hours that divides 24, or name the times", "unsupported")
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


def _intervals(s: str, spec: Spec) -> str:
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

    # "every hour on the half hour", "at the bottom of the hour": minute 30 of each hour
    def half_past(m: re.Match) -> None:
        spec.minute_offset = 30
        if m.group(1):  # "the bottom of every hour" also says how often
            spec.hour_step = spec.hour_step or 1
    s = _scan(r"\b(?:on\s+the\s+half[\s-]+hour|at\s+the\s+bottom\s+of\s+(?:the|(every|each))\s+hour)\b", s,
              half_past)
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


def _window(s: str, spec: Spec) -> str:
    pattern = (r"\b(?:between|from)\s+" + TIME + r"\s*(?:and|to|until|till|through|-)\s*"
               + TIME + r"\b")

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


def _dates(s: str, spec: Spec) -> str:
    def month_day(m: re.Match) -> None:
        spec.months.add(MONTHS[m.group("mon")])
        spec.doms.add(_day_number(m.group("day")))
    s = _scan(r"\b(?:the\s+)?(?P<day>\d{1,2})" + ORD + r"?\s+(?:of\s+)?(?P<mon>" + MONTH_RE + r")\b",
              s, month_day)
    s = _scan(r"\b(?P<mon>" + MONTH_RE + r")\.?\s+(?:the\s+)?(?P<day>\d{1,2})" + ORD
              + r"?\b(?!\s*(?::\d|am\b|pm\b))", s, month_day)

    def month(m: re.Match):
        name, before = m.group(1), s[:m.start()].rstrip()
        if name in MONTH_NEEDS_CONTEXT and not re.search(r"(?:\bin|\bevery|\beach|\bof|\bduring|\bon|\band|,)$", before):
            return False
        spec.months.add(MONTHS[name])
    s = _scan(r"\b(" + MONTH_RE + r")\b", s, month)

    def ordinal(m: re.Match):
        before, after = s[:m.start()].rstrip(), s[m.end():].lstrip()
        if not (re.search(r"(?:\bthe|\bon|\bevery|\beach|\band|,|&|\bor)$", before)
                or re.match(r"(?:of\b|day\b)", after)):
            return False
        spec.doms.add(_day_number(m.group(1)))
    s = _scan(r"\b(\d{1,2})" + ORD + r"\b(?:\s+day\b)?", s, ordinal)
    s = _scan(r"\bday\s+(\d{1,2})\s+of\b", s, lambda m: spec.doms.add(_day_number(m.group(1))))
    s = _scan(r"\bon\s+the\s+(\d{1,2})\b(?!\s*(?::|am\b|pm\b|oclock\b))", s,
              lambda m: spec.doms.add(_day_number(m.group(1))))
    return s


def _weekdays(s: str, spec: Spec) -> str:
    def except_(m: re.Match) -> None:
        spec.daily = True
        spec.dows.update(range(7))
        for word in re.findall(r"[a-z]+", m.group(1)):
            if word in DAYS:
                spec.dows.discard(DAYS[word])
            elif word.startswith("weekend"):
                spec.dows -= {0, 6}
    s = _scan(r"\b(?:every\s*day|daily|each\s+day)?\s*(?:except|but\s+not)\s+(?:on\s+)?("
                 + r"(?:(?:" + DAY_RE + r"s?|weekends?)(?:\s*(?:,|and|or)\s*)?)+)", s, except_)
    def weeknight(m: re.Match) -> None:
        spec.dows.update({1, 2, 3, 4, 5})
        spec.period = spec.period or "night"
    s = _scan(r"\bweek\s?nights?\b", s, weeknight)
    s = _scan(r"\b(?:week\s?days?|business\s+days?|work\s?days?|working\s+days?)\b", s,
              lambda m: spec.dows.update({1, 2, 3, 4, 5}))
    # "weekend" alone is often an adjective ("weekend promo"): only "weekends"
    # or "every/on/over the weekend" name days.
    s = _scan(r"\bweek\s?ends\b|\b(?:every|each|on|over|during|at)\s+(?:the\s+)?week\s?end\b", s,
              lambda m: spec.dows.update({0, 6}))

    def span(m: re.Match) -> None:
        a, b = DAYS[m.group(1)], DAYS[m.group(2)]
        spec.dows.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
    s = _scan(r"\b(" + DAY_RE + r")s?\.?\s*(?:-|to|through|thru|until)\s*(" + DAY_RE + r")s?\b", s, span)

    def day(m: re.Match):
        word = m.group(1)
        before = s[:m.start()].rstrip()
        if word in DAY_ABBR_NEEDS_CONTEXT and before and not re.search(
                r"(?:\bevery|\beach|\bon|\band|\bor|,|&|/|-)$", before):
            return False
        spec.dows.add(DAYS[word])
    return _scan(r"\b(" + DAY_RE + r")(?:s|'s)?\b", s, day)


def _frequencies(s: str, spec: Spec) -> str:
    def flag(name: str, **extra):
        def set_(m: re.Match) -> None:
            setattr(spec, name, True)
            for k, v in extra.items():
                setattr(spec, k, v)
        return set_

    def times_per(m: re.Match) -> None:
        n = {"once": 1, "twice": 2, "thrice": 3}.get(m.group(1)) or int(m.group(2))
        unit = m.group(3) or {"daily": "day", "weekly": "week", "monthly": "month", "yearly": "year"}[m.group(4)]
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
    s = _scan(r"\b(?:(once|twice|thrice)|(\d+)\s+times)\s+(?:(?:a|an|per|each|every)\s+(day|week|month|year)|"
              r"(daily|weekly|monthly|yearly))\b", s, times_per)
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
    # "in a month", "for a week", "over a day" are lengths of time, not how often.
    a = r"(?<!\bin\s)(?<!\bfor\s)(?<!\bwithin\s)(?<!\bover\s)(?<!\bthan\s)(?<!\bonce\s)a"
    s = _scan(r"\b(?:yearly|annually|every\s+year|each\s+year|per\s+year|" + a + r"\s+year)\b", s, flag("yearly"))
    s = _scan(r"\b(?:monthly|(?:every|each|per|" + a + r")\s+month|of\s+(?:every|each|the)\s+month)\b", s,
              flag("monthly"))
    s = _scan(r"\b(?:weekly|(?:every|each|per|" + a + r")\s+week)\b", s, flag("weekly"))
    s = _scan(r"\b(?:daily|every\s*day|each\s+day|per\s+day|" + a + r"\s+day|day\s+by\s+day)\b", s, flag("daily"))
    return s


def _periods(s: str, spec: Spec) -> str:
    for name, pattern in PERIODS:
        def hit(m: re.Match, name=name) -> None:
            if m.group(0).startswith("end") or m.group(0) in ("eod", "cob") or m.group(0).startswith("close"):
                spec.times.append((17, 0))
            spec.period = spec.period or name
        s = _scan(pattern, s, hit)
    return s


def _times(s: str, spec: Spec) -> str:
    def named(m: re.Match) -> None:
        spec.times.append((0, 0) if m.group(0) == "midnight" else (12, 0))
    s = _scan(r"\b(?:noon|midday|mid-day|lunch\s?time|midnight)\b|(?<=at\s)lunch\b", s, named)

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
            r"afternoon|evening|night|"
            # ... or the task starts: "at 9 and 5 text me the sales"
            r"(?:text|e-?mail|send|slack|ping|notify|remind|check|post|run|export|pull|give|tell|let)\s+"
            r"(?:me|us|the|a|an|our|my|it|what|how|if)\b))")
    return _scan(r"(?:,|\band\b|&)\s*(?P<h>\d{1,2})(?P<m>)(?P<ap>)\b" + then, s, chained)


def read_spec(s: str) -> Spec:
    """Run every extractor over normalised text, in order; raise ScheduleTextError for what cron cannot do."""
    _unsupported(s)
    spec = Spec()
    # A delay inside a run ("wait a day", "a day later") says nothing about how often it runs.
    s = re.sub(r"\b(?:wait|pause|hold\s+off)\s+(?:for\s+)?(?:an?|\d+)\s+(?:minute|hour|day|week)s?\b|"
               r"\b(?:an?|\d+)\s+(?:minute|hour|day|week)s?\s+(?:later|after(?:wards?)?|before)\b",
               lambda m: " " * len(m.group(0)), s)
    # Order matters: intervals and dates claim their numbers before times can.
    s = _intervals(s, spec)
    s = _dates(s, spec)
    s = _weekdays(s, spec)
    s = _periods(s, spec)
    s = _frequencies(s, spec)
    s = _window(s, spec)
    _times(s, spec)
    return spec
