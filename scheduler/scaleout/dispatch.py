"""Hands executions to Celery workers: one message per execution id on the Redis queue, in order."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import redis
from celery import Celery

from scheduler.runs.dispatch import running_loop
from scheduler.scaleout.celery_app import RUN_TASK, make_celery
from scheduler.settings import Settings

log = logging.getLogger(__name__)
# The recovery sweep resends a run it finds not picked up at most once per this many seconds, whichever process sweeps:
# under a backlog the run's first message is still in the queue, and each sweep adding a copy of every waiting run
# would grow the queue by the backlog every interval.
RESEND_WINDOW = 300


class CeleryDispatcher:
    """The engine's Dispatcher for the scale-out: `dispatch` sends the id to the queue; a worker claims and runs it.

    Nothing of a run lives in this process, so `drain` and `abandon` have nothing to wait for or stop.
    A broker that cannot be reached loses nothing: the run is in the ledger, queued, and the recovery
    sweep sends it again once it has waited its grace.
    """

    def __init__(self, app: Celery, queue: str, redis_url: str, resend_window: float = RESEND_WINDOW) -> None:
        self.app, self.queue, self.resend_window = app, queue, resend_window
        self._redis = redis.Redis.from_url(redis_url, socket_timeout=10, socket_connect_timeout=10)

    @classmethod
    def from_settings(cls, settings: Settings) -> CeleryDispatcher:
        """The dispatcher on PLAYBOOKS_REDIS_URL and PLAYBOOKS_CELERY_QUEUE."""
        return cls(make_celery(settings), settings.celery_queue, settings.redis_url or "")

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Runs do not run here: no loop is needed."""

    def dispatch(self, execution_id: str) -> None:
        """Send one execution to the workers (any thread)."""
        self.dispatch_many((execution_id,))

    def dispatch_many(self, execution_ids: Sequence[str]) -> None:
        """Send each execution to the workers, in this order, on one producer connection (any thread)."""
        if not execution_ids:
            return
        loop = running_loop()
        if loop is None:
            self._send(execution_ids)
        else:  # an async route or step: the loop never waits on the broker (a slow or lost one would stall every request)
            loop.run_in_executor(None, self._send, tuple(execution_ids))

    def _send(self, execution_ids: Sequence[str]) -> None:
        sent = 0
        try:
            with self.app.producer_or_acquire() as producer:
                for execution_id in execution_ids:
                    self.app.send_task(RUN_TASK, args=(execution_id,), queue=self.queue, producer=producer)
                    sent += 1
        except Exception:
            # The rows are filed (queued): the sweep sends them again; an API call that filed them still answers.
            log.exception("broker unreachable: %d of %d runs wait for the recovery sweep", len(execution_ids) - sent,
                          len(execution_ids))

    def recover(self, execution_ids: Sequence[str]) -> list[str]:
        """The sweep's resend: each run at most once per window across processes (a Redis key set if absent); the ids sent."""
        if not execution_ids:
            return []
        try:
            pipe = self._redis.pipeline(transaction=False)
            for execution_id in execution_ids:
                pipe.set(f"{self.queue}.resent.{execution_id}", 1, nx=True, ex=max(1, int(self.resend_window)))
            fresh = [execution_id for execution_id, was_set in zip(execution_ids, pipe.execute(), strict=True) if was_set]
        except redis.RedisError:
            log.exception("broker unreachable: %d runs wait for the next sweep", len(execution_ids))
            return []
        self.dispatch_many(fresh)
        return fresh

    def take_turn(self, job: str, seconds: float) -> bool:
        """Whether this process does a periodic job now: the first of the processes on this queue to ask in `seconds`."""
        try:
            return bool(self._redis.set(f"{self.queue}.turn.{job}", 1, nx=True, ex=max(1, int(seconds))))
        except redis.RedisError:
            log.exception("broker unreachable: %s skipped this time", job)
            return False

    def reachable(self) -> bool:
        """Whether the broker answers a ping now (readiness: without it, runs are filed but none is sent)."""
        try:
            return bool(self._redis.ping())
        except redis.RedisError:
            return False

    async def drain(self, timeout: float | None = None) -> None:
        """Nothing to wait for: the workers run the runs."""

    async def abandon(self) -> None:
        """Nothing to stop: a worker hands its runs back when it stops."""

    def close(self) -> None:
        """Let go of the broker connections."""
        self._redis.close()
        self.app.close()
