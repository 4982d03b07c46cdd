"""Load on a loopback URL: wrk when installed, else httpx.AsyncClient; bounded in time and count."""
from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx

from bench.common import percentile

UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


def load(url: str, method: str, headers: dict[str, str], body: dict[str, Any] | None, connections: int,
         seconds: float, max_requests: int, workdir: Path) -> dict[str, Any]:
    """Requests per second, latency p50/p99 (seconds), errors; only loopback URLs are accepted."""
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError("load goes to 127.0.0.1 only")
    if shutil.which("wrk"):
        return wrk(url, method, headers, body, connections, seconds, workdir)
    return asyncio.run(httpx_load(url, method, headers, body, connections, seconds, max_requests))


def wrk(url: str, method: str, headers: dict[str, str], body: dict[str, Any] | None, connections: int,
        seconds: float, workdir: Path) -> dict[str, Any]:
    """Run wrk for `seconds` with `connections` open connections (2 threads) and parse its report."""
    lines = [f'wrk.method = "{method}"']
    if body is not None:
        lines += [f"wrk.body = {json.dumps(json.dumps(body))}", 'wrk.headers["Content-Type"] = "application/json"']
    lines += [f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items()]
    script = workdir / "wrk.lua"
    script.write_text("\n".join(lines) + "\n")
    args = ["wrk", "-t2", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s", "--latency",
            "-s", str(script), url]
    out = subprocess.run(args, capture_output=True, text=True, timeout=seconds + 60).stdout
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {"tool": "wrk", "requests": requests, "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50": _wrk_latency(out, "50%"), "p99": _wrk_latency(out, "99%"),
            "errors": (int(non2xx.group(1)) if non2xx else 0) + (sum(map(int, socket.groups())) if socket else 0)}


def _wrk_latency(out: str, label: str) -> float:
    m = re.search(rf"^\s+{re.escape(label)}\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)
    return float(m.group(1)) * UNITS[m.group(2)] if m else float("nan")


async def httpx_load(url: str, method: str, headers: dict[str, str], body: dict[str, Any] | None, connections: int,
                     seconds: float, max_requests: int) -> dict[str, Any]:
    """`connections` workers over one pooled client until the time or the request budget runs out."""
    latencies: list[float] = []
    errors = 0
    budget = max_requests
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(limits=limits, timeout=10) as client:
        async def worker() -> None:
            nonlocal budget, errors
            while budget > 0 and time.monotonic() < deadline:
                budget -= 1
                t0 = time.perf_counter()
                try:
                    r = await client.request(method, url, headers=headers, json=body)
                    ok = r.status_code < 400
                except httpx.HTTPError:
                    ok = False
                latencies.append(time.perf_counter() - t0)
                errors += not ok

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - t0
    return {"tool": "httpx", "requests": len(latencies), "rps": len(latencies) / elapsed,
            "p50": percentile(latencies, 50), "p99": percentile(latencies, 99), "errors": errors}
