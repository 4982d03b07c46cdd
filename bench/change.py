"""Row: change one schedule with N loaded (PlaybookService.update) against one heap push."""
from __future__ import annotations

import asyncio
import heapq
import random
import shutil
import time
from pathlib import Path
from typing import Any

from cronsim import CronSim

from bench.common import (
    ORG,
    ChildFailed,
    Config,
    Row,
    TimedOut,
    failed_row,
    in_child,
    ms,
    percentile,
    ratio,
    timed_out_row,
    utc_now,
)
from bench.engine import build
from bench.startup import seed_template, spread_crons

NAME = "change"
TARGET = "p99 <= 2 ms"
WARM_UP = 3  # changes made and not timed first, as the step row does: the first compiles the statements


async def measure(home: str, changes: int) -> dict[str, Any]:
    """Start the engine on the seeded store, then time `changes` schedule changes of random playbooks."""
    from sqlmodel import Session, select

    from scheduler.store.tables import Playbook

    runtime = build(Path(home))
    t0 = time.perf_counter()
    await runtime.start()
    ready = time.perf_counter() - t0
    with Session(runtime.engine) as session:
        ids = list(session.exec(select(Playbook.id)).all())
    rng = random.Random(6)
    picks = [rng.choice(ids) for _ in range(changes)]

    def change_all() -> list[float]:
        # In a worker thread, as the API's PATCH route runs; each change timed on its own.
        out = []
        for i, playbook_id in enumerate(picks[:WARM_UP] + picks):
            trigger = {"type": "schedule", "cron": f"{i % 60} {(utc_now().hour + 3) % 24} * * *", "timezone": "UTC"}
            t = time.perf_counter()
            runtime.playbooks.update(ORG, playbook_id, {"triggers": [trigger]})
            out.append(time.perf_counter() - t)
        return out[WARM_UP:]

    seconds = await asyncio.to_thread(change_all)
    await runtime.stop(grace_seconds=0)
    return {"ready_seconds": ready, "seconds": seconds}


def heap_pushes(crons: list[str], changes: int) -> list[float]:
    """Seconds per change in a heap scheduler: compute the new next instant (cronsim) and push it."""
    now = utc_now()
    heap = [(next(CronSim(c, now)), i) for i, c in enumerate(crons)]
    heapq.heapify(heap)
    out = []
    for i in range(changes):
        t = time.perf_counter()
        heapq.heappush(heap, (next(CronSim(f"{i % 60} {(now.hour + 3) % 24} * * *", now)), len(crons) + i))
        out.append(time.perf_counter() - t)
    return out


def run(cfg: Config) -> list[Row]:
    """One row per size: p50 and p99 of a change, beside p50 and p99 of a heap push."""
    sizes = cfg.pick([1000], [10_000, 100_000], tiny=[10])
    changes = cfg.pick(30, 200, tiny=3)
    rows = []
    for n in sizes:
        label = f"change one schedule with {n:,} loaded"
        template = cfg.workdir / f"{NAME}-{n}"
        seed_template(template, n)
        base = heap_pushes(spread_crons(n, utc_now()), changes)
        base_fig = {"p50_seconds": percentile(base, 50), "p99_seconds": percentile(base, 99)}
        base_text = f"heap push p50 {ms(base_fig['p50_seconds'])}, p99 {ms(base_fig['p99_seconds'])}"
        try:
            # The start-up comes first: the cap covers it (today's engine needs minutes at 100,000).
            result = in_child("change:measure", {"home": str(template), "changes": changes},
                              cfg.cap(cfg.pick(90, 360)), cfg.workdir)
        except TimedOut as exc:
            rows.append(timed_out_row(NAME, label, TARGET, exc.cap, base_text, base_fig))
            continue
        except ChildFailed as exc:
            rows.append(failed_row(NAME, label, TARGET, str(exc)))
            continue
        finally:
            shutil.rmtree(template, ignore_errors=True)
        p50, p99 = percentile(result["seconds"], 50), percentile(result["seconds"], 99)
        rows.append(Row(NAME, label, f"p50 {ms(p50)}, p99 {ms(p99)}", base_text, ratio(p99, base_fig["p99_seconds"]),
                        TARGET, figures={"p50_seconds": p50, "p99_seconds": p99, "changes": changes,
                                         "ready_seconds": result["ready_seconds"]},
                        baseline_figures=base_fig,
                        note=f"{changes} changes of random playbooks, each timed (ratio of p99s); "
                             f"start-up before them {ms(result['ready_seconds'])}"))
    return rows
