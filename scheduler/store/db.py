"""Engine, sessions and migrations (alembic, applied on start)."""
from __future__ import annotations

import sqlite3
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from scheduler.settings import Settings

MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_POOL = 40
MIGRATION_LOCK = 0x706C6179626F6F6B  # "playbook": the advisory lock migrations take on PostgreSQL


def make_engine(settings: Settings) -> Engine:
    """An engine for the configured URL; SQLite gets WAL and a busy timeout for concurrent writers."""
    url = settings.resolved_database_url
    if url.startswith("sqlite"):
        settings.home.mkdir(parents=True, exist_ok=True)
        # A pool as large as the request threadpool (40): past the default 5 + 10, every checkout under load
        # opened a new connection and ran the pragmas again (a tenth of a GET's time).
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30, "factory": writer_queue()},
                               pool_size=SQLITE_POOL, max_overflow=SQLITE_POOL)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "before_cursor_execute", _take_turn)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


# Statements that take the write lock (a WITH may only read: it waits in the busy handler as before).
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")


class FairTurn:
    """A lock handed to its waiters in the order they came.

    threading.Lock is not fair: a thread that releases it and asks again at once (the doorbell filing
    a burst batch after batch) takes it straight back, and a run's claim waited behind every batch.
    The standard library has no fair lock, hence these few lines.
    """

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._held = False
        self._waiters: deque[threading.Lock] = deque()

    def acquire(self, timeout: float) -> bool:
        """Take the turn, after those already waiting; False if `timeout` seconds pass first."""
        with self._mutex:
            if not self._held:
                self._held = True
                return True
            waiter = threading.Lock()
            waiter.acquire()
            self._waiters.append(waiter)
        if waiter.acquire(timeout=timeout):
            return True  # handed over by release(): the turn stayed taken for us
        with self._mutex:
            if waiter in self._waiters:
                self._waiters.remove(waiter)
                return False
        return True  # handed over just as the wait ran out: the turn is ours

    def release(self) -> None:
        """Hand the turn to the longest waiter, or leave it free."""
        with self._mutex:
            if self._waiters:
                self._waiters.popleft().release()
            else:
                self._held = False


def writer_queue(timeout: float = 30.0) -> type[sqlite3.Connection]:
    """A sqlite3 connection class whose instances (one engine's) take turns at SQLite's single write lock.

    Without it, a thread that finds the lock taken waits in SQLite's busy handler, which sleeps 1, 2,
    5 ... 100 ms between tries: under 32 concurrent requests most of the time went to sleeping past a
    free lock. A transaction takes the turn at its first write statement and gives it back once its
    commit or rollback has returned (or its connection closes), handing it to the writer that has
    waited longest. Other processes still meet at the busy timeout.
    """
    turn = FairTurn()

    class TurnTakingConnection(sqlite3.Connection):
        holds = False

        def take_turn(self) -> None:
            if not self.holds:
                # On timeout, go on: SQLite's own busy timeout then answers as it did before.
                self.holds = turn.acquire(timeout=timeout)

        def give_back(self) -> None:
            if self.holds:
                self.holds = False
                turn.release()

        def commit(self) -> None:
            try:
                super().commit()
            finally:
                self.give_back()

        def rollback(self) -> None:
            try:
                super().rollback()
            finally:
                self.give_back()

        def close(self) -> None:
            try:
                super().close()
            finally:
                self.give_back()

    return TurnTakingConnection


def _take_turn(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
    if statement.lstrip()[:7].upper().startswith(WRITES):
        dbapi = conn.connection.dbapi_connection
        if hasattr(dbapi, "take_turn"):
            dbapi.take_turn()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest alembic revision."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # The processes of a scale-out start together: one migrates, the others wait here, then find the schema current.
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
