"""The scale-out processes as a user starts them (`playbooks worker`, `playbooks scheduler`), for the tests."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from scheduler.settings import Settings
from tests.conftest import settings_env

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOKS = str(Path(sys.executable).with_name("playbooks"))


class Process:
    """`playbooks ARGS` in a child process with the test's settings, its output in a log file; always ended."""

    def __init__(self, settings: Settings, *args: str, log: Path, **env: str) -> None:
        self.log_path = log
        self.log = log.open("ab")
        self.proc = subprocess.Popen([PLAYBOOKS, *args], cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT,
                                     env={**os.environ, **settings_env(settings), **env})

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM, as a supervisor stops it; SIGKILL if it has not ended within `timeout` seconds. Its exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode

    def kill(self) -> None:
        """SIGKILL: the machine lost, nothing handed back."""
        self.proc.kill()
        self.proc.wait()
        self.log.close()

    def output(self) -> str:
        """What it printed so far (shown when a test fails)."""
        return self.log_path.read_text(errors="replace")[-4000:]

    def __enter__(self) -> Process:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:
            self.kill()
        elif not self.log.closed:
            self.log.close()


def worker(settings: Settings, log: Path, concurrency: int = 4, grace: float = 10) -> Process:
    """A `playbooks worker` on the test's queue."""
    return Process(settings, "worker", "--concurrency", str(concurrency), "--grace", str(grace), "--loglevel", "info", log=log)


def scheduler(settings: Settings, log: Path) -> Process:
    """A `playbooks scheduler` on the test's database and queue."""
    return Process(settings, "scheduler", log=log)
