"""What every repository shares: the engine, and a way to run a blocking query off the event loop."""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from sqlalchemy.engine import Engine

P = ParamSpec("P")
T = TypeVar("T")


class Repository:
    """A family of queries over one engine; its async methods never block the event loop."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @staticmethod
    async def _off_loop(query: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a blocking query in a worker thread: a busy store must not stall other runs."""
        return await asyncio.to_thread(query, *args, **kwargs)
