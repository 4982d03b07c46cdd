"""Row: start-up with N active schedules (build + start until it returns) against building a heap of N."""
from __future__ import annotations

import gc
import heapq
import importlib
import shutil
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from cronsim import CronSim

from bench.common import (
    ChildFailed,
    Config,
    Row,
    TimedOut,
    failed_row,
    fresh_dir,
    in_child,
    median,
    ms,
    ratio,
    timed_out_row,
    utc_now,
)
from bench.engine import build, seed_org, seed_schedules
from bench.probes import rss_bytes

NAME = "startup"
TARGET = "100,000: ready <= 3 s, <= 1 KB per schedule"


def spread_crons(n: int, now: datetime) -> list[str]:
    """n daily crons spread over 12 hours that start 3 hours from now: none comes due during the bench."""
    hours = [(now.hour + 3 + k) % 24 for k in range(12)]
    return [f"{i % 60} {hours[(i // 60) % 12]} * * *" for i in range(n)]


def seed_template(home: Path, n: int) -> float:
    """A store with n active schedules in `home`; returns the seconds the bulk insert took."""
    runtime = build(fresh_dir(home))
    seed_org(runtime.engine)
    now = utc_now()
    t0 = time.perf_counter()
    seed_schedules(runtime.engine, spread_crons(n, now), now)
    seconds = time.perf_counter() - t0
    runtime.engine.dispose()
    return seconds


async def measure(home: str) -> dict[str, Any]:
    """Seconds to Runtime.build and runtime.start() on the seeded store, and the memory it took."""
    # Imported before the memory baseline: code is not per-schedule.
    importlib.import_module("scheduler.runtime")

    gc.collect()
    rss0 = rss_bytes()
    t0 = time.perf_counter()
    runtime = build(Path(home))
    built = time.perf_counter() - t0
    await runtime.start()
    ready = time.perf_counter() - t0
    gc.collect()
    rss1 = rss_bytes()
    t1 = time.perf_counter()
    await runtime.stop(grace_seconds=0)
    return {"build_seconds": built, "ready_seconds": ready, "rss_delta_bytes": rss1 - rss0,
            "stop_seconds": time.perf_counter() - t1}


def heap_build(crons: list[str], now: datetime) -> float:
    """Seconds to compute each cron's next instant (cronsim) and heapify them: what a heap scheduler does at start."""
    t0 = time.perf_counter()
    heap = [(next(CronSim(c, now)), i) for i, c in enumerate(crons)]
    heapq.heapify(heap)
    return time.perf_counter() - t0


def run(cfg: Config) -> list[Row]:
    """One row per size; a size whose start-up passes the cap reports the cap."""
    sizes = cfg.pick([500, 1000], [10_000, 100_000], tiny=[10])
    rows = []
    # The same start-up on an empty store: its memory is the engine's, not the schedules'.
    empty = cfg.workdir / f"{NAME}-empty"
    seed_template(empty, 0)
    try:
        zero = in_child("startup:measure", {"home": str(empty)}, cfg.cap(60), cfg.workdir)
    except (TimedOut, ChildFailed):
        zero = {"rss_delta_bytes": 0, "ready_seconds": float("nan")}
    shutil.rmtree(empty, ignore_errors=True)
    for n in sizes:
        label = f"start-up with {n:,} active schedules"
        reps = cfg.pick(1, 3 if n <= 10_000 else 1, tiny=1)
        cap = cfg.cap(cfg.pick(60, 300))
        template = cfg.workdir / f"{NAME}-{n}-template"
        seed_s = seed_template(template, n)
        now = utc_now()
        crons = spread_crons(n, now)
        base_s = median([heap_build(crons, now) for _ in range(3)])
        base = {"heap_build_seconds": base_s, "seed_seconds": seed_s}
        results, failure = [], None
        for _ in range(reps):
            home = cfg.workdir / f"{NAME}-{n}"
            shutil.rmtree(home, ignore_errors=True)
            shutil.copytree(template, home)
            try:
                results.append(in_child("startup:measure", {"home": str(home)}, cap, cfg.workdir))
            except TimedOut as exc:
                failure = timed_out_row(NAME, label, TARGET, exc.cap, f"heapq build {ms(base_s)}", base)
                break
            except ChildFailed as exc:
                failure = failed_row(NAME, label, TARGET, str(exc))
                break
            finally:
                shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(template, ignore_errors=True)
        if failure is not None:
            failure.note = f"seeded by bulk insert in {ms(seed_s)}; {len(results)} repetition(s) finished before the cap"
            rows.append(failure)
            continue
        ready = median([r["ready_seconds"] for r in results])
        per = (median([r["rss_delta_bytes"] for r in results]) - zero["rss_delta_bytes"]) / n
        rows.append(Row(NAME, label, f"ready in {ms(ready)}, {per / 1024:.1f} KB per schedule", f"heapq build {ms(base_s)}",
                        ratio(ready, base_s), TARGET, figures={"repetitions": results, "bytes_per_schedule": per},
                        baseline_figures=base,
                        note=f"{len(results)} repetition(s); seeded by bulk insert in {ms(seed_s)}; "
                             f"memory beyond an empty store's start-up (which takes {ms(zero['ready_seconds'])}); "
                             f"build {ms(median([r['build_seconds'] for r in results]))} of it; "
                             f"stop {ms(median([r['stop_seconds'] for r in results]))}"))
    return rows
