"""Row: 200 two-step runs started at once (latency, completion order) against one run alone."""
from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from bench.common import (
    NOTIFY,
    ORG,
    ChildFailed,
    Config,
    Row,
    TimedOut,
    failed_row,
    fresh_dir,
    in_child,
    median,
    ms,
    percentile,
    ratio,
    timed_out_row,
    utc_now,
)
from bench.engine import build, open_run, seed_org, wait_finished
from bench.probes import LoopLag

NAME = "concurrent_runs"
TARGET = "p50 <= 2x one run alone; FIFO completion"


def kendall_tau(order: list[int]) -> float:
    """Rank agreement of a completion order with 0..n-1 (1: first in, first out; 0: no relation; -1: reversed)."""
    n = len(order)
    if n < 2:
        return 1.0
    concordant = sum(1 for i in range(n) for j in range(i + 1, n) if order[i] < order[j])
    pairs = n * (n - 1) // 2
    return (2 * concordant - pairs) / pairs


async def measure(home: str, runs: int, alone: int, timeout: float) -> dict[str, Any]:
    """One run alone, `alone` times; then `runs` runs recorded first and dispatched together."""
    runtime = build(Path(home))
    seed_org(runtime.engine)
    spec = {"name": "bench two steps", "agent": "pops", "category": "operations", "triggers": [{"type": "manual"}],
            "steps": [dict(NOTIFY), dict(NOTIFY)]}
    playbook = runtime.playbooks.create(ORG, spec)
    await runtime.start()
    try:
        single = []
        for _ in range(alone + 1):
            run_id = open_run(runtime, playbook, f"alone:{uuid.uuid4().hex}")
            t0 = utc_now()
            runtime.dispatcher.dispatch(run_id)
            row = (await wait_finished(runtime, [run_id], timeout))[run_id]
            single.append(((row.completed_at - t0).total_seconds(), (row.completed_at - row.started_at).total_seconds()))
        single = single[1:]  # the first run warms caches
        ids = [open_run(runtime, playbook, f"burst:{i}:{uuid.uuid4().hex}") for i in range(runs)]
        lag = LoopLag()
        lag.start()
        t0 = utc_now()
        for run_id in ids:
            runtime.dispatcher.dispatch(run_id)
        rows = await wait_finished(runtime, ids, timeout)
        lag.stop()
        # The same number of runs handed over one at a time, each after the last has ended: a serial queue.
        serial, t0s = [], utc_now()
        for i in range(runs):
            run_id = open_run(runtime, playbook, f"serial:{i}:{uuid.uuid4().hex}")
            runtime.dispatcher.dispatch(run_id)
            serial.append(((await wait_finished(runtime, [run_id], timeout))[run_id].completed_at - t0s).total_seconds())
    finally:
        await runtime.stop(grace_seconds=2)
    latencies = [(rows[i].completed_at - t0).total_seconds() for i in ids]
    # A run's own time, from its claim to its end: what it takes once its turn has come (the queue wait excluded).
    own = [(rows[i].completed_at - rows[i].started_at).total_seconds() for i in ids]
    order = sorted(range(runs), key=lambda k: rows[ids[k]].completed_at)
    return {"alone": [a for a, _ in single], "alone_own": [o for _, o in single], "latencies": latencies, "own": own, "serial": serial,
            "order": order,
            "statuses": sorted({r.status for r in rows.values()}), "lag": lag.stats()}


def run(cfg: Config) -> list[Row]:
    """The row: p50/p99 latency of runs started together, their completion order, beside one run alone."""
    runs = cfg.pick(200, 200, tiny=5)
    alone = cfg.pick(5, 20, tiny=2)
    label = f"{runs} two-step runs at once"
    home = fresh_dir(cfg.workdir / NAME)
    try:
        result = in_child("concurrent_runs:measure", {"home": str(home), "runs": runs, "alone": alone, "timeout": 240},
                          cfg.cap(300), cfg.workdir)
    except TimedOut as exc:
        return [timed_out_row(NAME, label, TARGET, exc.cap, "-", {})]
    except ChildFailed as exc:
        return [failed_row(NAME, label, TARGET, str(exc))]
    single = median(result["alone"])
    lat = result["latencies"]
    p50, p99 = percentile(lat, 50), percentile(lat, 99)
    tau = kendall_tau(result["order"])
    fig = {"p50_seconds": p50, "p99_seconds": p99, "max_seconds": max(lat), "kendall_tau": tau,
           "statuses": result["statuses"], "loop_lag": result["lag"]}
    own, single_own = result["own"], median(result["alone_own"])
    serial50 = percentile(result["serial"], 50)
    own50, own99 = percentile(own, 50), percentile(own, 99)
    throughput = len(lat) / max(lat)
    return [Row(NAME, label, f"p50 {ms(p50)}, p99 {ms(p99)}; completion order vs start order: Kendall tau {tau:.2f}",
                f"one run alone {ms(single)}", ratio(p50, single), TARGET, figures=fig,
                baseline_figures={"alone_seconds": single, "alone_samples": result["alone"], "serial_p50_seconds": serial50},
                note=f"from the dispatch of all {runs}; the same {runs} one at a time (a serial queue): p50 {ms(serial50)}, "
                     f"ratio {p50 / serial50:.2f}x; tau 1.00 = first in, first out; statuses {result['statuses']}; "
                     f"all done in {ms(max(lat))} ({throughput:.0f} runs/s); "
                     f"loop lag p99 {ms(result['lag']['p99'])}, max {ms(result['lag']['max'])}"),
            Row(NAME, f"{label}: each run's own time", f"started -> completed p50 {ms(own50)}, p99 {ms(own99)}",
                f"one run alone, started -> completed {ms(single_own)}", ratio(own50, single_own), TARGET,
                figures={"p50_seconds": own50, "p99_seconds": own99},
                baseline_figures={"alone_own_seconds": single_own, "alone_own_samples": result["alone_own"]},
                note="a run's time once its turn came (its claim to its end), the wait for a free slot excluded")]
