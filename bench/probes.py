"""Probes: event-loop lag, commits and statements, thread hops, resident memory."""
from __future__ import annotations

import asyncio
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bench.common import percentile


class LoopLag:
    """Samples how late the event loop wakes a 5 ms sleep: the lag every other coroutine sees too."""

    def __init__(self, every: float = 0.005, limit: int = 200_000) -> None:
        self.every, self.limit = every, limit
        self.samples: list[tuple[float, float]] = []  # (wall time, lag in seconds)
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start sampling on the running loop."""
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        # perf_counter, not loop.time(): uvloop's clock ticks in whole milliseconds.
        while len(self.samples) < self.limit:
            before = time.perf_counter()
            await asyncio.sleep(self.every)
            self.samples.append((time.time(), time.perf_counter() - before - self.every))

    def stop(self) -> None:
        """Stop sampling."""
        if self._task is not None:
            self._task.cancel()

    def stats(self, since: float | None = None, until: float | None = None) -> dict[str, float]:
        """p50, p99 and max lag (seconds) over the samples in [since, until] (wall time)."""
        lags = [lag for t, lag in self.samples if (since is None or t >= since) and (until is None or t <= until)]
        return {"p50": percentile(lags, 50), "p99": percentile(lags, 99), "max": max(lags, default=float("nan")),
                "samples": len(lags)}


class StoreCounter:
    """Counts commits and statements on an engine with SQLAlchemy event listeners."""

    def __init__(self, engine) -> None:
        from sqlalchemy import event

        self.commits = self.statements = self.on_loop = 0
        # Statements run on this thread (the event loop's) stall every other coroutine meanwhile.
        self.loop_thread: int | None = None
        self._lock = threading.Lock()
        event.listen(engine, "commit", self._on_commit)
        event.listen(engine, "before_cursor_execute", self._on_statement)

    def _on_commit(self, *_: Any) -> None:
        with self._lock:
            self.commits += 1

    def _on_statement(self, *_: Any) -> None:
        with self._lock:
            self.statements += 1
            if threading.get_ident() == self.loop_thread:
                self.on_loop += 1

    def snapshot(self) -> tuple[int, int, int]:
        """(commits, statements, statements on the loop thread) so far."""
        with self._lock:
            return self.commits, self.statements, self.on_loop


class CountingPool(ThreadPoolExecutor):
    """The loop's default executor, counting submits: each is one hop to a thread (asyncio.to_thread)."""

    hops = 0

    def submit(self, *args: Any, **kwargs: Any):  # type: ignore[override]
        """Count the hop, then submit as usual."""
        CountingPool.hops += 1
        return super().submit(*args, **kwargs)


def rss_bytes() -> int:
    """Resident memory of this process now."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
