"""sales_report periods: named periods in the organisation's zone; a manual run never empties the next scheduled report."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, func, select

from scheduler.domain.clock import Clock
from scheduler.domain.keys import DedupeKey
from scheduler.domain.status import TriggeredBy
from scheduler.runs.history import get_execution
from scheduler.runs.ledger import open_execution
from scheduler.services.validation import PlaybookInvalid
from scheduler.steps.reports.sales import SalesReportParams
from scheduler.store.tables import Order
from scheduler.timing.periods import normalise_period, period_bounds
from tests.conftest import running, sales_report_spec

NY = ZoneInfo("America/New_York")


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NY)


@pytest.mark.parametrize(("period", "start", "end"), [
    ("yesterday", ny(2026, 11, 25), ny(2026, 11, 26)),
    ("today", ny(2026, 11, 26), ny(2026, 11, 26, 8, 55)),
    ("last_week", ny(2026, 11, 16), ny(2026, 11, 23)),  # Monday to Monday: the calendar week before this one
    ("week_to_date", ny(2026, 11, 23), ny(2026, 11, 26, 8, 55)),
    ("last_7_days", ny(2026, 11, 19), ny(2026, 11, 26)),
    ("last_month", ny(2026, 10, 1), ny(2026, 11, 1)),
    ("month_to_date", ny(2026, 11, 1), ny(2026, 11, 26, 8, 55)),
])
def test_named_periods_are_calendar_spans_in_the_organisations_zone(period, start, end):
    now = ny(2026, 11, 26, 8, 55).astimezone(UTC)  # a Thursday
    assert period_bounds(period, now, NY) == (start, end)


def test_yesterday_across_the_spring_change_is_23_hours_and_last_month_starts_at_local_midnight():
    start, end = period_bounds("yesterday", ny(2026, 3, 9, 9, 0), NY)
    assert (start, end) == (ny(2026, 3, 8), ny(2026, 3, 9))
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=23)  # the store compares instants in UTC
    start, _ = period_bounds("last_month", ny(2026, 4, 2, 9, 0), NY)
    assert start.utcoffset() == timedelta(hours=-5) and start == ny(2026, 3, 1)


@pytest.mark.parametrize(("said", "period"), [
    ("Yesterday", "yesterday"), ("last week", "last_week"), ("Last-Month", "last_month"), ("this week", "week_to_date"),
    ("this month", "month_to_date"), ("past 7 days", "last_7_days"), ("today", "today"),
])
def test_periods_as_people_write_them(said, period):
    assert normalise_period(said) == period
    assert SalesReportParams(period=said).period == period


async def test_an_unknown_period_is_refused_when_the_playbook_is_saved(settings):
    async with running(settings) as runtime:
        spec = sales_report_spec()
        spec["steps"][0]["params"] = {"period": "last fortnight"}
        with pytest.raises(PlaybookInvalid, match=r"steps\[0\]\.params\.period: Input should be 'since_last_run', "):
            runtime.playbooks.create("demo", spec)


def orders_between(engine, start: datetime, end: datetime) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count(Order.id)).where(Order.org_id == "demo", Order.placed_at >= start,
                                                               Order.placed_at < end)).one()


async def run(runtime, playbook, triggered_by, key, scheduled_for=None) -> dict:
    run_id = open_execution(runtime.engine, playbook, triggered_by=triggered_by, dedupe_key=key,
                            scheduled_for=scheduled_for).execution.id
    runtime.dispatcher.dispatch(run_id)
    await runtime.dispatcher.drain()
    done = get_execution(runtime.engine, "demo", run_id)
    assert done["status"] == "completed", done
    return done["stepResults"][0]["output"]


@pytest.fixture(params=["sqlite", "postgres"])
def store_settings(request):
    """The embedded SQLite file, and PostgreSQL (skipped without a server unless CI=true)."""
    return request.getfixturevalue("settings" if request.param == "sqlite" else "pg_settings")


async def test_a_manual_run_at_0855_leaves_the_9am_report_whole(store_settings):
    slot_yesterday, slot_today = ny(2026, 11, 25, 9).astimezone(UTC), ny(2026, 11, 26, 9).astimezone(UTC)
    at_0855 = slot_today - timedelta(minutes=5)
    # The demo's 90 days of orders end at 08:55 on the 26th, when the owner runs the report by hand.
    async with running(store_settings, clock=Clock(at_0855 - datetime.now(UTC))) as runtime:
        spec = sales_report_spec()
        spec["steps"][0]["params"] = {}  # since_last_run, as the planner writes a report with no period said
        playbook = runtime.playbooks.create("demo", spec)
        first = await run(runtime, playbook, TriggeredBy.schedule, DedupeKey.schedule(slot_yesterday), slot_yesterday)
        by_hand = await run(runtime, playbook, TriggeredBy.manual, DedupeKey.manual())
        at_nine = await run(runtime, playbook, TriggeredBy.schedule, DedupeKey.schedule(slot_today), slot_today)
    assert datetime.fromisoformat(first["end"]) == slot_yesterday
    assert datetime.fromisoformat(by_hand["start"]) == slot_yesterday  # from the last scheduled report ...
    assert abs(datetime.fromisoformat(by_hand["end"]) - at_0855) < timedelta(minutes=1)  # ... to now
    # The 9:00 report still starts where the last *scheduled* report ended, not at 08:55.
    assert datetime.fromisoformat(at_nine["start"]) == slot_yesterday
    assert datetime.fromisoformat(at_nine["end"]) == slot_today
    expected = orders_between(runtime.engine, slot_yesterday, slot_today)
    assert at_nine["order_count"] == expected > 0
    assert by_hand["order_count"] == orders_between(runtime.engine, slot_yesterday, datetime.fromisoformat(by_hand["end"]))
    assert at_nine["summary"].startswith(f"Sales since the last report (Nov 25 9:00 AM to Nov 26 9:00 AM): {expected} orders")


async def test_explicit_periods_report_the_same_figures_whoever_runs_them(settings):
    now = ny(2026, 11, 26, 8, 55).astimezone(UTC)
    async with running(settings, clock=Clock(now - datetime.now(UTC))) as runtime:
        spec = sales_report_spec()
        spec["steps"][0]["params"] = {"period": "last week"}
        playbook = runtime.playbooks.create("demo", spec)
        by_hand = await run(runtime, playbook, TriggeredBy.manual, DedupeKey.manual())
        slot = ny(2026, 11, 26, 9).astimezone(UTC)
        scheduled = await run(runtime, playbook, TriggeredBy.schedule, DedupeKey.schedule(slot), slot)
    assert by_hand["period"] == scheduled["period"] == "last_week"
    assert (by_hand["start"], by_hand["end"], by_hand["order_count"]) == \
        (scheduled["start"], scheduled["end"], scheduled["order_count"])
    assert by_hand["order_count"] == orders_between(runtime.engine, ny(2026, 11, 16), ny(2026, 11, 23)) > 0
