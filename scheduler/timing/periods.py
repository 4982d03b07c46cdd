"""Named reporting periods ("yesterday", "last week", ...) as [start, end) in an organisation's zone."""
from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

# `since_last_run`: from where the playbook's last scheduled run left off (steps.reports.window resolves it).
Period = Literal["since_last_run", "today", "yesterday", "last_7_days", "last_30_days", "last_90_days",
                 "week_to_date", "last_week", "month_to_date", "last_month"]
PERIODS: tuple[str, ...] = Period.__args__  # type: ignore[attr-defined]

# How people write them; each side is compared after lower-casing and joining words with "_".
_ALIASES = {
    "this_week": "week_to_date", "wtd": "week_to_date", "this_month": "month_to_date", "mtd": "month_to_date",
    "previous_week": "last_week", "prior_week": "last_week", "previous_month": "last_month", "prior_month": "last_month",
    "past_7_days": "last_7_days", "past_week": "last_7_days", "last_seven_days": "last_7_days",
    "past_30_days": "last_30_days", "last_thirty_days": "last_30_days", "past_90_days": "last_90_days",
    "last_quarter": "last_90_days", "since_last_report": "since_last_run", "since_last_time": "since_last_run",
}


def normalise_period(value: object) -> object:
    """'Last week' -> 'last_week', 'this month' -> 'month_to_date'; anything else is returned as given."""
    if not isinstance(value, str):
        return value
    key = re.sub(r"[\s\-]+", "_", value.strip().lower())
    return _ALIASES.get(key, key)


def period_bounds(period: str, now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of a named calendar period around `now`, in `zone`, as aware datetimes.

    Arithmetic is on wall time (ZoneInfo), so "yesterday" across a DST change is 23 or 25 hours long.
    Closed periods (yesterday, last week, the last 7 days...) end at today's midnight, so a run at any
    hour of the day reports the same figures; `today` and the "to date" periods end now.
    """
    local = now.astimezone(zone)
    today = datetime.combine(local.date(), time(0), tzinfo=zone)
    monday = today - timedelta(days=local.weekday())
    first = today.replace(day=1)
    if period == "today":
        return today, local
    if period == "yesterday":
        return today - timedelta(days=1), today
    if period in ("last_7_days", "last_30_days", "last_90_days"):
        return today - timedelta(days=int(period.split("_")[1])), today
    if period == "week_to_date":
        return monday, local
    if period == "last_week":
        return monday - timedelta(days=7), monday
    if period == "last_month":
        return (first - timedelta(days=1)).replace(day=1), first
    if period == "month_to_date":
        return first, local
    raise ValueError(f"unknown period {period!r} (known: {', '.join(PERIODS)})")


def period_label(period: str) -> str:
    """How a summary names the period: 'last week', 'month to date'."""
    return period.replace("_", " ")
