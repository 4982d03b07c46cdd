"""`python -m bench [--quick] [--only NAME]`: run the rows, print one table, write var/bench/*.json."""
from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.common import REPO, Config, Row, failed_row

# Row name -> module; in the order of issue 6's table.
ROWS = {
    "step": "bench.step",
    "due_burst": "bench.due_burst",
    "startup": "bench.startup",
    "change": "bench.change",
    "execute_load": "bench.execute_load",
    "get_load": "bench.get_load",
    "concurrent_runs": "bench.concurrent_runs",
    "events": "bench.bench_events",  # issue 8: one inventory write fanned out to K playbooks
    "sequential": "bench.sequential",  # the published orchestrator figure: 40 sequential 10 ms tasks
}


def machine() -> dict[str, object]:
    """What the figures came from: CPU, cores, memory, load, Python, commit."""
    model = ""
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as cpuinfo:
        model = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "")
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip()
    except OSError:
        commit = ""
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {"cpu": model, "cores": os.cpu_count(), "memory_gb": round(mem / 2**30, 1), "platform": platform.platform(),
            "python": platform.python_version(), "commit": commit, "loadavg_start": os.getloadavg(),
            "wrk": shutil.which("wrk") is not None}


def fmt_ratio(value: float | None) -> str:
    """A ratio with as many digits as it needs."""
    if value is None:
        return "-"
    return f"{value:.2f}x" if value < 1 else f"{value:.1f}x" if value < 100 else f"{value:,.0f}x"


def table(rows: list[Row]) -> str:
    """The rows as one plain-text table."""
    head = ("row", "now", "baseline (same run)", "ratio", "target")
    lines = [(r.workload, r.now, r.baseline, fmt_ratio(r.ratio), r.target) for r in rows]
    widths = [min(max(len(x[i]) for x in [head, *lines]), 70) for i in range(len(head))]

    def fmt(cells: tuple[str, ...]) -> str:
        return " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=False))

    out = [fmt(head), "-+-".join("-" * w for w in widths), *map(fmt, lines)]
    notes = [f"  {r.workload}: {r.note}" for r in rows if r.note]
    return "\n".join(out + (["", "notes:", *notes] if notes else []))


def clean(value: object) -> object:
    """NaN (a figure that was not measured) as null, so the file is strict JSON."""
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    return value


def main(argv: list[str] | None = None) -> int:
    """Run the chosen rows and report them."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes and few repetitions (a few minutes)")
    parser.add_argument("--only", action="append", choices=sorted(ROWS), help="run only this row (repeatable)")
    parser.add_argument("--cap-scale", type=float, default=1.0, help="multiply every row's time cap")
    parser.add_argument("--out", type=Path, default=REPO / "var" / "bench", help="folder for the JSON results")
    args = parser.parse_args(argv)
    cfg = Config(quick=args.quick, workdir=args.out / "work", cap_scale=args.cap_scale)
    info = machine()
    started = time.monotonic()
    rows: list[Row] = []
    # In the table's order, whatever the order of --only.
    for name in [n for n in ROWS if not args.only or n in args.only]:
        t0 = time.monotonic()
        print(f"[bench] {name} ...", file=sys.stderr, flush=True)
        try:
            rows += importlib.import_module(ROWS[name]).run(cfg)
        except Exception as exc:  # noqa: BLE001 - one broken row must not hide the others' figures
            rows.append(failed_row(name, name, "-", f"{exc.__class__.__name__}: {exc}"))
        print(f"[bench] {name} done in {time.monotonic() - t0:.1f} s", file=sys.stderr, flush=True)
    shutil.rmtree(cfg.workdir, ignore_errors=True)
    info["loadavg_end"] = os.getloadavg()
    info["seconds"] = round(time.monotonic() - started, 1)
    print(table(rows))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    args.out.mkdir(parents=True, exist_ok=True)
    payload = {"when": stamp, "mode": "quick" if args.quick else "full", "machine": info, "rows": [r.as_json() for r in rows]}
    for path in (args.out / f"results-{stamp}.json", args.out / "latest.json"):
        path.write_text(json.dumps(clean(payload), indent=2, default=str, allow_nan=False))
    print(f"\nresults: {args.out / f'results-{stamp}.json'} ({info['seconds']} s, load {info['loadavg_start']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
