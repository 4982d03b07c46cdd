"""Chat threads that outlive the process: a LangGraph checkpointer on the service's own database.

SQLite (the default) gets `AsyncSqliteSaver` on the same file, PostgreSQL gets
`AsyncPostgresSaver` on the same database; their tables (`checkpoints`, `writes`;
`checkpoint_*` on PostgreSQL) sit beside ours and are created by the savers' own
`setup()`. A thread is keyed by organisation, caller and the chat body's `id`,
so nobody reads another's thread by guessing its id.
"""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiosqlite
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool
from sqlalchemy.engine import make_url

from scheduler.auth.tokens import Principal

BUSY_TIMEOUT_MS = 30_000  # the engine writes to the same SQLite file; wait for its turn rather than fail


def serializer() -> JsonPlusSerializer:
    """Checkpoint serialization that revives only LangGraph's safe types (messages, plain data), never arbitrary classes.

    A tool's artifact inside a message is stored as plain data; readers turn it back
    into its typed artifact (`tools.artifacts.artifact_from_output`).
    """
    return JsonPlusSerializer(allowed_msgpack_modules=None)


def thread_id(who: Principal, chat_id: str) -> str:
    """The checkpoint thread of a chat: the organisation and the caller come first, never from the client."""
    caller = who.user_id or (f"agent:{who.agent}" if who.agent else who.kind)
    return f"{who.org_id}/{caller}/{chat_id}"


@asynccontextmanager
async def open_checkpointer(database_url: str) -> AsyncIterator[BaseCheckpointSaver]:
    """The checkpointer for this database URL, its tables set up, open for the block."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        async with aiosqlite.connect(url.database or ":memory:") as conn:
            await conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            sqlite_saver = AsyncSqliteSaver(conn, serde=serializer())
            await sqlite_saver.setup()
            yield sqlite_saver
        return
    if url.get_backend_name() != "postgresql":
        raise ValueError(f"no chat checkpointer for {url.get_backend_name()!r} databases (SQLite or PostgreSQL)")
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    pool = AsyncConnectionPool(conninfo, min_size=1, max_size=4, open=False,
                               kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row})
    await pool.open()
    try:
        pg_saver = AsyncPostgresSaver(pool, serde=serializer())  # type: ignore[arg-type]
        await pg_saver.setup()
        yield pg_saver
    finally:
        await pool.close()
