"""Schedule phrases that cannot be honoured are refused with the reason, never bent into something else."""
from __future__ import annotations

import pytest

from scheduler.timing.schedule_text import ScheduleTextError, parse_schedule

NY = "America/New_York"


@pytest.mark.parametrize(("text", "kind", "reason"), [
    ("at 9am Mars time", "unknown_zone", "'Mars' is not a time zone I know"),
    ("every day at 9:30 am Martian standard time", "unknown_zone", "'Martian' is not a time zone"),
    ("every 90 minutes", "unsupported", "no cron fires 90 minutes apart"),
    ("every other week", "unsupported", "every other week"),
    ("every day at 25:00", "impossible", "25:00 is not a time of day"),
    ("February 30th", "impossible", "February has no day 30"),
    ("every year on April 31st at noon", "impossible", "April has no day 31"),
])
def test_what_cannot_be_honoured_is_refused_saying_why(text, kind, reason):
    with pytest.raises(ScheduleTextError) as refused:
        parse_schedule(text, NY)
    assert refused.value.kind == kind and reason in str(refused.value)


@pytest.mark.parametrize(("text", "cron", "zone"), [
    ("every day at 9am local time", "0 9 * * *", NY),
    ("every day at 9am our time", "0 9 * * *", NY),
    ("every day at lunch time", "0 12 * * *", NY),
    ("every day at 9am London time", "0 9 * * *", "Europe/London"),
    ("every weekday at 8:30am Pacific time", "30 8 * * 1-5", "America/Los_Angeles"),
    ("every 2 hours", "0 */2 * * *", NY),
    ("every year on February 29th", "0 9 29 2 *", NY),
])
def test_zone_words_and_dates_that_exist_still_parse(text, cron, zone):
    parsed = parse_schedule(text, NY)
    assert (parsed.cron, parsed.timezone) == (cron, zone)
