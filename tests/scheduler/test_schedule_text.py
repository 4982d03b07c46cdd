"""Natural-language schedules -> cron, in code: defaults, zones, lists, errors."""
from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.timing.cron import validate_schedule
from scheduler.timing.schedule_text import ParsedSchedule, ScheduleTextError, parse_schedule

NY = "America/New_York"


@pytest.mark.parametrize("text,cron", [
    # times of day
    ("every day at 9am", "0 9 * * *"),
    ("daily at 9:30 am", "30 9 * * *"),
    ("every day at 5:30pm", "30 17 * * *"),
    ("every day at 17:30", "30 17 * * *"),
    ("every day at 07:15", "15 7 * * *"),
    ("every day at 9", "0 9 * * *"),
    ("every day at 5", "0 17 * * *"),
    ("every day at noon", "0 12 * * *"),
    ("every day at midnight", "0 0 * * *"),
    ("every day at nine in the morning", "0 9 * * *"),
    ("every morning at half past 8", "30 8 * * *"),
    ("every weekday at quarter to 5", "45 16 * * 1-5"),
    ("every day at 8.30pm", "30 20 * * *"),
    # contract defaults for vague words
    ("daily", "0 9 * * *"),
    ("every morning", "0 9 * * *"),
    ("each morning", "0 9 * * *"),
    ("at lunchtime", "0 12 * * *"),
    ("every afternoon", "0 14 * * *"),
    ("every evening", "0 18 * * *"),
    ("every night", "0 21 * * *"),
    ("nightly", "0 21 * * *"),
    ("weekly", "0 9 * * 1"),
    ("monthly", "0 9 1 * *"),
    ("quarterly", "0 9 1 1,4,7,10 *"),
    ("each quarter", "0 9 1 1,4,7,10 *"),
    # part of day shifts a bare hour
    ("every evening at 6:30", "30 18 * * *"),
    ("every night at 11", "0 23 * * *"),
    ("every Saturday morning", "0 9 * * 6"),
    ("every Friday afternoon", "0 14 * * 5"),
    ("at the end of every day", "0 17 * * *"),
    # intervals
    ("every 6 hours", "0 */6 * * *"),
    ("every six hours", "0 */6 * * *"),
    ("every 30 minutes", "*/30 * * * *"),
    ("every fifteen minutes", "*/15 * * * *"),
    ("every quarter hour", "*/15 * * * *"),
    ("every half hour", "*/30 * * * *"),
    ("every hour", "0 * * * *"),
    ("hourly", "0 * * * *"),
    ("every other hour", "0 */2 * * *"),
    ("every hour at :15", "15 * * * *"),
    ("every 2 hours from 8am to 6pm", "0 8-18/2 * * *"),
    ("every hour between 9am and 5pm on weekdays", "0 9-17 * * 1-5"),
    ("every 120 minutes", "0 */2 * * *"),
    # several times a day
    ("twice a day at 9am and 5pm", "0 9,17 * * *"),
    ("twice a day", "0 9,17 * * *"),
    ("at 9am, 1pm and 5pm", "0 9,13,17 * * *"),
    ("at 9, 1 and 5 every day", "0 9,13,17 * * *"),
    ("every day at 9am and 5", "0 9,17 * * *"),
    # days of the week
    ("every Monday at 8am", "0 8 * * 1"),
    ("every weekday at 5:30pm", "30 17 * * 1-5"),
    ("on weekends at 10am", "0 10 * * 0,6"),
    ("every Tuesday and Thursday at 11:15am", "15 11 * * 2,4"),
    ("Mon, Wed and Fri at 9am", "0 9 * * 1,3,5"),
    ("Mondays and Fridays", "0 9 * * 1,5"),
    ("Monday through Friday at 8", "0 8 * * 1-5"),
    ("every day except Sunday at 8am", "0 8 * * 1-6"),
    ("twice a week", "0 9 * * 1,4"),
    ("once a week on Thursday", "0 9 * * 4"),
    # days of the month, months, quarters
    ("on the 15th of every month at 2pm", "0 14 15 * *"),
    ("on the first of every month at 10am", "0 10 1 * *"),
    ("the 1st and 15th of each month", "0 9 1,15 * *"),
    ("first day of the month", "0 9 1 * *"),
    ("every quarter on the 1st at 9am", "0 9 1 1,4,7,10 *"),
    ("every quarter on the 15th", "0 9 15 1,4,7,10 *"),
    ("every January 1st at 9am", "0 9 1 1 *"),
    ("every year on the 4th of July", "0 9 4 7 *"),
    ("annually", "0 9 1 1 *"),
    ("every 2 months", "0 9 1 */2 *"),
    ("every Monday in December", "0 9 * 12 1"),
])
def test_phrases(text, cron):
    got = parse_schedule(text, NY)
    assert (got.cron, got.timezone) == (cron, NY)
    validate_schedule(got.cron, got.timezone)


@pytest.mark.parametrize("text,cron,zone", [
    ("Every Monday at 8am email me a weekly sales report", "0 8 * * 1", NY),
    ("Send a Slack message to the team every weekday at 5:30pm with today's top sellers", "30 17 * * 1-5", NY),
    ("Check competitor menus for new products every 6 hours", "0 */6 * * *", NY),
    ("Every Friday at 3pm Pacific, draft a weekend promo campaign", "0 15 * * 5", "America/Los_Angeles"),
    ("Check our margins daily at 10pm Central time and alert me", "0 22 * * *", "America/Chicago"),
    ("Every weekday at 9am Eastern, send me a summary", "0 9 * * 1-5", NY),
    ("every morning at 8:30 London time", "30 8 * * *", "Europe/London"),
    ("every day at 9am Europe/Berlin", "0 9 * * *", "Europe/Berlin"),
    ("every day at 9am PT", "0 9 * * *", "America/Los_Angeles"),
    ("every tuesday at 4pm CST", "0 16 * * 2", "America/Chicago"),
    ("every day at 9am UTC", "0 9 * * *", "UTC"),
    ("Every Saturday morning, generate three social posts for our weekend specials", "0 9 * * 6", NY),
    ("Send me a Slack message every Friday at 4 with this week's best sellers", "0 16 * * 5", NY),
    ("Every Monday and Friday at 7:45am, and 3 social posts", "45 7 * * 1,5", NY),
    ("Alert me if prices drop by 3 every day at 9am", "0 9 * * *", NY),
])
def test_schedule_found_inside_a_request(text, cron, zone):
    got = parse_schedule(text, NY)
    assert (got.cron, got.timezone) == (cron, zone)


@pytest.mark.parametrize("text,cron,zone", [
    # places people say for a zone, with "time" after or "in" before
    ("every day at 4pm in New York", "0 16 * * *", NY),
    ("every day at 8am NYC time", "0 8 * * *", NY),
    ("every day at 9 LA time", "0 9 * * *", "America/Los_Angeles"),
    ("every day at 9am Seattle time", "0 9 * * *", "America/Los_Angeles"),
    ("every day at 9am west coast time", "0 9 * * *", "America/Los_Angeles"),
    ("every monday at 7 Dallas time", "0 7 * * 1", "America/Chicago"),
    ("every day at 10am in Phoenix", "0 10 * * *", "America/Phoenix"),
    ("every day at noon New York time", "0 12 * * *", NY),
    ("every monday at 8am UK time", "0 8 * * 1", "Europe/London"),
    # a zone word right after a part of the day or a written-out a.m.
    ("every morning Eastern", "0 9 * * *", NY),
    ("every weekday at 9:00 a.m. Pacific", "0 9 * * 1-5", "America/Los_Angeles"),
])
def test_zones_named_by_places_and_after_parts_of_day(text, cron, zone):
    got = parse_schedule(text, "America/Denver")
    assert (got.cron, got.timezone) == (cron, zone)


def test_a_place_that_is_not_after_a_time_is_not_a_zone():
    assert parse_schedule("every weekday at 9am, check inventory in Boston", "America/Denver").timezone == "America/Denver"


@pytest.mark.parametrize("text,cron", [
    ("twice daily", "0 9,17 * * *"),
    ("every thursday at lunch", "0 12 * * 4"),
    ("every weeknight", "0 21 * * 1-5"),
    ("weeknights at 10pm", "0 22 * * 1-5"),
    ("every nite at 9", "0 21 * * *"),
    ("every mon + thurs at 10am", "0 10 * * 1,4"),
    # a minute within each hour
    ("every hour on the half hour", "30 * * * *"),
    ("at the bottom of every hour", "30 * * * *"),
    # lengths of time are not frequencies
    ("every saturday, message customers who haven't visited in a month", "0 9 * * 6"),
    ("every monday check items not sold in a week", "0 9 * * 1"),
])
def test_more_everyday_wordings(text, cron):
    assert parse_schedule(text, NY).cron == cron


def test_no_zone_means_the_default():
    assert parse_schedule("every day at 9am", "Asia/Tokyo").timezone == "Asia/Tokyo"


def test_result_is_a_frozen_dataclass_with_a_description():
    got = parse_schedule("every day at 9am", NY)
    assert got == ParsedSchedule("0 9 * * *", NY, "every day at 9:00 AM, America/New_York")
    with pytest.raises(dataclasses.FrozenInstanceError):
        got.cron = "x"  # type: ignore[misc]


@pytest.mark.parametrize("text,kind", [
    ("When an item runs low on stock, text me", "missing"),
    ("do the thing", "missing"),
    ("Every February 30th at 9am email me the sales report", "impossible"),
    ("every April 31st", "impossible"),
    ("the 32nd of every month", "impossible"),
    ("every day at 25:00", "impossible"),
    ("every day at 13pm", "impossible"),
    ("every other week", "unsupported"),
    ("biweekly on Friday", "unsupported"),
    ("every other day", "unsupported"),
    ("every 45 minutes", "unsupported"),
    ("every 5 hours", "unsupported"),
    ("every 30 seconds", "unsupported"),
    ("on the last day of the month", "unsupported"),
    ("the first Monday of the month", "unsupported"),
    ("every 3rd Tuesday at 10am", "unsupported"),
    ("on the last Friday at 3pm", "unsupported"),
    ("every day at 9am and 5:30pm", "unsupported"),
    ("tomorrow at 9am", "one_off"),
    ("next Monday at 10", "one_off"),
])
def test_errors_say_why(text, kind):
    with pytest.raises(ScheduleTextError) as e:
        parse_schedule(text, NY)
    assert e.value.kind == kind
    assert str(e.value)


def test_error_is_a_value_error_and_names_the_problem():
    with pytest.raises(ValueError, match=r"February has no day 30.*never run"):
        parse_schedule("every February 30th at 9am", NY)


def test_words_that_look_like_days_or_times_are_not_schedules():
    for text in ("Send a weekend promo to loyalty members", "track our top 3 competitors",
                 "email me if they undercut us by more than 10%", "may I see the sat data"):
        with pytest.raises(ScheduleTextError):
            parse_schedule(text, NY)


_DAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]


@settings(max_examples=150, deadline=None)
@given(st.sets(st.integers(0, 6), min_size=1, max_size=6), st.integers(1, 12),
       st.sampled_from([0, 5, 15, 30, 45]), st.sampled_from(["am", "pm"]), st.booleans())
def test_generated_day_and_time_phrases(days, hour12, minute, ampm, plural):
    names = [_DAYS[d] + ("s" if plural else "") for d in sorted(days)]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    clock = f"{hour12}:{minute:02d}{ampm}" if minute else f"{hour12}{ampm}"
    got = parse_schedule(f"Every {listed} at {clock}, send me the report", NY)
    hour = hour12 % 12 + (12 if ampm == "pm" else 0)
    minute_f, hour_f, dom, month, dow = got.cron.split()
    assert (int(minute_f), int(hour_f), dom, month) == (minute, hour, "*", "*")
    expanded = set()
    for part in dow.split(","):
        a, _, b = part.partition("-")
        expanded.update(range(int(a), int(b or a) + 1))
    assert expanded == days


@pytest.mark.parametrize("text,cron", [
    ("every mornin check prices", "0 9 * * *"),
    ("evry evenin send the report", "0 18 * * *"),
    ("everyday at 10am", "0 10 * * *"),
    ("M-F at 5pm", "0 17 * * 1-5"),
    ("every day at 9 and 5 text me the sales", "0 9,17 * * *"),
])
def test_informal_spellings(text, cron):
    assert parse_schedule(text, "America/New_York").cron == cron


@pytest.mark.parametrize("text", ["send a thank-you text a day later", "wait a day then email them"])
def test_a_delay_within_a_run_is_not_a_schedule(text):
    with pytest.raises(ScheduleTextError):
        parse_schedule(text, "America/New_York")


@pytest.mark.parametrize("text", ["every day at 9 send via slack/email",
                                  "every day at 9 post to https://hooks.example.com/sales"])
def test_a_slash_that_is_not_a_zone_is_ignored(text):
    s = parse_schedule(text, "America/Chicago")
    assert (s.cron, s.timezone) == ("0 9 * * *", "America/Chicago")
