"""Cron with IANA zones: validation, fire times across DST, the APScheduler trigger, descriptions."""
from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.timing.cron import (
    CronError,
    CronsimTrigger,
    describe,
    next_fire_times,
    validate_schedule,
)

NY = ZoneInfo("America/New_York")
UTC = UTC


# --- validation ---------------------------------------------------------------------

def test_valid_expressions_pass():
    for cron in ("0 9 * * *", "*/15 * * * *", "0 9 * * mon-fri", "30 8 1 jan,jul *", "0 0 29 2 *", "0 9 * * 7"):
        validate_schedule(cron, "America/New_York")


def test_wrong_field_count_names_the_fields():
    with pytest.raises(CronError) as e:
        validate_schedule("0 9 * *", "UTC")
    assert str(e.value) == ("invalid cron expression '0 9 * *': expected 5 fields "
                            "(minute hour day-of-month month day-of-week)")


def test_unknown_zone():
    with pytest.raises(CronError, match=r"unknown time zone 'Mars/Olympus'"):
        validate_schedule("0 9 * * *", "Mars/Olympus")


def test_never_firing_cron():
    with pytest.raises(CronError) as e:
        validate_schedule("0 9 30 2 *", "UTC")
    assert str(e.value) == "cron '0 9 30 2 *' never fires (checked five years ahead)"


@pytest.mark.parametrize("cron", ["0 0 9 * * *", "@reboot", "@daily", "0 9 L * *", "0 9 * * 5#2",
                                  "0 9 * * 5L", "0 25 * * *", "60 * * * *", "0 9 ? * *", "0 9 * * funday",
                                  "0 mon * * *", ""])
def test_non_standard_or_bad_expressions_are_refused(cron):
    with pytest.raises(CronError):
        validate_schedule(cron, "UTC")


def test_bad_field_is_named():
    with pytest.raises(CronError, match="bad hour field '25'"):
        validate_schedule("0 25 * * *", "UTC")


def test_cron_error_is_a_value_error():
    assert issubclass(CronError, ValueError)


# --- fire times and DST (Debian cron rules, America/New_York) ------------------------------

def test_fixed_time_in_the_spring_gap_runs_at_the_first_minute_after_it():
    got = next_fire_times("30 2 * * *", "America/New_York", datetime(2025, 3, 8, 12, tzinfo=NY), 3)
    assert got == [datetime(2025, 3, 9, 3, 0, tzinfo=NY), datetime(2025, 3, 10, 2, 30, tzinfo=NY),
                   datetime(2025, 3, 11, 2, 30, tzinfo=NY)]
    assert got[0].utcoffset() == timedelta(hours=-4)


def test_fixed_time_in_the_repeated_hour_runs_once():
    got = next_fire_times("30 1 * * *", "America/New_York", datetime(2025, 11, 1, 12, tzinfo=NY), 3)
    assert [t.astimezone(UTC) for t in got] == [
        datetime(2025, 11, 2, 5, 30, tzinfo=UTC),  # 1:30 EDT, the first pass only
        datetime(2025, 11, 3, 6, 30, tzinfo=UTC),
        datetime(2025, 11, 4, 6, 30, tzinfo=UTC)]


def test_starting_inside_the_second_pass_does_not_repeat_the_slot():
    after = datetime(2025, 11, 2, 1, 40, fold=1, tzinfo=NY)  # 1:40 EST, after 1:30 EDT ran
    got = next_fire_times("30 1 * * *", "America/New_York", after, 1)
    assert got == [datetime(2025, 11, 3, 1, 30, tzinfo=NY)]


@pytest.mark.parametrize("day,hours", [((2025, 3, 9), 23), ((2025, 11, 2), 25)])
def test_wildcard_hour_runs_every_real_hour_through_both_transitions(day, hours):
    start = datetime(*day, tzinfo=NY) - timedelta(microseconds=1)
    got = next_fire_times("0 * * * *", "America/New_York", start, hours + 1)
    utc = [t.astimezone(UTC) for t in got]
    assert all(b - a == timedelta(hours=1) for a, b in pairwise(utc))
    assert sum(1 for t in got if t.date() == datetime(*day).date()) == hours


def test_results_are_strictly_after_and_in_the_trigger_zone():
    after = datetime(2025, 6, 2, 13, 0, tzinfo=UTC)  # 9:00 New York, exactly on a slot
    got = next_fire_times("0 9 * * *", "America/New_York", after, 2)
    assert got[0] == datetime(2025, 6, 3, 9, 0, tzinfo=NY)
    assert all(t.tzinfo == NY for t in got)


def test_naive_after_means_utc():
    naive = next_fire_times("0 9 * * *", "Europe/London", datetime(2025, 1, 1, 12), 1)
    aware = next_fire_times("0 9 * * *", "Europe/London", datetime(2025, 1, 1, 12, tzinfo=UTC), 1)
    assert naive == aware == [datetime(2025, 1, 2, 9, 0, tzinfo=ZoneInfo("Europe/London"))]


def test_named_days_and_months():
    got = next_fire_times("30 17 * * mon-fri", "UTC", datetime(2025, 6, 6, 18, tzinfo=UTC), 2)  # a Friday
    assert [t.weekday() for t in got] == [0, 1]


_fields = st.tuples(
    st.sets(st.integers(0, 59), min_size=1, max_size=3),
    st.sets(st.integers(0, 23), min_size=1, max_size=3),
    st.sets(st.integers(0, 6), min_size=1, max_size=7),
)


@settings(max_examples=60, deadline=None)
@given(_fields, st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1)))
def test_matches_a_brute_force_minute_scan_in_utc(fields, start):
    minutes, hours, dows = fields
    cron = f"{','.join(map(str, sorted(minutes)))} {','.join(map(str, sorted(hours)))} * * {','.join(map(str, sorted(dows)))}"
    after = start.replace(tzinfo=UTC)
    want, t = [], after.replace(second=0, microsecond=0)
    while len(want) < 3:
        t += timedelta(minutes=1)
        if t.minute in minutes and t.hour in hours and (t.weekday() + 1) % 7 in dows:
            want.append(t)
    assert next_fire_times(cron, "UTC", after, 3) == want


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["30 2 * * *", "30 1 * * *", "0 * * * *", "*/20 1-3 * * *", "0 1,2,3 * * 0"]),
       st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2027, 1, 1)))
def test_new_york_fire_times_increase_strictly_after_start(cron, start):
    after = start.replace(tzinfo=UTC)
    got = next_fire_times(cron, "America/New_York", after, 5)
    assert len(got) == 5 and got[0] > after
    # In UTC: Python compares datetimes of one zone by wall clock, ignoring fold.
    utc = [t.astimezone(UTC) for t in got]
    assert all(a < b for a, b in pairwise(utc))


# --- APScheduler trigger -----------------------------------------------------------------

def test_trigger_first_fire_is_at_or_after_now():
    trig = CronsimTrigger("0 9 * * *", "America/New_York")
    on_slot = datetime(2025, 6, 3, 9, 0, tzinfo=NY)
    assert trig.get_next_fire_time(None, on_slot) == on_slot
    assert trig.get_next_fire_time(None, on_slot + timedelta(seconds=1)) == on_slot + timedelta(days=1)


def test_trigger_never_hands_out_the_same_slot_twice():
    trig = CronsimTrigger("0 9 * * *", "America/New_York")
    prev = datetime(2025, 6, 3, 9, 0, tzinfo=NY)
    for now in (prev, prev - timedelta(minutes=5), prev + timedelta(hours=1)):
        assert trig.get_next_fire_time(prev, now) == prev + timedelta(days=1)


def test_trigger_returns_missed_slots_for_misfire_handling():
    trig = CronsimTrigger("0 * * * *", "UTC")
    prev = datetime(2025, 6, 3, 9, 0, tzinfo=UTC)
    assert trig.get_next_fire_time(prev, prev + timedelta(hours=5)) == prev + timedelta(hours=1)


def test_trigger_handles_the_spring_gap():
    trig = CronsimTrigger("30 2 * * *", "America/New_York")
    got = trig.get_next_fire_time(None, datetime(2025, 3, 8, 12, tzinfo=NY))
    assert got == datetime(2025, 3, 9, 3, 0, tzinfo=NY)


def test_trigger_text_and_pickle():
    trig = CronsimTrigger("0 9 * * 1-5", "America/New_York")
    assert str(trig) == "cron[0 9 * * 1-5, America/New_York]"
    assert "CronsimTrigger" in repr(trig) and "America/New_York" in repr(trig)
    again = pickle.loads(pickle.dumps(trig))
    now = datetime(2025, 6, 7, tzinfo=NY)
    assert again.get_next_fire_time(None, now) == trig.get_next_fire_time(None, now)


def test_trigger_refuses_bad_input():
    with pytest.raises(CronError):
        CronsimTrigger("0 9 30 2 *", "UTC")
    with pytest.raises(CronError):
        CronsimTrigger("0 9 * * *", "Nowhere/Land")


def test_trigger_works_inside_apscheduler():
    from apscheduler.schedulers.background import BackgroundScheduler

    sched = BackgroundScheduler(timezone="UTC")
    sched.start(paused=True)
    try:
        job = sched.add_job(lambda: None, CronsimTrigger("*/5 * * * *", "Asia/Tokyo"))
        assert job.next_run_time is not None and job.next_run_time.minute % 5 == 0
        assert job.next_run_time > datetime.now(UTC) - timedelta(seconds=1)
    finally:
        sched.shutdown(wait=False)


# --- descriptions --------------------------------------------------------------------------

@pytest.mark.parametrize("cron,text", [
    ("0 9 * * *", "every day at 9:00 AM"),
    ("0 8 * * 1", "every Monday at 8:00 AM"),
    ("30 17 * * 1-5", "every weekday (Monday to Friday) at 5:30 PM"),
    ("30 17 * * mon-fri", "every weekday (Monday to Friday) at 5:30 PM"),
    ("0 */6 * * *", "every 6 hours"),
    ("*/30 * * * *", "every 30 minutes"),
    ("0 10 1 * *", "on day 1 of every month at 10:00 AM"),
    ("0 9 1 1,4,7,10 *", "on day 1 of January, April, July and October at 9:00 AM"),
    ("15 11 * * 2,4", "every Tuesday and Thursday at 11:15 AM"),
    ("0 9,17 * * *", "every day at 9:00 AM and 5:00 PM"),
    ("0 * * * *", "every hour"),
    ("0 9-17 * * 1-5", "every hour from 9:00 AM to 5:00 PM on weekdays (Monday to Friday)"),
    ("0 8 * * 1-6", "every day except Sunday at 8:00 AM"),
])
def test_describe_reads_naturally(cron, text):
    assert describe(cron, "America/New_York") == f"{text}, America/New_York"


def test_describe_falls_back_to_cron_descriptor_without_seconds_or_capitals():
    text = describe("*/5 9-17/2 * * 1-5", "UTC")
    assert text[0].islower() and text.endswith(", UTC") and "seconds" not in text
