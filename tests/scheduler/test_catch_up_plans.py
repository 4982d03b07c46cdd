"""Catch-up plans of a due schedule row (latest, skip, all), paused slots, and DST-day flags of upcoming runs."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scheduler.timing.slots import CatchUp, dst_change_day, plan_due, upcoming, upcoming_run

DUE = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
EVERY_TEN = "*/10 * * * *"


def _at(*minutes: int) -> list[datetime]:
    return [DUE + timedelta(minutes=m) for m in minutes]


def test_latest_runs_the_newest_passed_slot_within_the_hour_and_records_the_others_as_missed():
    plan = plan_due(EVERY_TEN, "UTC", DUE, DUE + timedelta(minutes=42), catch_up=CatchUp.latest)
    assert plan.runs == _at(40) and plan.missed == _at(0, 10, 20, 30)
    assert all("only the latest runs" in why for _, why in plan.missed_why)
    # Past the grace window (an hour by default) the newest one is missed too, as not run.
    day = timedelta(days=1)
    late = plan_due("0 14 * * *", "UTC", DUE, DUE + day + timedelta(minutes=90))
    assert late.runs == [] and late.missed == [DUE, DUE + day]
    assert all("not running" in why for _, why in late.missed_why)
    # A grace window of the playbook's own: two hours keep the newest owed.
    kept = plan_due("0 14 * * *", "UTC", DUE, DUE + day + timedelta(minutes=90), grace=timedelta(hours=2))
    assert kept.runs == [DUE + day] and kept.missed == [DUE]


def test_skip_runs_only_a_slot_fired_on_time():
    on_time = plan_due(EVERY_TEN, "UTC", DUE, DUE + timedelta(seconds=2), catch_up=CatchUp.skip)
    assert on_time.runs == [DUE] and on_time.missed == []
    plan = plan_due(EVERY_TEN, "UTC", DUE, DUE + timedelta(minutes=42), catch_up=CatchUp.skip)
    assert plan.runs == [] and plan.missed == _at(0, 10, 20, 30, 40)
    assert all("catch-up: skip" in why for _, why in plan.missed_why)
    assert plan.next_fire_at == DUE + timedelta(minutes=50)


def test_all_runs_passed_slots_oldest_first_up_to_the_cap():
    plan = plan_due(EVERY_TEN, "UTC", DUE, DUE + timedelta(minutes=42), catch_up=CatchUp.all, cap=10)
    assert plan.runs == _at(0, 10, 20, 30, 40) and plan.missed == []
    capped = plan_due(EVERY_TEN, "UTC", DUE, DUE + timedelta(minutes=42), catch_up=CatchUp.all, cap=3)
    assert capped.runs == _at(0, 10, 20) and capped.missed == _at(30, 40)
    assert all("cap of 3" in why for _, why in capped.missed_why)
    # Days late, all the same: "all" has no grace window, only the cap.
    old = plan_due("0 9 * * *", "America/New_York", DUE, DUE + timedelta(days=3, hours=2), catch_up="all")
    assert old.runs == [DUE + timedelta(days=d) for d in range(4)]


def test_a_long_outage_under_all_runs_the_cap_and_says_more_were_missed():
    plan = plan_due("* * * * *", "UTC", DUE, DUE + timedelta(days=2), catch_up=CatchUp.all, cap=5, limit=20)
    assert plan.runs == _at(0, 1, 2, 3, 4)
    assert plan.missed == _at(*range(5, 25)) and plan.more_missed
    assert plan.missed_why[-1][1].endswith("not listed one by one")
    assert plan.next_fire_at == DUE + timedelta(days=2, minutes=1)


def test_slots_before_the_end_of_a_pause_are_paused_whatever_the_policy():
    until = DUE + timedelta(minutes=25)
    for policy in CatchUp:
        plan = plan_due(EVERY_TEN, "UTC", DUE, DUE + timedelta(minutes=42), catch_up=policy, paused_until=until)
        assert plan.paused == _at(0, 10, 20), policy
        assert not set(plan.paused) & set(plan.missed + plan.runs)
    latest = plan_due(EVERY_TEN, "UTC", DUE, DUE + timedelta(minutes=42), paused_until=until)
    assert latest.runs == _at(40) and latest.missed == _at(30)
    # Still paused at the fire: everything that came is paused, nothing runs or is missed.
    still = plan_due(EVERY_TEN, "UTC", DUE, DUE + timedelta(minutes=42), paused_until=DUE + timedelta(hours=2))
    assert still.paused == _at(0, 10, 20, 30, 40) and still.runs == [] and still.missed == []


@pytest.mark.parametrize(("zone", "cron", "start", "flagged"), [
    # Spring forward on Sunday 8 March 2026; fall back on Sunday 1 November.
    ("America/New_York", "0 9 * * *", "2026-03-06T12:00:00Z", ["2026-03-08"]),
    ("America/New_York", "30 1 * * *", "2026-10-30T12:00:00Z", ["2026-11-01"]),
    # Berlin: the last Sundays of March and October.
    ("Europe/Berlin", "0 9 * * *", "2026-03-27T12:00:00Z", ["2026-03-29"]),
    ("Europe/Berlin", "30 2 * * *", "2026-10-23T12:00:00Z", ["2026-10-25"]),
    # Lord Howe moves its clocks by half an hour: back on 5 April 2026, forward on 4 October.
    ("Australia/Lord_Howe", "0 9 * * *", "2026-04-02T12:00:00Z", ["2026-04-05"]),
    ("Australia/Lord_Howe", "0 9 * * *", "2026-10-01T12:00:00Z", ["2026-10-04"]),
])
def test_upcoming_runs_are_flagged_on_dst_change_days_in_their_zone(zone, cron, start, flagged):
    class Trigger:
        def __init__(self) -> None:
            self.cron, self.zone = cron, zone

    runs = [upcoming_run(t) for t in upcoming([Trigger()], datetime.fromisoformat(start), 5)]
    assert len(runs) == 5 and {r["timezone"] for r in runs} == {zone}
    assert [r["local"][:10] for r in runs if r["dstChangeDay"]] == flagged
    assert all(r["at"].endswith("Z") for r in runs)


def test_a_dst_day_is_a_day_of_the_zone_not_of_utc():
    from zoneinfo import ZoneInfo

    # 23:30 UTC on 4 October is already the 5th in Lord Howe, not the day its clocks moved.
    assert dst_change_day(datetime(2026, 10, 4, 9, 0, tzinfo=ZoneInfo("Australia/Lord_Howe")))
    assert not dst_change_day(datetime(2026, 10, 4, 23, 30, tzinfo=UTC).astimezone(ZoneInfo("Australia/Lord_Howe")))
    assert not dst_change_day(datetime(2026, 3, 8, 12, 0, tzinfo=UTC))  # UTC has none
