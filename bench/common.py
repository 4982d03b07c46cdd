"""Shared by every row: configuration, statistics, rows, child processes with a time cap, seeding."""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
ORG = "bench"
EMAIL = "owner@bench.example"
NOTIFY = {"action": "notify", "params": {"title": "bench", "message": "bench run"}}


@dataclass
class Config:
    """What a bench run was asked for: quick or full, a working folder, and how much to cap."""

    quick: bool = True
    workdir: Path = REPO / "var" / "bench" / "work"
    # Multiplies every row's time cap (a slower machine may need more).
    cap_scale: float = 1.0
    # Tiny sizes for the smoke test: checks the plumbing, measures nothing worth reading.
    tiny: bool = False

    def pick(self, quick: Any, full: Any, tiny: Any = None) -> Any:
        """The value for this mode: tiny (smoke test), quick or full."""
        if self.tiny and tiny is not None:
            return tiny
        return quick if self.quick else full

    def cap(self, seconds: float) -> float:
        """A row's time cap, scaled."""
        return seconds * self.cap_scale


@dataclass
class Row:
    """One line of the table: the workload's figures, its baseline's, and their ratio."""

    name: str
    workload: str
    now: str
    baseline: str
    ratio: float | None
    target: str
    status: str = "ok"
    figures: dict[str, Any] = field(default_factory=dict)
    baseline_figures: dict[str, Any] = field(default_factory=dict)
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        """The row for the JSON results file."""
        return asdict(self)


class TimedOut(Exception):
    """A workload ran past its cap and was killed."""

    def __init__(self, cap: float) -> None:
        super().__init__(f"timed out after {cap:g} s")
        self.cap = cap


class ChildFailed(Exception):
    """A workload's child process exited with an error."""


# --- statistics -----------------------------------------------------------------------------

def median(values: list[float]) -> float:
    """The median (NaN for no values)."""
    return statistics.median(values) if values else float("nan")


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile by nearest rank (p in 0..100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[rank]


def ratio(value: float | None, base: float | None) -> float | None:
    """value / base, or None when either is missing or the base is zero."""
    if value is None or base in (None, 0) or value != value or base != base:
        return None
    return value / base


def ms(seconds: float | None) -> str:
    """Seconds as a short human figure (us, ms or s)."""
    if seconds is None or seconds != seconds:
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} us"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def timed_out_row(name: str, workload: str, target: str, cap: float, baseline: str, baseline_figures: dict[str, Any]) -> Row:
    """The row of a workload that was killed at its cap (its baseline still ran)."""
    return Row(name, workload, f"timed out after {cap:g} s", baseline, None, target,
               status=f"timed out after {cap:g} s", baseline_figures=baseline_figures)


def failed_row(name: str, workload: str, target: str, error: str) -> Row:
    """The row of a workload whose child failed."""
    return Row(name, workload, "error", "-", None, target, status=f"error: {error}")


# --- child processes --------------------------------------------------------------------------

def in_child(func: str, kwargs: dict[str, Any], cap: float, workdir: Path) -> dict[str, Any]:
    """Run `bench.<module>:<function>(**kwargs)` in a fresh process; kill it at `cap` seconds.

    A fresh process per measurement: clean memory figures, no threads left over from
    another row, and a start-up that blocks the event loop can still be stopped.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    out = workdir / f"result-{os.getpid()}-{time.monotonic_ns()}.json"
    log = workdir / "child.log"
    args = [sys.executable, "-m", "bench.child", func, json.dumps(kwargs, default=str), str(out)]
    with open(log, "ab") as err:
        proc = subprocess.Popen(args, cwd=REPO, stdout=err, stderr=err, start_new_session=True)
        try:
            code = proc.wait(timeout=cap)
        except subprocess.TimeoutExpired:
            # Our own child's group, by its id: its uvicorn or loadgen children go with it.
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise TimedOut(cap) from None
    if code != 0 or not out.exists():
        tail = log.read_text(errors="replace").strip().splitlines()[-6:]
        raise ChildFailed(f"{func} exited {code}: " + " | ".join(tail))
    result = json.loads(out.read_text())
    out.unlink()
    return result


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fresh_dir(path: Path) -> Path:
    """An empty folder at `path` (removed first if it exists)."""
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


# --- the engine, through its public surface ---------------------------------------------------

def settings_for(home: Path, **extra: Any):
    """Engine settings on a SQLite file in `home` (the default store of `playbooks serve`)."""
    from scheduler.settings import Settings

    return Settings(PLAYBOOKS_HOME=home, **extra)


def seed_org(engine) -> str:
    """The bench organisation and its owner, straight into the store tables; returns the user id."""
    from sqlmodel import Session

    from scheduler.store.tables import Organization, User

    with Session(engine) as session:
        session.add(Organization(id=ORG, name="Bench", timezone="UTC"))
        user = User(org_id=ORG, email=EMAIL, name="Bench Owner")
        session.add(user)
        session.commit()
        return user.id


def seed_schedules(engine, crons: list[str], updated_at: datetime, chunk: int = 5000) -> None:
    """Active playbooks with one schedule trigger each (one per cron), bulk-inserted into the store.

    Creating 100,000 playbooks through PlaybookService takes far longer than the start-up
    being measured, so rows go straight in with SQLAlchemy bulk inserts, shaped as the
    service stores them. If schedules get a table of their own, seed it here too.
    """
    from sqlalchemy import insert

    from scheduler.store.tables import Playbook, new_id

    table = Playbook.__table__
    with engine.begin() as conn:
        for start in range(0, len(crons), chunk):
            rows = [
                {"id": new_id("pb"), "org_id": ORG, "name": f"bench schedule {i}", "agent": "pops",
                 "category": "operations", "status": "active",
                 "triggers": [{"type": "schedule", "cron": cron, "timezone": "UTC"}],
                 "steps": [NOTIFY], "version": 1, "created_by": None,
                 "created_at": updated_at, "updated_at": updated_at, "deleted_at": None}
                for i, cron in enumerate(crons[start:start + chunk], start)
            ]
            conn.execute(insert(table), rows)


def build(home: Path, clock=None, demo: bool = False):
    """Runtime.build on a SQLite file in `home`, with the given clock."""
    from scheduler.domain.clock import SYSTEM_CLOCK
    from scheduler.runtime import Runtime

    return Runtime.build(settings_for(home), clock=clock or SYSTEM_CLOCK, demo=demo)


def start_run(runtime, playbook, key: str) -> str:
    """Open a manual run of a playbook and hand it to the dispatcher (as POST execute does)."""
    from scheduler.runs.ledger import open_execution

    opened = open_execution(runtime.engine, playbook, triggered_by="manual", dedupe_key=key)
    runtime.dispatcher.dispatch(opened.execution.id)
    return opened.execution.id


def open_run(runtime, playbook, key: str) -> str:
    """Record a manual run without starting it."""
    from scheduler.runs.ledger import open_execution

    return open_execution(runtime.engine, playbook, triggered_by="manual", dedupe_key=key).execution.id


async def wait_finished(runtime, ids: list[str], timeout: float, poll: bool = False) -> dict[str, Any]:
    """Wait until every run is done (completed, failed...); their rows, by id.

    The dispatcher's drain is used when it has one (no polling to disturb the counts).
    """
    from sqlmodel import Session, select

    from scheduler.store.tables import Execution

    deadline = time.monotonic() + timeout
    wanted = set(ids)

    def read() -> dict[str, Any]:
        with Session(runtime.engine) as session:
            rows = session.exec(select(Execution).where(Execution.id.in_(wanted))).all()
            return {r.id: r for r in rows}

    drain = getattr(runtime.dispatcher, "drain", None)
    if drain is not None and not poll:
        await asyncio.wait_for(drain(), timeout)
    while True:
        rows = await asyncio.to_thread(read)
        if len(rows) == len(wanted) and all(r.status not in ("queued", "running") for r in rows.values()):
            return rows
        if time.monotonic() > deadline:
            raise TimeoutError(f"runs not finished after {timeout:g} s")
        await asyncio.sleep(0.002)


# --- measuring ------------------------------------------------------------------------------------

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
        CountingPool.hops += 1
        return super().submit(*args, **kwargs)


def utc_now() -> datetime:
    """Aware UTC now (real time)."""
    return datetime.now(timezone.utc)


def ceil_minute(t: datetime) -> datetime:
    """The next whole minute at or after t."""
    floor = t.replace(second=0, microsecond=0)
    return floor if floor == t else floor + timedelta(minutes=1)


def rss_bytes() -> int:
    """Resident memory of this process now."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
