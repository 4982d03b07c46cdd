"""The store lane: blocking calls in a thread, the lowest rank first, answers and errors handed back."""
from __future__ import annotations

import asyncio
import threading

import pytest

from scheduler.runs.lane import HEARTBEAT, StoreLane


async def test_queued_calls_run_by_rank_then_in_the_order_they_came():
    lane = StoreLane(1)
    gate, order = threading.Event(), []
    busy = asyncio.ensure_future(lane.call(1, gate.wait, 10))
    await asyncio.sleep(0.05)  # the one thread is now held by the first call
    calls = [asyncio.ensure_future(lane.call(rank, order.append, label))
             for rank, label in ((5, "newest run"), (3, "older run"), (3, "older run again"), (HEARTBEAT, "heartbeat"))]
    await asyncio.sleep(0.05)
    gate.set()
    await asyncio.gather(busy, *calls)
    assert order == ["heartbeat", "older run", "older run again", "newest run"]
    lane.close()


async def test_answers_and_errors_come_back_to_the_caller_off_the_loop_thread():
    lane = StoreLane(2)
    loop_thread = threading.get_ident()
    assert await lane.call(1, threading.get_ident) != loop_thread
    with pytest.raises(ZeroDivisionError):
        await lane.call(1, lambda: 1 / 0)
    assert lane.next_rank() < lane.next_rank()  # each run's turn ranks after the ones before it
    lane.close()


async def test_close_lets_queued_calls_finish_and_the_lane_starts_again_when_used():
    lane = StoreLane(1)
    done = []
    pending = [asyncio.ensure_future(lane.call(1, done.append, i)) for i in range(5)]
    await asyncio.sleep(0)
    await asyncio.to_thread(lane.close)
    await asyncio.gather(*pending)
    assert done == [0, 1, 2, 3, 4]
    assert await lane.call(1, len, "again") == 5
    lane.close()
