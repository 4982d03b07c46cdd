"""Injectable time: the engine asks a Clock, tests hand it one that is shifted."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


@dataclass(frozen=True)
class Clock:
    """Real time plus a fixed offset (zero in production)."""

    offset: timedelta = timedelta(0)

    def now(self) -> datetime:
        """The current instant, aware UTC."""
        return datetime.now(UTC) + self.offset

    async def sleep(self, seconds: float) -> None:
        """Wait (real time; the offset only moves where 'now' is)."""
        await asyncio.sleep(seconds)


SYSTEM_CLOCK = Clock()
