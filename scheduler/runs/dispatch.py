"""Hands executions to an executor: asyncio tasks in this process (inline)."""
from __future__ import annotations

import asyncio
import logging

from scheduler.runs.executor import Executor

log = logging.getLogger(__name__)


class InlineDispatcher:
    """Runs each dispatched execution as an asyncio task of this process."""

    def __init__(self, executor: Executor) -> None:
        self.executor = executor
        self._tasks: set[asyncio.Task[str | None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Run executions on this loop, whichever thread dispatches them."""
        self._loop = loop

    def dispatch(self, execution_id: str) -> None:
        """Start running an execution in the background (callable from any thread)."""
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        loop = self._loop or running
        if loop is None:
            raise RuntimeError("dispatcher has no event loop: start the runtime first")
        if running is loop:
            self._start(execution_id)
        else:
            # API routes run in worker threads; tasks must be created on the loop's own thread.
            loop.call_soon_threadsafe(self._start, execution_id)

    def _start(self, execution_id: str) -> None:
        task = asyncio.get_running_loop().create_task(self._run(execution_id), name=f"run:{execution_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, execution_id: str) -> str | None:
        try:
            return await self.executor.run(execution_id)
        except asyncio.CancelledError:
            raise
        except Exception:
            # A bug in the engine must not vanish silently; the lease expiry lets recovery retry.
            log.exception("execution %s crashed", execution_id)
            return None

    async def drain(self, timeout: float | None = None) -> None:
        """Wait for the runs started so far (tests, graceful stop), at most `timeout` seconds."""
        deadline = None if timeout is None else asyncio.get_running_loop().time() + timeout
        while self._tasks:
            left = None if deadline is None else deadline - asyncio.get_running_loop().time()
            if left is not None and left <= 0:
                return
            await asyncio.wait(list(self._tasks), timeout=left)

    async def abandon(self) -> None:
        """Stop every run in place, as a crash would: their rows stay for the recovery sweep."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)
