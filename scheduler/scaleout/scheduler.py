"""`playbooks scheduler`: the engine without the API, its runs sent to the workers; start as many as you like.

It does all that `serve` does besides the API: catch-up, the schedule doorbell, the recovery sweep,
the wake bell, the ticks. It is standby-safe without a leader: a fire claims its due rows in one
statement (SKIP LOCKED on PostgreSQL, the write lock on SQLite) and a slot's run is unique in the
ledger, so two schedulers on one database file each slot once; the wake-ups, the release of queued
runs and approval timeouts are conditional updates that one process wins.
"""
from __future__ import annotations

import asyncio
import logging
import signal

from scheduler.runtime import Runtime
from scheduler.settings import Settings

log = logging.getLogger(__name__)


async def serve_scheduler(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Run the scheduler until SIGTERM or SIGINT (or `stop` is set), then stop it cleanly."""
    if settings.executor != "celery":
        raise ValueError("a standalone scheduler sends runs to Celery workers: set PLAYBOOKS_EXECUTOR=celery")
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    runtime = Runtime.build(settings)
    await runtime.start()
    log.info("scheduler started: %d schedules; runs go to queue %r", runtime.jobs.count(), settings.celery_queue)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        await runtime.stop()
        log.info("scheduler stopped")
