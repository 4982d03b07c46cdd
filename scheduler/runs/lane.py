"""The executor's store lane: checkpoint writes run in worker threads, the oldest run's first."""
from __future__ import annotations

import asyncio
import contextlib
import itertools
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
HEARTBEAT = 0  # the lease renewal goes before every run's write: a busy lane must not let leases lapse
_STOP = (float("inf"), 0, None, (), None, None)


class StoreLane:
    """A few threads taking blocking calls by rank (lower first), then in the order they came.

    asyncio's shared pool serves calls first come first served, so under load every run's next
    checkpoint queued behind every other run's and all runs advanced in lockstep. Ranked by the
    order runs got their turn, the oldest run's writes go first: it runs nearly as fast as alone
    and runs finish in the order they started. Written here because the standard pools take no
    priority.
    """

    def __init__(self, threads: int) -> None:
        self.threads = max(1, threads)
        self._queue: queue.PriorityQueue[tuple[Any, ...]] = queue.PriorityQueue()
        self._tickets = itertools.count()  # ties in rank keep their order; never compares the calls
        self._ranks = itertools.count(HEARTBEAT + 1)
        self._workers: list[threading.Thread] = []
        self._lock = threading.Lock()
        self.calls = 0  # calls handed to the lane so far (each a thread hop; the benchmarks count them)

    def next_rank(self) -> int:
        """The rank of a run getting its turn now: after every run that got one before."""
        return next(self._ranks)

    async def call(self, rank: int, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(*args)` in a lane thread, ahead of every call of a higher rank; its result or its exception."""
        self._start()
        self.calls += 1
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put((rank, next(self._tickets), fn, args, loop, future))
        return await future

    def close(self) -> None:
        """Let the threads finish the calls queued so far and end."""
        with self._lock:
            workers, self._workers = self._workers, []
        for _ in workers:
            self._queue.put(_STOP)
        for worker in workers:
            worker.join(timeout=10)

    def _start(self) -> None:
        if len(self._workers) == self.threads:
            return
        with self._lock:
            while len(self._workers) < self.threads:
                worker = threading.Thread(target=self._work, name=f"store-lane-{len(self._workers)}", daemon=True)
                worker.start()
                self._workers.append(worker)

    def _work(self) -> None:
        while True:
            _, _, fn, args, loop, future = self._queue.get()
            if fn is None:
                return
            try:
                result, error = fn(*args), None
            except BaseException as exc:  # noqa: BLE001 - handed to the awaiting task, which raises it
                result, error = None, exc
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits for this answer any more
                loop.call_soon_threadsafe(_settle, future, result, error)


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.cancelled():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
