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
from typing import Any

import aiosqlite
from langchain_core.messages import AIMessage, ToolMessage
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool
from sqlalchemy.engine import make_url

from agents.models.offline import SHOWN_KEY
from scheduler.auth.tokens import Principal
from tools.artifacts import Artifact, artifact_from_output

BUSY_TIMEOUT_MS = 30_000  # the engine writes to the same SQLite file; wait for its turn rather than fail


class ThreadSerializer(JsonPlusSerializer):
    """Revives only LangGraph's safe types (messages, plain data), never arbitrary classes; artifacts come back typed.

    A tool message's artifact is stored as plain data inside the message; reading a
    thread turns it back into its typed artifact (`tools.artifacts.artifact_from_output`),
    so tools and models see a stored thread as they saw it live.
    """

    def __init__(self) -> None:
        super().__init__(allowed_msgpack_modules=None)

    def loads_typed(self, data: tuple[str, bytes]) -> Any:
        """The stored value, with the artifacts in its messages typed again."""
        return _typed(super().loads_typed(data))


def _typed(value: Any) -> Any:
    # A checkpoint is plain containers around the channels' values: walk them to the messages.
    if isinstance(value, list):
        return [_typed(v) for v in value]
    if isinstance(value, dict):
        return {k: _typed(v) for k, v in value.items()}
    if isinstance(value, ToolMessage) and isinstance(value.artifact, dict):
        value.artifact = artifact_from_output(value.artifact) or value.artifact
    elif isinstance(value, AIMessage) and value.additional_kwargs.get(SHOWN_KEY):
        shown = [a if isinstance(a, Artifact) else artifact_from_output(a) for a in value.additional_kwargs[SHOWN_KEY]]
        value.additional_kwargs[SHOWN_KEY] = [a for a in shown if a is not None]
    return value


def serializer() -> ThreadSerializer:
    """The checkpoints' serializer."""
    return ThreadSerializer()


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
