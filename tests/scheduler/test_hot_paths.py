"""The request and burst hot paths: remembered tokens, SQLite writers taking turns, one hand-over per batch."""
from __future__ import annotations

import sqlite3
import threading
import time
from datetime import UTC, datetime

from sqlalchemy import text, update

from scheduler.auth.tokens import TOKEN_CACHE_SECONDS, authenticate_token, issue_session_token, remembered_principal
from scheduler.demo.seed import seed_demo
from scheduler.domain.status import TriggeredBy
from scheduler.runs.start import Firing, RunStarter
from scheduler.services.playbooks import PlaybookService
from scheduler.steps.registry import default_registry
from scheduler.store.db import FairTurn, make_engine, migrate, writer_queue
from scheduler.store.tables import ApiToken
from tests.conftest import sales_report_spec


def _store(settings):
    engine = make_engine(settings)
    migrate(engine)
    seed_demo(engine)
    return engine


def _revoke_all(engine) -> None:
    with engine.begin() as conn:
        conn.execute(update(ApiToken.__table__).values(revoked_at=datetime.now(UTC)))


def test_a_revoked_token_is_refused_within_the_cache_bound(settings):
    engine = _store(settings)
    token = issue_session_token(engine, "demo", "owner@example.com")
    principal = authenticate_token(engine, token)
    assert principal is not None and principal.org_id == "demo"
    assert remembered_principal(engine, token) == principal
    _revoke_all(engine)
    time.sleep(TOKEN_CACHE_SECONDS + 0.05)
    assert remembered_principal(engine, token) is None
    assert authenticate_token(engine, token) is None
    engine.dispose()


def test_unknown_and_revoked_tokens_are_never_remembered(settings):
    engine = _store(settings)
    assert authenticate_token(engine, "pbs_nobody") is None
    assert remembered_principal(engine, "pbs_nobody") is None
    token = issue_session_token(engine, "demo", "owner@example.com")
    _revoke_all(engine)
    assert authenticate_token(engine, token) is None
    assert remembered_principal(engine, token) is None
    engine.dispose()


def test_a_writer_turn_is_given_back_on_commit_rollback_and_close(tmp_path):
    turns = writer_queue(timeout=0.2)
    db = tmp_path / "turns.db"
    first, second = (sqlite3.connect(db, factory=turns, check_same_thread=False) for _ in range(2))
    first.take_turn()
    second.take_turn()  # the turn is held: it waits out its timeout and goes on without it (SQLite decides)
    assert first.holds and not second.holds
    first.rollback()
    second.take_turn()
    assert second.holds
    second.commit()
    first.take_turn()
    first.close()
    second.take_turn()
    assert second.holds
    second.close()


def test_writers_of_one_engine_all_commit_and_leave_the_turn_free(settings):
    engine = _store(settings)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE hits (thread INTEGER, n INTEGER)"))

    def writer(i: int) -> None:
        for n in range(20):
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO hits VALUES (:t, :n)"), {"t": i, "n": n})

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO hits VALUES (-1, -1)"))
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM hits")).scalar() == 120
        # No connection kept a turn after its transaction ended: the next writer gets it at once.
        assert conn.connection.dbapi_connection.holds is False
        conn.connection.dbapi_connection.take_turn()
        assert conn.connection.dbapi_connection.holds
        conn.rollback()
    engine.dispose()


def test_a_batch_of_runs_is_handed_over_once_in_order(settings):
    engine = _store(settings)
    service = PlaybookService(engine, default_registry())
    playbooks = [service.create("demo", sales_report_spec(name=f"report {i}")) for i in range(3)]
    one_by_one: list[str] = []
    batches: list[list[str]] = []
    starter = RunStarter(engine, one_by_one.append, dispatch_many=lambda ids: batches.append(list(ids)))
    started = starter.start_runs([(p, Firing(TriggeredBy.manual)) for p in playbooks])
    assert batches == [[s.execution_id for s in started]] and one_by_one == []
    engine.dispose()


def test_the_writer_turn_goes_to_the_writer_that_waited_longest():
    """A writer that gives the turn back and asks again at once queues behind the one already waiting."""
    turn = FairTurn()
    order, waiting = [], threading.Event()
    assert turn.acquire(timeout=1)

    def waiter() -> None:
        waiting.set()
        assert turn.acquire(timeout=5)
        order.append("waiter")
        turn.release()

    thread = threading.Thread(target=waiter)
    thread.start()
    waiting.wait(5)
    time.sleep(0.05)  # the waiter is now queued
    turn.release()
    assert turn.acquire(timeout=5)  # asked again at once: granted only after the waiter's turn
    order.append("releaser")
    turn.release()
    thread.join(5)
    assert order == ["waiter", "releaser"]
    assert turn.acquire(timeout=0)  # free again: taken at once
    turn.release()


def test_a_writer_that_times_out_leaves_the_queue():
    turn = FairTurn()
    assert turn.acquire(timeout=1)
    assert turn.acquire(timeout=0.05) is False  # held: it gives up after its timeout
    turn.release()
    assert turn.acquire(timeout=0.05) is True  # nobody left queued ahead
    turn.release()
