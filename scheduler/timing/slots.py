"""Schedule slots: which instant of a set of schedules is due now, within the misfire grace."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Protocol

from scheduler.timing.cron import next_fire_times

# A slot fired later than this (the process was busy or down) is missed, not run.
MISFIRE_GRACE = timedelta(minutes=5)


class Schedule(Protocol):
    """A cron expression in a zone (the domain's ScheduleTrigger is one)."""

    cron: str

    @property
    def zone(self) -> str: ...


def slot_at(cron: str, zone: str, now: datetime, grace: timedelta = MISFIRE_GRACE) -> datetime | None:
    """The latest slot of a cron at or before `now`, if it is within the grace window."""
    latest = None
    now = now.astimezone(UTC)
    for slot in next_fire_times(cron, zone, now - grace, int(grace.total_seconds() // 60) + 2):
        if slot > now:
            break
        latest = slot
    return latest


def due_slot(schedules: Iterable[Schedule], now: datetime) -> datetime | None:
    """The latest slot due at `now` over several schedules, in UTC, if any."""
    slots = [s for s in (slot_at(t.cron, t.zone, now) for t in schedules) if s is not None]
    return max(slots).astimezone(UTC) if slots else None


def upcoming(schedules: Iterable[Schedule], now: datetime, count: int) -> list[datetime]:
    """The next `count` fire instants over several schedules, in instant order."""
    times = [t for s in schedules for t in next_fire_times(s.cron, s.zone, now, count)]
    # Sorted by instant: wall-clock order is wrong inside a repeated hour.
    return sorted(times, key=lambda t: t.astimezone(UTC))[:count]
