"""Dedupe keys: what makes a run unique per playbook, so a repeated trigger finds the run it made."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime

SCHEDULE, IDEMPOTENCY, MANUAL, EVENT, PARENT = "schedule", "idempotency", "manual", "event", "parent"


class DedupeKey(str):
    """A run's dedupe key, stored as `<kind>:<value>`; build it only with the constructors below."""

    __slots__ = ()

    @classmethod
    def schedule(cls, slot: datetime) -> DedupeKey:
        """The key of a schedule slot: the slot instant in UTC, whoever fires it."""
        if slot.tzinfo is None:
            raise ValueError("a schedule slot must be an aware datetime")
        return cls(f"{SCHEDULE}:{slot.astimezone(UTC).isoformat()}")

    @classmethod
    def idempotency(cls, key: str) -> DedupeKey:
        """The key a caller chose (the Idempotency-Key header): a repeat returns the same run."""
        if not key:
            raise ValueError("an idempotency key must not be empty")
        return cls(f"{IDEMPOTENCY}:{key}")

    @classmethod
    def manual(cls) -> DedupeKey:
        """A fresh key: a run nobody will repeat on purpose."""
        return cls(f"{MANUAL}:{uuid.uuid4().hex}")

    @classmethod
    def event(cls, event_id: str) -> DedupeKey:
        """The key of one event: a redelivered event starts no second run."""
        if not event_id:
            raise ValueError("an event id must not be empty")
        return cls(f"{EVENT}:{event_id}")

    @classmethod
    def parent(cls, step_key: str) -> DedupeKey:
        """The key of a child run: its parent's step key, so a resumed parent step starts no second child."""
        if not step_key:
            raise ValueError("a parent step key must not be empty")
        return cls(f"{PARENT}:{step_key}")

    @property
    def kind(self) -> str:
        """What made the key: schedule, idempotency, manual or event."""
        return self.partition(":")[0]

    @property
    def value(self) -> str:
        """The part after the kind: the slot, the caller's key, the fresh id or the event id."""
        return self.partition(":")[2]

    def __repr__(self) -> str:
        return f"DedupeKey({str(self)!r})"
