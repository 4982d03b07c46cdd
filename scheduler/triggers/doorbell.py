"""The doorbell: one asyncio timer armed at the earliest next_fire_at of all schedules.

A plain `loop.call_at` rather than one APScheduler job: the rows already hold what APScheduler's job
store would (next instant, misfire and coalescing rules are the catch-up and overlap policies), a
single date job would have to be re-added after every ring and its `max_instances` would drop a
ring that comes while a fire is still writing; re-arming a timer is O(log n) on the loop's heap,
and it is what APScheduler's AsyncIOScheduler does underneath.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from scheduler.domain.clock import SYSTEM_CLOCK, Clock

log = logging.getLogger(__name__)


class Doorbell:
    """Rings at the armed instant; a ring runs `ring` (blocking, in a worker thread) and re-arms at what it answers.

    `ring` answers (rows claimed, earliest instant left). Arming is cheap and thread-safe; only an
    earlier instant re-arms, so a later one wakes the bell early once at worst (it then finds nothing).
    """

    def __init__(self, ring: Callable[[], tuple[int, datetime | None]], clock: Clock = SYSTEM_CLOCK,
                 retry: timedelta = timedelta(milliseconds=250), backoff: timedelta = timedelta(seconds=5)) -> None:
        self.ring, self.clock, self.retry, self.backoff = ring, clock, retry, backoff
        self.armed_at: datetime | None = None
        self.running = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._handle: asyncio.TimerHandle | None = None
        self._ringing: asyncio.Task[None] | None = None
        self._again = False

    def start(self, earliest: datetime | None) -> None:
        """Start on the running loop, armed at `earliest` (None: nothing scheduled yet)."""
        self._loop = asyncio.get_running_loop()
        self.running = True
        self._arm(earliest)

    def stop(self) -> None:
        """Stop ringing; a fire in progress finishes its transaction in its thread."""
        self.running = False
        if self._handle is not None:
            self._handle.cancel()
        self._handle, self.armed_at = None, None

    def moved(self, instant: datetime | None) -> None:
        """A schedule now fires at `instant`: ring then if that is earlier than armed (any thread)."""
        if instant is None or not self.running or self._loop is None:
            return
        armed = self.armed_at
        if armed is None or instant < armed:
            self._loop.call_soon_threadsafe(self._arm_if_earlier, instant)

    def _arm_if_earlier(self, instant: datetime) -> None:
        if self.armed_at is None or instant < self.armed_at:
            self._arm(instant)

    def _arm(self, instant: datetime | None) -> None:
        if not self.running or self._loop is None:
            return
        if self._handle is not None:
            self._handle.cancel()
        self._handle, self.armed_at = None, instant
        if instant is None:
            return
        delay = max(0.0, (instant - self.clock.now()).total_seconds())
        self._handle = self._loop.call_later(delay, self._rung)

    def _rung(self) -> None:
        self._handle, self.armed_at = None, None
        if self._ringing is not None and not self._ringing.done():
            # A fire is still writing: it goes round once more when done.
            self._again = True
            return
        self._ringing = asyncio.get_running_loop().create_task(self._fire(), name="doorbell")

    async def _fire(self) -> None:
        while True:
            self._again = False
            try:
                claimed, earliest = await asyncio.to_thread(self.ring)
            except Exception:
                log.exception("schedule fire failed; trying again in %s", self.backoff)
                claimed, earliest = 0, self.clock.now() + self.backoff
            if not self.running:
                return
            if self._again:
                continue
            now = self.clock.now()
            if earliest is not None and earliest <= now and claimed == 0:
                # Due rows that this fire could not claim: another doorbell holds them until it commits.
                earliest = now + self.retry
            if self.armed_at is None or (earliest is not None and earliest < self.armed_at):
                self._arm(earliest)
            return
