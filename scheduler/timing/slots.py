"""Schedule slots: which instant of a set of schedules is due now; the catch-up plan of a due row (latest, skip, all)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from typing import Any, Protocol

from scheduler.timing.cron import next_fire_times

# The execute call of an outside scheduler runs the slot due now only this late (its retries land close).
MISFIRE_GRACE = timedelta(minutes=5)
# Catch-up "latest": the newest passed slot still runs when fired this late (the service was down or busy).
CATCH_UP_GRACE = timedelta(hours=1)
# Catch-up "skip" and "all": a slot fired within this of its instant is on time, not caught up.
ON_TIME = timedelta(minutes=1)
# Catch-up "all": at most this many passed slots run in one fire, oldest first.
CATCH_UP_CAP = 10
# Slots recorded as missed for one schedule in one fire: a long outage of a frequent cron is written
# down as its oldest slots plus a line saying more were missed, not as thousands of rows at once.
MISSED_PER_PASS = 100
NOT_RUNNING = "the scheduler was not running when this slot came due"
SUPERSEDED = "a later slot of this schedule was due when the scheduler fired; only the latest runs (catch-up: latest)"
SKIPPED_ON_CATCH_UP = "the scheduler was not running when this slot came due; catch-up: skip runs no passed slot"
OVER_CAP = "more slots were owed than the catch-up cap of {cap} (catch-up: all); the oldest ran"
MORE_MISSED = "; later slots were missed too and are not listed one by one"


class CatchUp(StrEnum):
    """What a fire does with slots that passed while nothing fired them."""

    latest = "latest"  # the newest slot within the grace window runs; older ones are recorded as missed
    skip = "skip"  # only a slot fired on time runs; every passed one is recorded as missed
    all = "all"  # every passed slot runs, oldest first, up to the cap; the rest are recorded as missed


class Overlap(StrEnum):
    """What a slot does when the playbook's previous scheduled run is still going."""

    skip = "skip"  # recorded as skipped, naming the run still going
    queue = "queue"  # waits for that run to end, then runs
    allow = "allow"  # runs beside it


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


def dst_change_day(instant: datetime) -> bool:
    """Whether the day of `instant`, in its own zone, has a DST change (its midnights differ in UTC offset)."""
    zone = instant.tzinfo
    day = instant.date()
    start = datetime.combine(day, time(0), zone)
    end = datetime.combine(day + timedelta(days=1), time(0), zone)
    return start.utcoffset() != end.utcoffset()


def upcoming_run(instant: datetime) -> dict[str, Any]:
    """One upcoming run as the API shows it: the instant in UTC and on its zone's clock, flagged on a DST change day."""
    zone = getattr(instant.tzinfo, "key", "UTC")
    return {"at": instant.astimezone(UTC).isoformat().replace("+00:00", "Z"), "local": instant.isoformat(),
            "timezone": zone, "dstChangeDay": dst_change_day(instant)}


@dataclass(frozen=True)
class DuePlan:
    """What one fire does with a schedule whose next slot has come (all instants in UTC)."""

    runs: list[datetime]
    # Slots that passed unrun, oldest first, each with the reason recorded for it.
    missed_why: list[tuple[datetime, str]]
    # More slots than `missed` lists passed unrun (a long outage of a frequent cron).
    more_missed: bool
    # The first slot after now; None when the cron never fires again.
    next_fire_at: datetime | None
    # Slots that came while the playbook was paused until a later instant.
    paused: list[datetime] = field(default_factory=list)

    @property
    def run(self) -> datetime | None:
        """The newest slot that runs (catch-up latest runs at most one)."""
        return self.runs[-1] if self.runs else None

    @property
    def missed(self) -> list[datetime]:
        """The slots recorded as missed."""
        return [slot for slot, _ in self.missed_why]


def plan_due(cron: str, zone: str, due_at: datetime, now: datetime, grace: timedelta = CATCH_UP_GRACE,
             limit: int = MISSED_PER_PASS, catch_up: CatchUp | str = CatchUp.latest, cap: int = CATCH_UP_CAP,
             paused_until: datetime | None = None) -> DuePlan:
    """The catch-up plan of a schedule due at `due_at` (one of its slots, at or before `now`).

    latest: the newest slot within `grace` runs, older ones are missed. skip: a slot runs only when
    fired on time. all: passed slots run oldest first, `cap` of them, the rest are missed. Slots
    before `paused_until` are set aside as paused, whatever the policy. Missed slots are listed up
    to `limit`; the schedule moves to its first slot after now.
    """
    now, due_at = now.astimezone(UTC), due_at.astimezone(UTC)
    catch_up = CatchUp(catch_up)
    following = _utc(next_fire_times(cron, zone, due_at, 1))
    after = following[0] if following else None
    if after is not None and after <= now:
        # A walk over passed slots: bounded, so a long outage of a frequent cron stays cheap.
        walked = [due_at, *_utc(next_fire_times(cron, zone, due_at, limit + cap + 1))]
        passed = [s for s in walked if s <= now]
        beyond = _utc(next_fire_times(cron, zone, walked[-1], 1)) if len(passed) == len(walked) else []
        cut_short = bool(beyond and beyond[0] <= now)
        after = (_utc(next_fire_times(cron, zone, now, 1)) or [None])[0]
    else:
        passed, cut_short = [due_at], False
    paused = [s for s in passed if paused_until is not None and s < paused_until.astimezone(UTC)]
    owed = passed[len(paused):]
    runs, missed = _apply(catch_up, cron, zone, owed, now, grace, cap, cut_short)
    # Cut short: slots between the walk's end and now are neither listed nor run.
    more = len(missed) > limit or cut_short
    listed = missed[:limit]
    if more and listed:
        listed[-1] = (listed[-1][0], listed[-1][1] + MORE_MISSED)
    return DuePlan(runs, listed, more, after, paused)


def _apply(catch_up: CatchUp, cron: str, zone: str, owed: list[datetime], now: datetime, grace: timedelta,
           cap: int, cut_short: bool) -> tuple[list[datetime], list[tuple[datetime, str]]]:
    if not owed:
        return [], []
    if catch_up == CatchUp.all:
        on_time = [s for s in owed if s > now - ON_TIME]
        late = [s for s in owed if s <= now - ON_TIME]
        runs = late[:cap] + on_time
        return runs, [(s, OVER_CAP.format(cap=cap)) for s in late[cap:]]
    if catch_up == CatchUp.skip:
        runs = [s for s in owed if s > now - ON_TIME][-1:]
        return runs, [(s, SKIPPED_ON_CATCH_UP) for s in owed if s not in runs]
    newest = owed[-1]
    if cut_short:
        # The walk stopped before now: the newest passed slot is past the listed ones.
        found = slot_at(cron, zone, now, grace)
        newest = found.astimezone(UTC) if found is not None else None
    runs = [newest] if newest is not None and newest > now - grace else []
    return runs, [(s, NOT_RUNNING if s <= now - grace else SUPERSEDED) for s in owed if s not in runs]


def _utc(times: list[datetime]) -> list[datetime]:
    return [t.astimezone(UTC) for t in times]
