"""Rows: N schedules due the same minute (recorded, started, loop lag) against heapq and asyncio call_at."""
from __future__ import annotations

import asyncio
import heapq
import os
import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import (
    ChildFailed,
    Config,
    Row,
    TimedOut,
    ceil_minute,
    failed_row,
    fresh_dir,
    in_child,
    median,
    ms,
    ratio,
    timed_out_row,
    utc_now,
)
from bench.engine import build, reschedule_all, seed_org, seed_schedules
from bench.probes import LoopLag

NAME = "due_burst"
FINISHED = ("completed", "failed", "skipped", "missed")


class Poller(threading.Thread):
    """Reads the ledger every few ms on its own connection; notes when each milestone was first seen."""

    def __init__(self, db: Path, n: int, offset: float, slot: float, until: str, every: float = 0.005) -> None:
        super().__init__(daemon=True)
        self.db, self.n, self.offset, self.slot, self.until, self.every = db, n, offset, slot, until, every
        self.seen: dict[str, float] = {}
        self.last = (0, 0, 0)
        self.stop = threading.Event()

    def run(self) -> None:
        """Poll until the awaited milestone is seen or `stop` is set."""
        conn = sqlite3.connect(self.db, timeout=30)
        query = ("SELECT count(*), count(started_at), coalesce(sum(status IN ('completed','failed','skipped','missed')), 0)"
                 " FROM executions WHERE triggered_by = 'schedule'")
        while not self.stop.is_set():
            recorded, started, finished = self.last = conn.execute(query).fetchone()
            # Seconds after the slot, on the engine's (shifted) clock.
            at = time.time() + self.offset - self.slot
            for key, hit in (("first_recorded", recorded > 0), ("all_recorded", recorded >= self.n),
                             ("first_started", started > 0), ("all_started", started >= self.n),
                             ("all_finished", finished >= self.n)):
                if hit and key not in self.seen:
                    self.seen[key] = at
            if self.until in self.seen:
                break
            time.sleep(self.every)
        conn.close()


async def measure(home: str, n: int, lead: float, window: float, until: str = "all_finished") -> dict[str, Any]:
    """Seed n schedules due `lead` s after the engine is built; start it; watch the slot come, until `until`."""
    from scheduler.domain.clock import Clock

    home_path = Path(home)
    runtime0 = build(home_path)
    seed_org(runtime0.engine)
    seed_schedules(runtime0.engine, ["0 0 1 1 *"] * n, utc_now())
    # The slot is the next whole minute `lead` s from now on a clock shifted by under a minute.
    planned = utc_now()
    slot = ceil_minute(planned + timedelta(seconds=lead))
    offset = slot - (planned + timedelta(seconds=lead))
    # All rows become due at the slot; changed just before "now", so nothing is owed.
    reschedule_all(runtime0.engine, f"{slot.minute} {slot.hour} * * *", "UTC", planned + offset - timedelta(seconds=10))
    runtime0.engine.dispose()
    off_s, slot_s = offset.total_seconds(), slot.timestamp()

    def after_slot() -> float:
        return time.time() + off_s - slot_s

    lag = LoopLag()
    lag.start()
    runtime = build(home_path, clock=Clock(offset=offset))
    poller = Poller(home_path / "playbooks.db", n, off_s, slot_s, until)
    t0 = time.perf_counter()
    await runtime.start()
    start_s = time.perf_counter() - t0
    started_after_slot = after_slot()
    result: dict[str, Any] = {"n": n, "lead": lead, "start_seconds": start_s, "overran": started_after_slot > -0.5}
    if result["overran"]:
        # The start-up ran into the slot: these figures would mix the two; the caller retries with a longer lead.
        await runtime.stop(grace_seconds=0)
        return result
    poller.start()
    end_at = time.monotonic() + (-started_after_slot) + window
    while poller.is_alive() and time.monotonic() < end_at:
        await asyncio.sleep(0.05)
    poller.stop.set()
    burst_end = time.time()
    result["timed_out"] = until not in poller.seen
    result["window"] = window
    result["seen"] = poller.seen
    result["last_counts"] = poller.last
    slot_real = slot_s - off_s
    result["lag_idle"] = lag.stats(since=slot_real + started_after_slot + 0.2, until=slot_real - 0.1)
    result["lag_burst"] = lag.stats(since=slot_real - 0.1, until=burst_end)
    lag.stop()
    await runtime.stop(grace_seconds=2)
    conn = sqlite3.connect(home_path / "playbooks.db")
    result["statuses"] = dict(conn.execute("SELECT status, count(*) FROM executions GROUP BY status").fetchall())
    result["doubled"] = conn.execute("SELECT count(*) - count(DISTINCT playbook_id) FROM executions").fetchone()[0]
    first, done = conn.execute("SELECT min(started_at), min(completed_at) FROM executions").fetchone()
    conn.close()
    # The claim stamps started_at before it waits for SQLite's write lock: the first run's end says when it really ran.
    for key, value in (("first_started_stamp", first), ("first_finished_stamp", done)):
        if value:
            result[key] = (datetime.fromisoformat(value).replace(tzinfo=UTC) - slot).total_seconds()
    return result


def heap_pop_due(n: int) -> float:
    """Seconds for heapq to pop n entries that are all due at the same instant."""
    due = time.time()
    heap = [(due, i) for i in range(n)]
    heapq.heapify(heap)
    t0 = time.perf_counter()
    popped = []
    while heap and heap[0][0] <= due:
        popped.append(heapq.heappop(heap))
    return time.perf_counter() - t0


def call_at_lateness(n: int) -> float:
    """Seconds after the instant at which asyncio runs the last of n callbacks all scheduled for it."""
    async def main() -> float:
        loop = asyncio.get_running_loop()
        when = loop.time() + 0.05
        done: list[float] = []
        finished = loop.create_future()

        def fire() -> None:
            done.append(loop.time())
            if len(done) == n:
                finished.set_result(None)

        for _ in range(n):
            loop.call_at(when, fire)
        await finished
        return max(done) - when

    return asyncio.run(main())


def _one(cfg: Config, n: int, lead: float, window: float) -> dict[str, Any]:
    # A quick run stops watching once every run has started; a full run waits for every run to finish.
    until = cfg.pick("all_started", "all_finished")
    for _attempt in range(2):
        home = fresh_dir(cfg.workdir / f"{NAME}-{n}")
        args = {"home": str(home), "n": n, "lead": lead, "window": window, "until": until}
        result = in_child("due_burst:measure", args, cfg.cap(lead + window + 60), cfg.workdir)
        if not result["overran"]:
            break
        # The start-up took longer than the lead: once more, with room for it.
        lead = 1.3 * result["start_seconds"] + 3
    return result


def run(cfg: Config) -> list[Row]:
    """Rows for each size: all recorded (vs heapq), first run started (vs call_at), loop lag (vs idle)."""
    # BENCH_DUE_SIZES=10000 measures one size alone (a quick look at the large burst).
    chosen = os.environ.get("BENCH_DUE_SIZES")
    sizes = [int(x) for x in chosen.split(",")] if chosen else cfg.pick([1000], [1000, 10_000], tiny=[20])
    rows: list[Row] = []
    for n in sizes:
        reps = cfg.pick(1, 3 if n <= 1000 else 2, tiny=1)
        window = cfg.pick(60, 60 if n <= 1000 else 180, tiny=30)
        heap_s = median([heap_pop_due(n) for _ in range(5)])
        call_at_s = median([call_at_lateness(n) for _ in range(5)])
        base = {"heap_pop_all_due_seconds": heap_s, "call_at_last_late_seconds": call_at_s}
        label = f"{n:,} schedules due the same minute"
        results, failure = [], None
        for _ in range(reps):
            try:
                # Room for the start-up before the slot: generous in quick mode (a loaded machine), else retried once if short.
                results.append(_one(cfg, n, lead=cfg.pick(5 + min(n, 1000) * 0.015, 5 + n * 0.002) + n * 0.002 * (n > 1000), window=window))
            except TimedOut as exc:
                failure = timed_out_row(NAME, label, "all recorded <= 100 ms / 1 s", exc.cap, f"heapq pops all due {ms(heap_s)}", base)
                break
            except ChildFailed as exc:
                failure = failed_row(NAME, label, "-", str(exc))
                break
        usable = [r for r in results if not r.get("overran")]
        if not usable:
            rows.append(failure or failed_row(NAME, label, "-", "start-up overran the slot twice"))
            continue
        rows += _rows(n, usable, base, failure)
    return rows


def _med(results: list[dict[str, Any]], *path: str) -> float | None:
    values = []
    for r in results:
        v: Any = r
        for p in path:
            v = v.get(p) if isinstance(v, dict) else None
        if isinstance(v, (int, float)):
            values.append(float(v))
    return median(values) if values else None


def _rows(n: int, results: list[dict[str, Any]], base: dict[str, float], failure: Row | None) -> list[Row]:
    label = f"{n:,} schedules due the same minute"
    rec = _med(results, "seen", "all_recorded")
    first_rec = _med(results, "seen", "first_recorded")
    first_start = _med(results, "first_started_stamp")
    first_done = _med(results, "first_finished_stamp")
    all_start = _med(results, "seen", "all_started")
    all_done = _med(results, "seen", "all_finished")
    timed_out = any(r.get("timed_out") for r in results)
    window = results[0].get("window", 0)
    last = results[-1]
    statuses = last.get("statuses", {})
    missed, doubled = statuses.get("missed", 0), last.get("doubled")
    start_s = _med(results, "start_seconds")
    status = "ok" if not timed_out else f"timed out after {window:g} s (burst window)"
    note = (f"{len(results)} repetition(s); start-up {ms(start_s)}; statuses {statuses}; "
            f"poll resolution 5 ms" + (f"; {failure.status} on a later repetition" if failure else ""))
    fig = {"repetitions": results}
    cut = f"not within {window:g} s" if timed_out else "not watched (quick run)"
    rows = [
        Row(NAME, f"{label}: all recorded",
            f"all recorded {ms(rec) if rec is not None else cut} after the slot (first {ms(first_rec)})",
            f"heapq pops all due {ms(base['heap_pop_all_due_seconds'])}",
            ratio(rec, base["heap_pop_all_due_seconds"]), "<= 100 ms" if n <= 1000 else "<= 1 s",
            status=status, figures=fig, baseline_figures=base, note=note),
        Row(NAME, f"{label}: runs started",
            f"first started {ms(first_start)} late (finished {ms(first_done)}), "
            f"all started {ms(all_start) if all_start is not None else cut}, "
            f"all finished {ms(all_done) if all_done is not None else cut}; {missed} missed, {doubled} doubled",
            f"asyncio call_at, last of {n:,} {ms(base['call_at_last_late_seconds'])} late",
            ratio(first_start, base["call_at_last_late_seconds"]), "first <= 10 ms late; 0 missed, 0 doubled",
            status=status, figures={}, baseline_figures=base),
    ]
    burst, idle = _med(results, "lag_burst", "p99"), _med(results, "lag_idle", "p99")
    rows.append(Row(NAME, f"{label}: event-loop lag",
                    f"p50 {ms(_med(results, 'lag_burst', 'p50'))}, p99 {ms(burst)}, max {ms(_med(results, 'lag_burst', 'max'))}",
                    f"same loop idle before the slot: p99 {ms(idle)}", ratio(burst, idle), "p99 <= 50 ms",
                    status=status, figures={}, baseline_figures={"idle_p99_seconds": idle}))
    return rows
