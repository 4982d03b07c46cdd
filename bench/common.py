"""Shared by every row: configuration, statistics, rows, child processes with a time cap."""
from __future__ import annotations

import json
import math
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
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
    rank = max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))
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


class NoFigures(Exception):
    """A row's child timed out or failed: `row` says which, in the table."""

    def __init__(self, row: Row) -> None:
        super().__init__(row.status)
        self.row = row


def child_figures(cfg: Config, row: tuple[str, str, str], func: str, kwargs: dict[str, Any], cap: float) -> dict[str, Any]:
    """`in_child` for a row (name, workload, target) with no baseline of its own: NoFigures carries the row to show."""
    name, workload, target = row
    try:
        return in_child(func, kwargs, cfg.cap(cap), cfg.workdir)
    except TimedOut as exc:
        raise NoFigures(timed_out_row(name, workload, target, exc.cap, "-", {})) from None
    except ChildFailed as exc:
        raise NoFigures(failed_row(name, workload, target, str(exc))) from None


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


def utc_now() -> datetime:
    """Aware UTC now (real time)."""
    return datetime.now(UTC)


def ceil_minute(t: datetime) -> datetime:
    """The next whole minute at or after t."""
    floor = t.replace(second=0, microsecond=0)
    return floor if floor == t else floor + timedelta(minutes=1)
