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
from dataclasses import dataclass

from scheduler.timing.cron import CronError, describe, validate_schedule
from scheduler.timing.schedule_extractors import ScheduleTextError, Spec, read_spec
from scheduler.timing.schedule_words import (
    DAY_RE,
    MONTH_RE,
    PERIOD_DEFAULT,
    find_zone,
    normalise,
    unknown_zone,
)

__all__ = ["ParsedSchedule", "ScheduleTextError", "parse_schedule"]

MAX_CHARS = 2000  # a schedule is a phrase; the extractors are quadratic in the worst case


@dataclass(frozen=True)
class ParsedSchedule:
    """A schedule read from text: cron, IANA zone and a plain-English description."""

    cron: str
    timezone: str
    description: str


def _clock_fields(spec: Spec) -> tuple[str, str]:
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
        times = [PERIOD_DEFAULT.get(spec.period or "", (9, 0))]
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
    for v in [*sorted(values), None]:
        if run and (v is None or v != run[-1] + 1):
            out.append(f"{run[0]}-{run[-1]}" if len(run) >= 3 else ",".join(map(str, run)))
            run = []
        if v is not None:
            run.append(v)
    return ",".join(out)


def _day_fields(spec: Spec) -> tuple[str, str, str]:
    doms = ",".join(map(str, sorted(spec.doms))) if spec.doms else None
    dows = _compact(spec.dows) if spec.dows and len(spec.dows) < 7 else None
    if not dows and spec.per_week:
        table = {1: "1", 2: "1,4", 3: "1,3,5", 4: "1,2,4,5", 5: "1-5", 6: "1-6", 7: None}
        dows = table.get(spec.per_week)
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


_ONE_OFF = (r"\b(?:tomorrow|tonight|next\s+(?:week|month|year|" + DAY_RE + r")|this\s+(?:coming\s+)?"
            + DAY_RE + r"|in\s+\d+\s+(?:minutes?|hours?|days?|weeks?)|on\s+" + MONTH_RE
            + r"\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4})\b(?!')")
_RECURRING = (r"\b(?:every|each|daily|nightly|hourly|weekly|monthly|quarterly|yearly|annually|"
              r"always|twice|thrice|times\s+(?:a|an|per)|per\s+(?:day|week|month)|[a-z]+days|"
              r"mornings|afternoons|evenings|nights|weekends)\b")


# The most days each month ever has (February in a leap year).
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                "November", "December")


def _no_such_date(spec: Spec) -> None:
    """Refuse a date no named month has ("February 30th"), naming why, before cron says it never fires."""
    if not spec.doms or not spec.months:
        return
    if all(day > _MONTH_DAYS[month - 1] for day in spec.doms for month in spec.months):
        month = min(spec.months)
        raise ScheduleTextError(f"{_MONTH_NAMES[month - 1]} has no day {min(spec.doms)} (at most "
                                f"{_MONTH_DAYS[month - 1]} days), so that schedule would never run", "impossible")


def parse_schedule(text: str, default_timezone: str) -> ParsedSchedule:
    """Find the schedule in `text` and return it as cron; raise ScheduleTextError when there is none or it never fires."""
    if len(text) > MAX_CHARS:
        raise ScheduleTextError(f"text longer than {MAX_CHARS} characters; say the schedule in a "
                                "sentence", "unsupported")
    zone, masked = find_zone(text, default_timezone)
    if masked == text and (word := unknown_zone(text)):
        # Falling back to the organisation's zone would run at the wrong hour without a word.
        raise ScheduleTextError(f"{word!r} is not a time zone I know, so I cannot tell when {text!r} is; name a "
                                "zone such as Eastern, Pacific, 'London time' or Europe/Berlin", "unknown_zone")
    plain = normalise(masked)
    spec = read_spec(plain)
    if spec.empty():
        raise ScheduleTextError(f"no schedule found in {text!r}; say when, e.g. "
                                "'every weekday at 9am'", "missing")
    if re.search(_ONE_OFF, plain) and not re.search(_RECURRING, plain):
        raise ScheduleTextError(f"{text!r} sounds like a one-time job; playbooks repeat, "
                                "so say how often (e.g. 'every day at 9am')", "one_off")
    _no_such_date(spec)
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
