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
from pydantic import BaseModel
from sqlalchemy.engine import make_url

from scheduler.auth.tokens import Principal
from tools import artifacts

BUSY_TIMEOUT_MS = 30_000  # the engine writes to the same SQLite file; wait for its turn rather than fail


def _models(module: object) -> list[tuple[str, str]]:
    return [(v.__module__, v.__name__) for v in vars(module).values()
            if isinstance(v, type) and issubclass(v, BaseModel) and v.__module__ == module.__name__]  # type: ignore[attr-defined]


def _subclasses(cls: type) -> list[type]:
    return [s for c in cls.__subclasses__() for s in (c, *_subclasses(c))]


def serializer() -> JsonPlusSerializer:
    """Checkpoint serialization that reads back only the types our tools put into messages (their artifacts)."""
    allowed = set(_models(artifacts)) | {(c.__module__, c.__name__) for c in _subclasses(artifacts.Artifact)}
    return JsonPlusSerializer(allowed_msgpack_modules=sorted(allowed))


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
