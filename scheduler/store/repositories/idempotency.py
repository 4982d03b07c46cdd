"""Idempotency keys: the first call with a key is answered and remembered; a repeat gets that answer."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from scheduler.store.repositories.base import Repository
from scheduler.store.tables import IdempotencyKey

# A first call still "in flight" after this long died with its process: a repeat may take it over.
IN_FLIGHT_FOR = timedelta(minutes=5)
_KEYS = IdempotencyKey.__table__  # type: ignore[attr-defined]


class KeyInFlight(Exception):
    """The first call with this key has not been answered yet."""


class KeyReused(ValueError):
    """The key was first sent with another body."""


@dataclass(frozen=True)
class Answer:
    """What the first call with a key answered."""

    status_code: int
    body: dict[str, Any]


class IdempotencyRepository(Repository):
    """Keys per (organisation, route): claimed before the work, answered after it, dropped if it failed."""

    async def claim(self, org_id: str, scope: str, key: str, fingerprint: str, now: datetime) -> Answer | None:
        """None when this call is the first (go ahead); the stored answer for a repeat; KeyInFlight or KeyReused otherwise."""
        return await self._off_loop(self._claim, org_id, scope, key, fingerprint, now)

    async def answer(self, org_id: str, scope: str, key: str, status_code: int, body: dict[str, Any]) -> None:
        """Remember the answer of the first call."""
        await self._off_loop(self._answer, org_id, scope, key, status_code, body)

    async def release(self, org_id: str, scope: str, key: str) -> None:
        """The first call failed: forget the key, so a corrected call with it goes ahead."""
        await self._off_loop(self._release, org_id, scope, key)

    def _claim(self, org_id: str, scope: str, key: str, fingerprint: str, now: datetime) -> Answer | None:
        with Session(self._engine) as session:
            session.add(IdempotencyKey(org_id=org_id, scope=scope, key=key, fingerprint=fingerprint, created_at=now))
            try:
                session.commit()
                return None
            except IntegrityError:
                session.rollback()
            row = session.get(IdempotencyKey, (org_id, scope, key))
            if row is None:  # released meanwhile: this call is now the first
                return self._claim(org_id, scope, key, fingerprint, now)
            if row.fingerprint != fingerprint:
                raise KeyReused(f"Idempotency-Key {key!r} was already used with another request body")
            if row.status_code is not None:
                return Answer(row.status_code, dict(row.response or {}))
            if row.created_at + IN_FLIGHT_FOR < now:
                # Taken over only if nobody else took it over first: the conditional UPDATE decides.
                taken = session.execute(update(_KEYS).where(
                    _KEYS.c.org_id == org_id, _KEYS.c.scope == scope, _KEYS.c.key == key,
                    _KEYS.c.created_at == row.created_at, _KEYS.c.status_code.is_(None)).values(created_at=now))
                session.commit()
                if taken.rowcount == 1:
                    return None
            raise KeyInFlight(f"a call with Idempotency-Key {key!r} is still in flight; try again when it is answered")

    def _answer(self, org_id: str, scope: str, key: str, status_code: int, body: dict[str, Any]) -> None:
        with Session(self._engine) as session:
            session.execute(update(_KEYS).where(_KEYS.c.org_id == org_id, _KEYS.c.scope == scope, _KEYS.c.key == key)
                            .values(status_code=status_code, response=body))
            session.commit()

    def _release(self, org_id: str, scope: str, key: str) -> None:
        with Session(self._engine) as session:
            session.execute(delete(_KEYS).where(_KEYS.c.org_id == org_id, _KEYS.c.scope == scope, _KEYS.c.key == key))
            session.commit()
