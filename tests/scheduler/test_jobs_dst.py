"""Schedules across New York's DST changes: every slot once, always moving forward (schedule rows and our APScheduler trigger)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scheduler.domain.clock import SYSTEM_CLOCK, Clock
from scheduler.timing.cron import CronsimTrigger
from scheduler.timing.slots import plan_due
from scheduler.triggers.schedule import slot_at


def _fires(cron: str, start: datetime, end: datetime, clock: Clock = SYSTEM_CLOCK) -> list[str]:
    trigger, fires = CronsimTrigger(cron, "America/New_York", offset=clock.offset), []
    fire = trigger.get_next_fire_time(None, start)
    while fire is not None and fire <= end:
        assert not fires or fire.astimezone(UTC).isoformat() > fires[-1], "trigger went backwards"
        fires.append(fire.astimezone(UTC).isoformat())
        fire = trigger.get_next_fire_time(fire, fire)
        assert len(fires) < 100
    return fires


def test_hourly_runs_every_real_hour_through_the_fall_back_night():
    fires = _fires("0 * * * *", datetime(2026, 11, 1, 4, 30, tzinfo=UTC), datetime(2026, 11, 1, 8, 0, tzinfo=UTC))
    assert fires == [f"2026-11-01T0{h}:00:00+00:00" for h in range(5, 9)]


def test_fixed_time_in_the_repeated_hour_runs_once():
    fires = _fires("30 1 * * *", datetime(2026, 10, 31, 0, 0, tzinfo=UTC), datetime(2026, 11, 2, 12, 0, tzinfo=UTC))
    assert fires == ["2026-10-31T05:30:00+00:00", "2026-11-01T05:30:00+00:00", "2026-11-02T06:30:00+00:00"]


def test_fixed_time_in_the_skipped_hour_runs_just_after_the_gap():
    fires = _fires("30 2 * * *", datetime(2026, 3, 7, 12, 0, tzinfo=UTC), datetime(2026, 3, 9, 12, 0, tzinfo=UTC))
    assert fires == ["2026-03-08T07:00:00+00:00", "2026-03-09T06:30:00+00:00"]


def test_a_shifted_clock_moves_real_fire_times_by_its_offset():
    clock = Clock(offset=timedelta(hours=1))
    fires = _fires("0 * * * *", datetime(2026, 11, 1, 4, 30, tzinfo=UTC), datetime(2026, 11, 1, 7, 0, tzinfo=UTC), clock)
    assert fires == ["2026-11-01T05:00:00+00:00", "2026-11-01T06:00:00+00:00", "2026-11-01T07:00:00+00:00"]


def test_slot_at_finds_the_due_slot_whatever_zone_now_is_in():
    from zoneinfo import ZoneInfo

    ny = ZoneInfo("America/New_York")
    assert slot_at("0 3 * * *", "America/New_York", datetime(2026, 3, 8, 3, 1, tzinfo=ny)) == datetime(2026, 3, 8, 3, 0, tzinfo=ny)
    slot = slot_at("0 * * * *", "America/New_York", datetime(2026, 11, 1, 6, 2, tzinfo=UTC))
    assert slot.astimezone(UTC) == datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
    assert slot_at("0 9 * * *", "America/New_York", datetime(2026, 11, 1, 16, 0, tzinfo=UTC)) is None


def test_due_rows_follow_dst_rules_when_they_move_on():
    # 2:30 does not exist on 8 March 2026 in New York: it runs at 3:00 EDT, then 2:30 EDT the next day.
    skipped_hour = datetime(2026, 3, 8, 7, 0, tzinfo=UTC)
    plan = plan_due("30 2 * * *", "America/New_York", skipped_hour, skipped_hour)
    assert plan.run == skipped_hour and plan.next_fire_at == datetime(2026, 3, 9, 6, 30, tzinfo=UTC)
    # 1:30 happens twice on 1 November 2026: it runs once (EDT), and next on 2 November (EST).
    repeated = datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    plan = plan_due("30 1 * * *", "America/New_York", repeated, repeated + timedelta(hours=1, minutes=1))
    assert plan.run is None and plan.missed == [repeated]
    assert plan.next_fire_at == datetime(2026, 11, 2, 6, 30, tzinfo=UTC)


def test_a_row_fired_at_each_slot_moves_through_the_fall_back_night_as_the_trigger_does():
    for cron in ("0 * * * *", "30 1 * * *", "*/20 1-2 * * *"):
        start, end = datetime(2026, 10, 31, 12, 0, tzinfo=UTC), datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
        expected = _fires(cron, start, end)
        row = plan_due(cron, "America/New_York", datetime.fromisoformat(expected[0]), datetime.fromisoformat(expected[0]))
        walked = [expected[0]]
        while row.next_fire_at is not None and row.next_fire_at <= end:
            walked.append(row.next_fire_at.isoformat())
            row = plan_due(cron, "America/New_York", row.next_fire_at, row.next_fire_at)
            assert row.run is not None and not row.missed
        assert walked == expected
