"""Hands executions to an executor: a bounded, first-in-first-out set of asyncio tasks in this process."""
from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol, runtime_checkable

from scheduler.runs.executor import Executor

log = logging.getLogger(__name__)


def running_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop of the calling thread, or None when called from a plain thread (a route, the doorbell)."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


# Checkable at run time: pydantic builds a validator for every field of the Runtime (the chat tools' context holds one).
@runtime_checkable
class Dispatcher(Protocol):
    """What the engine needs of a dispatcher; a Celery one sends the id to a queue in `dispatch`."""

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Run executions on this loop (a queue-backed dispatcher may ignore it)."""

    def dispatch(self, execution_id: str) -> None:
        """Have the execution run, soon, once; callable from any thread."""

    def dispatch_many(self, execution_ids: Sequence[str]) -> None:
        """Have each execution run, in this order: one hand-over for a whole burst."""

    async def drain(self, timeout: float | None = None) -> None:
        """Wait for the runs handed over so far to finish, at most `timeout` seconds."""

    async def abandon(self) -> None:
        """Stop every run of this process in place, as a crash would."""


class InlineDispatcher:
    """Runs dispatched executions as asyncio tasks of this process, at most `limit` at once, oldest first.

    A run holds its slot until it ends, so under load runs finish in the order they came in,
    steadily, instead of all advancing in lockstep and finishing together at the end.
    """

    def __init__(self, executor: Executor, limit: int | None = None) -> None:
        self.executor = executor
        # Called with each run's id once this process has run it as far as it goes (a queued follower may start).
        self.after_run: Callable[[str], Awaitable[None]] | None = None
        self.limit = max(1, limit or executor.settings.max_concurrent_runs)
        self._queue: deque[str] = deque()
        self._queued: set[str] = set()
        self._tasks: dict[str, asyncio.Task[str | None]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Run executions on this loop, whichever thread dispatches them."""
        self._loop = loop

    def dispatch(self, execution_id: str) -> None:
        """Queue an execution to run in the background (callable from any thread)."""
        self.dispatch_many((execution_id,))

    def dispatch_many(self, execution_ids: Sequence[str]) -> None:
        """Queue executions in order with one hand-over to the loop (callable from any thread)."""
        if not execution_ids:
            return
        running = running_loop()
        loop = self._loop or running
        if loop is None:
            raise RuntimeError("dispatcher has no event loop: start the runtime first")
        if running is loop:
            self._enqueue(execution_ids)
        else:
            # API routes run in worker threads; tasks must be created on the loop's own thread. One callback
            # for the batch: 10,000 callbacks of a burst landing at once kept the loop busy for 0.4 s.
            loop.call_soon_threadsafe(self._enqueue, tuple(execution_ids))

    @property
    def pending(self) -> int:
        """Runs waiting for a slot."""
        return len(self._queue)

    def _enqueue(self, execution_ids: Sequence[str]) -> None:
        for execution_id in execution_ids:
            # A run already waiting or running here needs no second slot (the sweep and a trigger may both hand it over).
            if execution_id in self._queued or execution_id in self._tasks:
                continue
            self._queue.append(execution_id)
            self._queued.add(execution_id)
        self._pump()

    def _pump(self) -> None:
        loop = asyncio.get_running_loop()
        while self._queue and len(self._tasks) < self.limit:
            execution_id = self._queue.popleft()
            self._queued.discard(execution_id)
            task = loop.create_task(self._run(execution_id), name=f"run:{execution_id}")
            self._tasks[execution_id] = task
            task.add_done_callback(lambda _t, key=execution_id: self._done(key))

    def _done(self, execution_id: str) -> None:
        self._tasks.pop(execution_id, None)
        self._pump()

    async def _run(self, execution_id: str) -> str | None:
        try:
            status = await self.executor.run(execution_id)
        except asyncio.CancelledError:
            raise
        except Exception:
            # A bug in the engine must not vanish silently; the lease expiry lets recovery retry.
            log.exception("execution %s crashed", execution_id)
            return None
        if self.after_run is not None:
            try:
                await self.after_run(execution_id)
            except Exception:
                log.exception("after execution %s", execution_id)  # the sweep releases followers anyway
        return status

    async def drain(self, timeout: float | None = None) -> None:
        """Wait for the runs queued or started so far (tests, graceful stop), at most `timeout` seconds."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while self._tasks or self._queue:
            left = None if deadline is None else deadline - loop.time()
            if left is not None and left <= 0:
                return
            if not self._tasks:
                self._pump()
                continue
            await asyncio.wait(list(self._tasks.values()), timeout=left, return_when=asyncio.FIRST_COMPLETED)

    async def abandon(self) -> None:
        """Stop every run in place, as a crash would: their rows stay for the recovery sweep."""
        self._queue.clear()
        self._queued.clear()
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
