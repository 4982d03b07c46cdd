"""Schedule slots: which instant of a set of schedules is due now, within the misfire grace; catch-up plans."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from scheduler.timing.cron import next_fire_times

# A slot fired later than this (the process was busy or down) is missed, not run.
MISFIRE_GRACE = timedelta(minutes=5)
# Slots recorded as missed for one schedule in one fire: a long outage of a frequent cron is written
# down as its oldest slots plus a line saying more were missed, not as thousands of rows at once.
MISSED_PER_PASS = 100


class CatchUp(StrEnum):
    """What a fire does with slots that passed while nothing fired them."""

    latest = "latest"  # the newest slot within the grace window runs; older ones are recorded as missed


class Overlap(StrEnum):
    """What a slot does when the playbook's previous scheduled run is still going."""

    skip = "skip"  # recorded as skipped, naming the run still going


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


@dataclass(frozen=True)
class DuePlan:
    """What one fire does with a schedule whose next slot has come (all instants in UTC)."""

    run: datetime | None
    missed: list[datetime]
    # More slots than `missed` lists passed unrun (a long outage of a frequent cron).
    more_missed: bool
    # The first slot after now; None when the cron never fires again.
    next_fire_at: datetime | None


def plan_due(cron: str, zone: str, due_at: datetime, now: datetime, grace: timedelta = MISFIRE_GRACE,
             limit: int = MISSED_PER_PASS) -> DuePlan:
    """Catch-up "latest" for a schedule due at `due_at` (one of its slots, at or before `now`).

    The newest slot within the grace window runs; older slots since `due_at` are missed (the oldest
    `limit` of them listed); the schedule moves to its first slot after now.
    """
    now, due_at = now.astimezone(UTC), due_at.astimezone(UTC)
    following = _utc(next_fire_times(cron, zone, due_at, 1))
    if not following or following[0] > now:
        # The usual fire: only `due_at` has come, so no long walk over past slots.
        on_time = due_at > now - grace
        return DuePlan(due_at if on_time else None, [] if on_time else [due_at], False, following[0] if following else None)
    walked = [due_at, *_utc(next_fire_times(cron, zone, due_at, limit + 1))]
    passed = [s for s in walked if s <= now]
    latest = slot_at(cron, zone, now, grace)
    run = latest.astimezone(UTC) if latest is not None and latest >= due_at else None
    missed = [s for s in passed if run is None or s < run]
    more = len(missed) > limit
    if len(passed) == len(walked) == limit + 2:
        # The walk stopped before now: is there a slot past it that is neither listed nor the one that runs?
        beyond = _utc(next_fire_times(cron, zone, walked[-1], 1))
        more = more or bool(beyond and beyond[0] <= now and beyond[0] != run)
    after = _utc(next_fire_times(cron, zone, now, 1))
    return DuePlan(run, missed[:limit], more, after[0] if after else None)


def _utc(times: list[datetime]) -> list[datetime]:
    return [t.astimezone(UTC) for t in times]
