"""A server in its own process (ours or the baseline, under uvicorn on loopback), sampling its loop lag."""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from bench.common import REPO, free_port, percentile
from bench.probes import LoopLag


async def serve(app_name: str, home: Path, port: int, lag_out: Path) -> None:
    """Serve until SIGUSR1 (or SIGTERM), then write the loop-lag samples."""
    import uvicorn

    from bench.engine import settings_for

    if app_name == "playbooks":
        from api.app import create_app

        app = create_app(settings_for(home), demo=True, freeze_after_start=True)  # as `playbooks serve`
    else:
        from bench.baseline_app import create_baseline

        app = create_baseline(home / "baseline.db")
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    # SIGUSR1 asks for a graceful stop; uvicorn re-raises SIGTERM after its own, which would lose the samples.
    signal.signal(signal.SIGUSR1, lambda *_: setattr(server, "should_exit", True))
    lag = LoopLag()
    lag.start()
    await server.serve()
    lag.stop()
    lag_out.write_text(json.dumps(lag.samples))


class Server:
    """`with Server("playbooks", home) as s:` -> s.url; afterwards s.lag(since, until)."""

    def __init__(self, app_name: str, home: Path, ready_path: str = "/healthz", ready_timeout: float = 60) -> None:
        self.app_name, self.home, self.ready_path, self.ready_timeout = app_name, home, ready_path, ready_timeout
        self.port = free_port()
        self.lag_file = home / f"lag-{app_name}.json"
        self.samples: list[tuple[float, float]] = []

    @property
    def url(self) -> str:
        """The server's base URL on loopback."""
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        args = [sys.executable, "-m", "bench.serve", self.app_name, str(self.home), str(self.port), str(self.lag_file)]
        self.log = open(self.home / f"server-{self.app_name}.log", "ab")
        self.proc = subprocess.Popen(args, cwd=REPO, stdout=self.log, stderr=self.log, start_new_session=True)
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.app_name} server exited {self.proc.returncode}; see {self.log.name}")
            try:
                if httpx.get(self.url + self.ready_path, timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        self.__exit__()
        raise RuntimeError(f"{self.app_name} server not ready in {self.ready_timeout:g} s")

    def __exit__(self, *exc: object) -> None:
        # Our own child, by its id: SIGUSR1 lets uvicorn and the engine stop and the lag file be written.
        self.proc.send_signal(signal.SIGUSR1)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.log.close()
        if self.lag_file.exists():
            self.samples = [tuple(s) for s in json.loads(self.lag_file.read_text())]

    def lag(self, since: float, until: float) -> dict[str, Any]:
        """p50, p99 and max loop lag (seconds) of the server between two wall-clock instants."""
        lags = [lag for t, lag in self.samples if since <= t <= until]
        return {"p50": percentile(lags, 50), "p99": percentile(lags, 99), "max": max(lags, default=float("nan")),
                "samples": len(lags)}


def main(argv: list[str]) -> None:
    """`python -m bench.serve APP HOME PORT LAG_FILE`."""
    parser = argparse.ArgumentParser()
    parser.add_argument("app", choices=["playbooks", "baseline"])
    parser.add_argument("home", type=Path)
    parser.add_argument("port", type=int)
    parser.add_argument("lag_out", type=Path)
    args = parser.parse_args(argv)
    try:
        import uvloop  # as uvicorn.run picks it when installed (uvicorn[standard])
    except ImportError:
        asyncio.run(serve(args.app, args.home, args.port, args.lag_out))
    else:
        uvloop.run(serve(args.app, args.home, args.port, args.lag_out))


if __name__ == "__main__":
    main(sys.argv[1:])


def prepare_store(home: Path) -> tuple[str, str]:
    """The demo store with one manual notify playbook: its id and a session token of the demo owner."""
    from bench.common import NOTIFY
    from bench.engine import build
    from scheduler.auth.tokens import issue_session_token

    runtime = build(home, demo=True)
    spec = {"name": "bench execute", "agent": "pops", "category": "operations", "triggers": [{"type": "manual"}],
            "steps": [dict(NOTIFY)]}
    playbook = runtime.playbooks.create("demo", spec)
    token = issue_session_token(runtime.engine, "demo", "owner@example.com")
    runtime.engine.dispose()
    return playbook.id, token


def measure_pair(cfg: Any, home: Path, ours: dict[str, Any], baseline: dict[str, Any]) -> dict[str, Any]:
    """The same load on our server and on the baseline server, one after the other; medians over repetitions.

    `ours` / `baseline`: {"path", "method", "headers", "body"}.
    """
    from bench.common import median
    from bench.loadgen import load

    seconds = cfg.pick(3, 10, tiny=1)
    reps = cfg.pick(1, 3, tiny=1)
    out: dict[str, Any] = {}
    for app_name, req, ready in (("playbooks", ours, "/readyz"), ("baseline", baseline, "/healthz")):
        runs, windows = [], []
        with Server(app_name, home, ready_path=ready) as server:
            url = server.url + req["path"]
            args = (url, req["method"], req.get("headers", {}), req.get("body"), 32)
            load(*args, 1, 2000, home)  # warm-up: connections, caches, the threadpool
            for _ in range(reps):
                t0 = time.time()
                runs.append(load(*args, seconds, 20_000, home))
                windows.append((t0, time.time()))
        lags = [server.lag(a, b) for a, b in windows]
        out[app_name] = {
            "rps": median([r["rps"] for r in runs]), "p50": median([r["p50"] for r in runs]),
            "p99": median([r["p99"] for r in runs]), "errors": sum(r["errors"] for r in runs),
            "requests": sum(r["requests"] for r in runs), "tool": runs[0]["tool"], "seconds": seconds,
            "repetitions": reps, "lag_p50": median([x["p50"] for x in lags]), "lag_p99": median([x["p99"] for x in lags]),
            "lag_max": max((x["max"] for x in lags), default=float("nan")),
        }
    return out
