"""Shared fixtures: settings on a temporary PLAYBOOKS_HOME, a live server, tokens."""
from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import Session

from scheduler.auth.tokens import issue_session_token
from scheduler.domain.clock import SYSTEM_CLOCK, Clock
from scheduler.runs.ledger import open_execution
from scheduler.runtime import Runtime
from scheduler.settings import Settings
from scheduler.store.tables import Playbook
from tests.fakes.live import LiveServer

CRON_SECRET = "s3cret-for-tests"


@pytest.fixture
def settings(tmp_path) -> Settings:
    """Embedded defaults in a fresh folder, with a cron secret set."""
    return Settings(PLAYBOOKS_HOME=tmp_path / "home", CRON_SECRET=CRON_SECRET, PLAYBOOKS_LEASE_SECONDS=2)


PG_ADMIN_URL = os.environ.get("PLAYBOOKS_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture
def pg_settings(tmp_path) -> Iterator[Settings]:
    """Settings on a fresh PostgreSQL database (skipped without a server, required with CI=true)."""
    psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc}")
    name = f"playbooks_test_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
    try:
        yield Settings(PLAYBOOKS_HOME=tmp_path / "home", PLAYBOOKS_DATABASE_URL=url, CRON_SECRET=CRON_SECRET, PLAYBOOKS_LEASE_SECONDS=2)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


REDIS_URL = os.environ.get("PLAYBOOKS_TEST_REDIS", "redis://127.0.0.1:6379/0")


@pytest.fixture
def celery_queue() -> Iterator[str]:
    """A Celery queue of this test alone on the Redis server (skipped without one unless CI=true); its keys go after."""
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    queue = f"test-{uuid.uuid4().hex[:12]}"
    try:
        yield queue
    finally:
        keys = [queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}", *client.scan_iter(f"{queue}.*")]
        client.delete(*keys)
        client.close()


def on_celery(settings: Settings, queue: str, **more: Any) -> Settings:
    """The same settings with runs sent to Celery workers on `queue` (a test's own, from the celery_queue fixture)."""
    return Settings(**{**settings_env(settings), "PLAYBOOKS_EXECUTOR": "celery", "PLAYBOOKS_REDIS_URL": REDIS_URL,
                       "PLAYBOOKS_CELERY_QUEUE": queue, **more})


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment that gives a child process these settings (the ones tests set)."""
    env = {"PLAYBOOKS_HOME": str(settings.home), "PLAYBOOKS_LEASE_SECONDS": str(settings.lease_seconds),
           "PLAYBOOKS_RECOVERY_INTERVAL": str(settings.recovery_interval_seconds), "PLAYBOOKS_EXECUTOR": settings.executor,
           "PLAYBOOKS_CELERY_QUEUE": settings.celery_queue}
    optional = {"PLAYBOOKS_DATABASE_URL": settings.database_url, "CRON_SECRET": settings.cron_secret,
                "PLAYBOOKS_REDIS_URL": settings.redis_url, "PLAYBOOKS_SMTP_URL": settings.smtp_url}
    return {**env, **{name: value for name, value in optional.items() if value}}


@pytest.fixture
def server(settings: Settings) -> Iterator[LiveServer]:
    """The app served on loopback with the demo organisation."""
    with LiveServer(settings) as srv:
        yield srv


@pytest.fixture
def user_token(server: LiveServer) -> str:
    """A session token of the demo owner."""
    return issue_session_token(server.runtime.engine, "demo", "owner@example.com")


def auth(token: str) -> dict[str, str]:
    """The Authorization header for a bearer token."""
    return {"Authorization": f"Bearer {token}"}


def wait_for(check: Callable[[], Any], timeout: float = 20.0, every: float = 0.05) -> Any:
    """Poll until `check()` is truthy; fail the test with the last value otherwise."""
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"condition not met in {timeout}s; last value: {value!r}")


async def until(check: Callable[[], Any], timeout: float = 20.0, every: float = 0.02) -> Any:
    """`wait_for` inside the event loop: poll `check()` without blocking the loop the engine runs on."""
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        await asyncio.sleep(every)
    raise AssertionError(f"condition not met in {timeout}s; last value: {value!r}")


PINGED: ContextVar[asyncio.Event] = ContextVar("pinged")


class WatchPings:
    """ASGI middleware for stream tests: sets the request's PINGED event once an SSE ping has gone out."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        pinged = asyncio.Event()
        PINGED.set(pinged)  # the response's tasks copy this context, so the producer sees the same event

        async def watching(message: dict) -> None:
            await send(message)
            if message["type"] == "http.response.body" and b": ping" in message.get("body", b""):
                pinged.set()

        await self.app(scope, receive, watching)


async def until_pinged(timeout: float = 20.0) -> None:
    """Inside a stream producer behind WatchPings: return once the response has sent a ping."""
    await asyncio.wait_for(PINGED.get().wait(), timeout)


def sales_report_spec(cron: str = "0 9 * * *", **extra: Any) -> dict[str, Any]:
    """A daily sales report emailed to the run's user."""
    return {
        "name": "Daily Sales Report", "agent": "pops", "category": "operations",
        "triggers": [{"type": "schedule", "cron": cron, "timezone": "America/New_York"}],
        "steps": [
            {"action": "sales_report", "params": {"period": "yesterday"}},
            {"action": "send_email", "params": {"to": "{{user.email}}", "subject": "Your sales report"}},
        ],
        **extra,
    }


def execution(server: LiveServer, execution_id: str, token: str | None = None) -> dict[str, Any]:
    """GET /api/executions/{id}, as the demo owner unless a token is given."""
    if token is None:
        token = getattr(server, "owner_token", None) or issue_session_token(server.runtime.engine, "demo", "owner@example.com")
        server.owner_token = token
    r = httpx.get(f"{server.url}/api/executions/{execution_id}", headers=auth(token))
    assert r.status_code == 200, r.text
    return r.json()


@asynccontextmanager
async def running(settings: Settings, clock: Clock = SYSTEM_CLOCK, demo: bool = True) -> AsyncIterator[Runtime]:
    """A started engine (scheduler, sweep, dispatcher) for the duration of the block."""
    runtime = Runtime.build(settings, clock=clock, demo=demo)
    await runtime.start()
    try:
        yield runtime
    finally:
        await runtime.stop()


async def run_now(runtime: Runtime, playbook: Playbook, key: str = "test-run") -> str:
    """Open a manual run, let it finish, return its id."""
    run_id = open_execution(runtime.engine, playbook, triggered_by="manual", dedupe_key=key).execution.id
    runtime.dispatcher.dispatch(run_id)
    await runtime.dispatcher.drain()
    return run_id


def backdate(engine: Any, playbook_id: str, minutes: int = 5) -> None:
    """Make a playbook look active since `minutes` ago, so this minute's slot is owed to it."""
    with Session(engine) as session:
        row = session.get(Playbook, playbook_id)
        row.updated_at -= timedelta(minutes=minutes)
        session.add(row)
        session.commit()


FIXTURE_PAGES = Path(__file__).resolve().parent / "fixtures" / "pages"
DEMO_PAGES = Path(__file__).resolve().parent.parent / "scheduler" / "demo" / "pages"


def fixture_page(name: str) -> str:
    """A test page's HTML: test-only pages from tests/fixtures/pages, the demo competitors' menus from the package.

    The four demo menus ship in scheduler/demo/pages (day1/, day2/); tests read those, not copies.
    """
    own = FIXTURE_PAGES / name
    if own.exists():
        return own.read_text(encoding="utf-8")
    day, _, file = name.rpartition("/")
    return (DEMO_PAGES / (day or "day1") / file).read_text(encoding="utf-8")
