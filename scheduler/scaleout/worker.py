"""`playbooks worker`: a Celery worker whose task runs one execution on this process's engine and event loop.

The pool is Celery's threads pool, not prefork: the executor is asyncio and made to carry many runs on one
loop, with one engine (connection pool) and one lease heartbeat for all of them. Each of the pool's
threads hands its message's run to the one loop of the process and waits for it, so `--concurrency`
runs go at once per process exactly as PLAYBOOKS_MAX_CONCURRENT_RUNS do inline; prefork would give each
child process one run at a time and an engine of its own. More cores: start more workers.

A worker killed mid-run leaves its runs `running` under a lease that expires; the recovery sweep of the
scheduler (or serve) process sends them again and another worker resumes each after its last finished
step. A worker told to stop (SIGTERM) finishes its runs for a grace period, then hands the rest back
(leases released, messages requeued), as `serve` does.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import socket
import threading
from collections.abc import Coroutine
from typing import Any

from celery import signals
from celery.exceptions import Reject

from scheduler.runs.checkpoints import ENDED
from scheduler.runtime import Runtime
from scheduler.scaleout.celery_app import RUN_TASK
from scheduler.scaleout.dispatch import CeleryDispatcher

log = logging.getLogger(__name__)
GRACE_SECONDS = 10.0  # as `serve`: runs in flight get this long to finish when the worker is told to stop


class WorkerEngine:
    """A Runtime without schedules or sweep (the scheduler process does those), on an event loop in a thread of its own.

    Runs behave as inline: the same executor, relay of events, child runs, wake bell; what a run
    dispatches (a child, a run an event starts, a follower, a woken parent) goes to the queue.
    """

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="playbooks-engine", daemon=True)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._handed_back = threading.Event()

    def start(self) -> None:
        """Start the loop and the wake bell (runs parked here wake on time, not a sweep later)."""
        self._thread.start()
        self._call(self._start())

    async def _start(self) -> None:
        self.runtime.dispatcher.bind(self.loop)
        self.runtime.wakeups.start(None)  # armed by the runs this worker parks (executor.on_park)

    def run(self, execution_id: str) -> str | None:
        """Run one execution to its end or park, from a pool thread; a run handed back at a stop is requeued."""
        future = asyncio.run_coroutine_threadsafe(self._run(execution_id), self.loop)
        try:
            return future.result()
        except concurrent.futures.CancelledError:
            # Stopping: its lease is released first, so the worker that takes the message again can claim it.
            self._handed_back.wait(timeout=60)
            raise Reject(f"worker stopping: execution {execution_id} handed back", requeue=True) from None

    async def _run(self, execution_id: str) -> str | None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            status = await self.runtime.executor.run(execution_id)
        except asyncio.CancelledError:
            raise
        except Exception:
            # As inline: a bug must not vanish silently; the lease expiry lets recovery retry the run.
            log.exception("execution %s crashed", execution_id)
            return None
        finally:
            self._tasks.discard(task)
        if status in ENDED:
            # Runs queued behind this one (overlap: queue) were filed by another process: release them now, not a sweep later.
            try:
                await asyncio.to_thread(self.runtime.release_waiting, [execution_id])
            except Exception:
                log.exception("after execution %s", execution_id)  # the sweep releases followers anyway
        return status

    def hand_back_after(self, grace: float = GRACE_SECONDS) -> None:
        """Let runs in flight finish for `grace` seconds, then stop the rest in place and release their leases (any thread)."""
        asyncio.run_coroutine_threadsafe(self._hand_back(grace), self.loop)

    async def _hand_back(self, grace: float) -> None:
        tasks = list(self._tasks)
        if tasks:
            await asyncio.wait(tasks, timeout=grace)
        left = [t for t in tasks if not t.done()] + [t for t in self._tasks if t not in tasks]
        for task in left:
            task.cancel()
        await asyncio.gather(*left, return_exceptions=True)
        try:
            await asyncio.to_thread(self.runtime.executor.release_leases)
        finally:
            self._handed_back.set()

    def stop(self) -> None:
        """Stop the wake bell, release what is still held, close the store; then the loop."""
        if not self._thread.is_alive():
            return
        self._call(self.runtime.stop(grace_seconds=0))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=30)

    def _call(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()


def serve_worker(runtime: Runtime, concurrency: int, grace: float = GRACE_SECONDS, loglevel: str = "INFO") -> int:
    """Consume the queue until stopped: `concurrency` runs at once, `grace` seconds to finish at a stop; the exit code."""
    dispatcher = runtime.dispatcher
    if not isinstance(dispatcher, CeleryDispatcher):
        raise ValueError("a worker needs PLAYBOOKS_EXECUTOR=celery")
    app = dispatcher.app
    engine = WorkerEngine(runtime)

    @app.task(name=RUN_TASK, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
    def run(execution_id: str) -> str | None:
        return engine.run(execution_id)

    def stopping(**_: Any) -> None:
        engine.hand_back_after(grace)

    signals.worker_shutting_down.connect(stopping, weak=False)
    engine.start()
    try:
        worker = app.Worker(
            hostname=f"playbooks-{os.getpid()}@{socket.gethostname()}", pool="threads", concurrency=concurrency, loglevel=loglevel,
            queues=[dispatcher.queue],
            # Mingle and gossip sync revoked ids and clocks between workers: unused here, and mingle costs a second at start.
            without_mingle=True, without_gossip=True,
        )
        worker.start()
        return int(worker.exitcode or 0)
    finally:
        signals.worker_shutting_down.disconnect(stopping)
        engine.stop()
