"""One way to start a run: every trigger (schedule slot, API call, chat tool, event) comes through start_run.

The run policy lives here and nowhere else: archived (and deleted) playbooks never run, a schedule
firing needs an active playbook and a slot, a slot that comes while the previous scheduled run is
still going is written down as skipped (naming that run), and a repeated key returns the run it made.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.engine import Engine

from scheduler.domain.clock import SYSTEM_CLOCK, Clock
from scheduler.domain.keys import DedupeKey
from scheduler.domain.status import ExecutionStatus, PlaybookStatus, TriggeredBy
from scheduler.runs.ledger import Opened, open_execution, scheduled_run_in_progress
from scheduler.store.tables import Playbook
from scheduler.timing.slots import MISFIRE_GRACE, due_slot


class Refusal(StrEnum):
    """Why a playbook will not run for this firing."""

    archived = "archived"
    deleted = "deleted"
    not_active = "not_active"
    no_slot = "no_slot"


class RunRefused(Exception):
    """The run policy refuses this firing; `reason` says which rule, the message says it to a person."""

    def __init__(self, reason: Refusal, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


@dataclass(frozen=True)
class Firing:
    """What fires a run: who, under which key, for which slot, on whose behalf, with which event.

    With a slot, the slot is the key whatever `key` says (one run per slot); without a slot or a key,
    a schedule firing is refused and any other gets a fresh key.
    """

    triggered_by: TriggeredBy
    key: DedupeKey | None = None
    slot: datetime | None = None
    user_id: str | None = None
    event: dict[str, Any] | None = None

    @classmethod
    def of_slot(cls, slot: datetime) -> Firing:
        """The scheduler firing one slot."""
        return cls(TriggeredBy.schedule, slot=slot)

    @classmethod
    def of_event(cls, event_id: str, payload: dict[str, Any]) -> Firing:
        """An event (keyed by its id, so a redelivery starts nothing new)."""
        return cls(TriggeredBy.event, key=DedupeKey.event(event_id), event=payload)


class RunStarter:
    """Applies the run policy, opens the run in the ledger and dispatches it."""

    def __init__(self, engine: Engine, dispatch: Callable[[str], None], clock: Clock = SYSTEM_CLOCK) -> None:
        self.engine, self.dispatch, self.clock = engine, dispatch, clock

    def start_run(self, playbook: Playbook, firing: Firing) -> Opened:
        """Start a run of the playbook for this firing, or return the one its key already made.

        Raises RunRefused when the policy says no. A skipped slot is a new row that is not dispatched.
        """
        if playbook.status == PlaybookStatus.archived:
            raise RunRefused(Refusal.archived, "playbook is archived; make it active or paused to run it")
        if playbook.deleted_at is not None:
            # Only a caller holding a row read before a concurrent delete gets here.
            raise RunRefused(Refusal.deleted, "playbook was deleted; its past runs stay readable")
        if firing.triggered_by == TriggeredBy.schedule and playbook.status != PlaybookStatus.active:
            raise RunRefused(Refusal.not_active, f"playbook is {playbook.status}; it does not run on a schedule")
        key = self._key_of(firing)
        slot = firing.slot.astimezone(UTC) if firing.slot is not None else None
        busy = None
        if slot is not None:
            # Overlap policy: skip. The slot still leaves a row saying which run it gave way to.
            busy = scheduled_run_in_progress(self.engine, playbook, self.clock.now(), MISFIRE_GRACE)
        opened = open_execution(
            self.engine, playbook, triggered_by=firing.triggered_by, dedupe_key=key, scheduled_for=slot,
            user_id=firing.user_id, event=firing.event,
            closed_as=(ExecutionStatus.skipped, f"the previous run {busy} was still going") if busy else None,
        )
        if opened.created and busy is None:
            self.dispatch(opened.execution.id)
        return opened

    @staticmethod
    def _key_of(firing: Firing) -> DedupeKey:
        if firing.slot is not None:
            # A slot is its own key, whoever fires it and whatever key they send: one run per slot.
            return DedupeKey.schedule(firing.slot)
        if firing.key is not None:
            return firing.key
        if firing.triggered_by == TriggeredBy.schedule:
            # Without a slot there is nothing to dedupe on: a retried call would run it twice.
            raise RunRefused(
                Refusal.no_slot, "no schedule slot of this playbook is due now; send an Idempotency-Key to run it anyway"
            )
        return DedupeKey.manual()

    def due_slot(self, playbook: Playbook) -> datetime | None:
        """The schedule slot of the playbook due now (within the grace window), in UTC, if any."""
        return due_slot((t for _, t in playbook.schedules), self.clock.now())

    def firing_for_call(
        self, playbook: Playbook, *, caller: str, said: TriggeredBy | None, idempotency_key: str | None,
        user_id: str | None,
    ) -> Firing:
        """How a call of the execute route fires the playbook (`caller`: user, agent or cron).

        The scheduler's secret without a word means: the slot due now, if there is one.
        """
        wants_slot = said == TriggeredBy.schedule or (said is None and caller == "cron")
        slot = self.due_slot(playbook) if wants_slot else None
        triggered_by = said or (
            TriggeredBy.schedule if slot else TriggeredBy.agent if caller == "agent" else TriggeredBy.manual
        )
        key = DedupeKey.idempotency(idempotency_key) if idempotency_key else None
        return Firing(triggered_by, key=key, slot=slot, user_id=user_id)
