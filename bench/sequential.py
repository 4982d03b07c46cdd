"""Row: one run of 40 sequential 10 ms steps (fetch_url of a loopback page that answers after 10 ms).

The like-for-like figure for the published orchestrator benchmark (Hatchet 1.22 s, Temporal 2.97 s
for 40 sequential 10 ms tasks on 2 vCPUs); its baseline is the same 40 fetches in a plain loop.
"""
from __future__ import annotations

import asyncio
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from bench.common import (
    ORG,
    Config,
    NoFigures,
    Row,
    child_figures,
    free_port,
    fresh_dir,
    median,
    ms,
    ratio,
)
from bench.engine import open_run, seed_org, settings_for, wait_finished

NAME = "sequential"
STEPS = 40
DELAY = 0.010
WORKLOAD = f"one run of {STEPS} sequential 10 ms steps"
TARGET = "published: Hatchet 1.22 s, Temporal 2.97 s (40 sequential 10 ms tasks, 2 vCPUs)"
PAGE = b"<html><head><title>slow page</title></head><body><p>answered after 10 ms</p></body></html>"


class SlowPage:
    """An HTTP server on loopback, in a thread of its own, answering every GET after DELAY seconds."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/page"
        self._ready = threading.Event()
        self._thread = threading.Thread(target=asyncio.run, args=(self._serve(),), daemon=True)

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        await asyncio.sleep(DELAY)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nConnection: close\r\n"
                     b"Content-Length: %d\r\n\r\n%s" % (len(PAGE), PAGE))
        await writer.drain()
        writer.close()

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        server = await asyncio.start_server(self._answer, "127.0.0.1", self.port)
        self._loop = asyncio.get_running_loop()
        self._ready.set()
        async with server:
            await self._stop.wait()

    def __enter__(self) -> SlowPage:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)


async def measure(home: str, reps: int) -> dict[str, Any]:
    """`reps` runs of the 40-step playbook after one warm-up, then `reps` loops of the same 40 fetches."""
    from scheduler.integrations.http import fetch
    from scheduler.runtime import Runtime

    settings = settings_for(Path(home), PLAYBOOKS_ALLOW_LOOPBACK_FETCH=True)
    with SlowPage() as page:
        runtime = Runtime.build(settings)
        seed_org(runtime.engine)
        spec = {"name": "bench forty steps", "agent": "ezal", "category": "intelligence", "triggers": [{"type": "manual"}],
                "steps": [{"action": "fetch_url", "params": {"url": page.url}} for _ in range(STEPS)]}
        playbook = runtime.playbooks.create(ORG, spec)
        await runtime.start()
        ours, statuses = [], set()
        try:
            for rep in range(reps + 1):
                run_id = open_run(runtime, playbook, f"seq:{uuid.uuid4().hex}")
                t0 = time.perf_counter()
                runtime.dispatcher.dispatch(run_id)
                row = (await wait_finished(runtime, [run_id], timeout=60))[run_id]
                statuses.add(row.status)
                if rep:  # the first run warms the caches
                    ours.append(time.perf_counter() - t0)
        finally:
            await runtime.stop(grace_seconds=2)
        floor = []
        for _ in range(reps):
            t0 = time.perf_counter()
            for _ in range(STEPS):
                await fetch(page.url, settings)
            floor.append(time.perf_counter() - t0)
    return {"ours": ours, "floor": floor, "statuses": sorted(statuses)}


def run(cfg: Config) -> list[Row]:
    """The row: the 40-step run's time beside the 40 fetches alone, and the engine's cost per step."""
    reps = cfg.pick(3, 10, tiny=1)
    home = fresh_dir(cfg.workdir / NAME)
    try:
        result = child_figures(cfg, (NAME, WORKLOAD, TARGET), "sequential:measure", {"home": str(home), "reps": reps}, cap=120)
    except NoFigures as no:
        return [no.row]
    ours, floor = median(result["ours"]), median(result["floor"])
    per_step = (ours - floor) / STEPS
    return [Row(NAME, WORKLOAD, f"{ms(ours)} ({ms(per_step)} per step beyond the fetch)",
                f"the same {STEPS} fetches in a loop: {ms(floor)}", ratio(ours, floor), TARGET,
                figures={"seconds": ours, "samples": result["ours"], "per_step_seconds": per_step},
                baseline_figures={"seconds": floor, "samples": result["floor"]},
                note=f"{reps} run(s), median; every step durable (one commit each); statuses {result['statuses']}")]
