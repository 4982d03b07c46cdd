"""The real app under uvicorn on a free loopback port, in a background thread."""
from __future__ import annotations

import threading
import time

import httpx
import uvicorn

from scheduler.domain.clock import SYSTEM_CLOCK, Clock
from scheduler.settings import Settings
from tests.fakes.smtp import free_port


class LiveServer:
    """`with LiveServer(settings) as srv:` -> srv.url, srv.app.state.runtime."""

    def __init__(self, settings: Settings, demo: bool = True, clock: Clock = SYSTEM_CLOCK, model_factory=None,
                 ready_status: int = 200) -> None:
        from api.app import create_app

        self.ready_status = ready_status  # what /readyz answers once the server is up (503 for a test of not ready)
        self.app = create_app(settings, demo=demo, clock=clock, model_factory=model_factory)
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def runtime(self):
        return self.app.state.runtime

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == self.ready_status:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise RuntimeError("server did not become ready")

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)
