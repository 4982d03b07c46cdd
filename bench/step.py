"""Row: one executor step (notify on SQLite) against one raw sqlite3 commit with the same pragmas."""
from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from bench.common import (
    NOTIFY,
    ORG,
    Config,
    NoFigures,
    Row,
    child_figures,
    fresh_dir,
    median,
    ms,
    ratio,
)
from bench.engine import build, open_run, seed_org, wait_finished
from bench.probes import CountingPool, StoreCounter

NAME = "step"
WORKLOAD = "one executor step (notify, SQLite)"
TARGET = "<= 1.5x one raw commit; <= 100 us over the commit"
LONG = 5  # steps of the long run: (long - short) / (LONG - 1) is what one more step costs


def playbook_spec(steps: int, name: str) -> dict[str, Any]:
    """A manual playbook of `steps` notify steps."""
    return {"name": name, "agent": "pops", "category": "operations", "triggers": [{"type": "manual"}],
            "steps": [dict(NOTIFY) for _ in range(steps)]}


async def measure(home: str, reps: int, warmup: int = 3) -> dict[str, Any]:
    """Runs of one and of LONG notify steps, timed and counted; and raw commits, in this process."""
    loop = asyncio.get_running_loop()
    loop.set_default_executor(CountingPool(max_workers=min(32, (os.cpu_count() or 1) + 4)))
    runtime = build(Path(home))
    seed_org(runtime.engine)
    short = runtime.playbooks.create(ORG, playbook_spec(1, "bench one step"))
    long = runtime.playbooks.create(ORG, playbook_spec(LONG, "bench five steps"))
    counter = StoreCounter(runtime.engine)
    counter.loop_thread = threading.get_ident()
    await runtime.start()
    samples: dict[str, list[tuple[float, int, int, int, int]]] = {"short": [], "long": []}
    statuses: set[str] = set()
    try:
        for rep in range(warmup + reps):
            for label, playbook in (("short", short), ("long", long)):
                run_id = open_run(runtime, playbook, f"bench:{uuid.uuid4().hex}")
                c0, s0, l0 = counter.snapshot()
                h0 = CountingPool.hops + runtime.executor.lane.calls
                t0 = time.perf_counter()
                runtime.dispatcher.dispatch(run_id)
                rows = await wait_finished(runtime, [run_id], timeout=60)
                elapsed = time.perf_counter() - t0
                c1, s1, l1 = counter.snapshot()
                hops = CountingPool.hops + runtime.executor.lane.calls - h0
                statuses.add(rows[run_id].status)
                if rep >= warmup:
                    # The final read of the row is one statement and one hop: not the executor's.
                    samples[label].append((elapsed, c1 - c0, s1 - s0 - 1, hops - 1, l1 - l0))
    finally:
        await runtime.stop()
    return {"samples": samples, "statuses": sorted(statuses), "raw": raw_commits(Path(home) / "raw.db", reps * 10)}


def raw_commits(path: Path, count: int) -> list[float]:
    """Seconds per raw sqlite3 insert + commit, with the pragmas the engine sets (WAL, busy timeout, foreign keys)."""
    conn = sqlite3.connect(path, timeout=30, check_same_thread=False)
    for pragma in ("PRAGMA journal_mode=WAL", "PRAGMA busy_timeout=30000", "PRAGMA foreign_keys=ON"):
        conn.execute(pragma)
    conn.execute("CREATE TABLE IF NOT EXISTS notifications (id TEXT PRIMARY KEY, org_id TEXT, title TEXT,"
                 " body TEXT, execution_id TEXT, created_at TEXT)")
    conn.commit()
    out = []
    for _ in range(count + 5):
        t0 = time.perf_counter()
        conn.execute("INSERT INTO notifications VALUES (?, ?, ?, ?, ?, ?)",
                     (uuid.uuid4().hex, ORG, "bench", "bench run", "ex", time.time()))
        conn.commit()
        out.append(time.perf_counter() - t0)
    conn.close()
    return out[5:]


def summarise(result: dict[str, Any]) -> dict[str, Any]:
    """Medians of the short and long runs, the marginal step, and the raw commit."""
    def med(label: str, i: int) -> float:
        return median([s[i] for s in result["samples"][label]])

    per = {k: (med("long", i) - med("short", i)) / (LONG - 1) for i, k in
           enumerate(("seconds", "commits", "statements", "thread_hops", "statements_on_loop"))}
    run1 = {k: med("short", i) for i, k in
            enumerate(("seconds", "commits", "statements", "thread_hops", "statements_on_loop"))}
    return {"step": per, "one_step_run": run1, "raw_commit_seconds": median(result["raw"]),
            "repetitions": len(result["samples"]["short"]), "statuses": result["statuses"]}


def run(cfg: Config) -> list[Row]:
    """The row: medians over repetitions of the marginal step, beside a raw commit."""
    reps = cfg.pick(20, 100, tiny=2)
    home = fresh_dir(cfg.workdir / NAME)
    try:
        result = child_figures(cfg, (NAME, WORKLOAD, TARGET), "step:measure", {"home": str(home), "reps": reps}, cap=120)
    except NoFigures as no:
        return [no.row]
    fig = summarise(result)
    step, run1, raw = fig["step"], fig["one_step_run"], fig["raw_commit_seconds"]
    now = (f"{ms(step['seconds'])}/step, {step['commits']:.0f} commits, {step['statements']:.0f} statements, "
           f"{step['thread_hops']:.0f} thread hops, {step['statements_on_loop']:.0f} on the loop "
           f"(whole 1-step run {ms(run1['seconds'])}, {run1['commits']:.0f} commits)")
    note = f"overhead beyond one commit: {ms(step['seconds'] - raw)}; run statuses {fig['statuses']}"
    return [Row(NAME, WORKLOAD, now, f"raw sqlite3 commit {ms(raw)}", ratio(step["seconds"], raw), TARGET,
                figures=fig, baseline_figures={"raw_commit_seconds": raw}, note=note)]
