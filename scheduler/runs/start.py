"""One way to start a run: every trigger (schedule slot, API call, chat tool, event) comes through start_run.

The run policy lives here and nowhere else: archived (and deleted) playbooks never run, a schedule
firing needs an active playbook and a slot, a slot that comes while the previous scheduled run is
still going follows the playbook's overlap policy (skip: written down as skipped, naming that run;
queue: filed to wait for it; allow: runs beside it), a slot that passed unrun is written down as
missed (paused, when the playbook was paused until later), and a repeated key returns the run it
made. One firing or a thousand (the doorbell's burst), the policy is the same code and the rows go
in as one bulk insert.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy.engine import Connection, Engine

from scheduler.domain.clock import SYSTEM_CLOCK, Clock
from scheduler.domain.keys import DedupeKey
from scheduler.domain.status import ExecutionStatus, PlaybookStatus, TriggeredBy
from scheduler.runs.ledger import (
    Opened,
    PlaybookRow,
    RunContexts,
    as_execution,
    execution_row,
    existing_executions,
    insert_executions,
    scheduled_runs_in_progress,
)
from scheduler.store.tables import Execution, Playbook, utcnow
from scheduler.timing.slots import Overlap, due_slot

# A queued scheduled run counts as going this long after it was filed (later, it was lost with its process).
QUEUED_GRACE = timedelta(minutes=5)


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
    # An event's name, id and place in its chain, kept in the run's `trigger` context (scheduler.domain.chain).
    cause: dict[str, Any] | None = None
    # A slot that passed unrun: written down as `missed` with this reason, never run.
    missed: str | None = None
    # A slot that came while the playbook was paused until a later instant: written down as `paused`.
    paused: str | None = None
    # What a slot does while the playbook's last scheduled run still goes (the playbook's overlap policy).
    overlap: str = "skip"
    # A child run's link to its parent (run_playbook): becomes the run context's `parent`.
    parent: dict[str, Any] | None = None

    @classmethod
    def of_slot(cls, slot: datetime, overlap: str = "skip") -> Firing:
        """The scheduler firing one slot, under the playbook's overlap policy."""
        return cls(TriggeredBy.schedule, slot=slot, overlap=overlap)

    @classmethod
    def of_paused_slot(cls, slot: datetime, reason: str) -> Firing:
        """A slot that came while the playbook was paused until later: its record, never run."""
        return cls(TriggeredBy.schedule, slot=slot, paused=reason)

    @property
    def closed_as(self) -> tuple[ExecutionStatus, str] | None:
        """The record of a slot that will not run (missed or paused), or None for one that may."""
        if self.missed is not None:
            return ExecutionStatus.missed, self.missed
        if self.paused is not None:
            return ExecutionStatus.paused, self.paused
        return None

    @classmethod
    def of_missed_slot(cls, slot: datetime, reason: str) -> Firing:
        """A slot the scheduler did not fire in time: its record, with the reason."""
        return cls(TriggeredBy.schedule, slot=slot, missed=reason)

    @classmethod
    def of_event(cls, event_id: str, payload: dict[str, Any], cause: dict[str, Any] | None = None) -> Firing:
        """An event (keyed by its id, so a redelivery starts nothing new)."""
        return cls(TriggeredBy.event, key=DedupeKey.event(event_id), event=payload, cause=cause)


@dataclass(frozen=True)
class Started:
    """What a bulk start did with one firing: the run it opened or found, or the policy's refusal."""

    playbook_id: str
    firing: Firing
    execution_id: str | None = None
    status: str | None = None
    created: bool = False
    refused: RunRefused | None = None
    # The inserted values or the row found: start_run's answer is built from it.
    record: Execution | dict[str, Any] | None = field(default=None, repr=False, compare=False)

    def opened(self, playbook: Playbook) -> Opened:
        """As start_run answers: the execution and whether this firing created it."""
        if self.refused is not None:
            raise self.refused
        record = self.record
        return Opened(record if isinstance(record, Execution) else as_execution(record, playbook), self.created)


class RunStarter:
    """Applies the run policy, opens the runs in the ledger and dispatches them."""

    def __init__(
        self, engine: Engine, dispatch: Callable[[str], None], clock: Clock = SYSTEM_CLOCK,
        dispatch_many: Callable[[Sequence[str]], None] | None = None,
    ) -> None:
        self.engine, self.dispatch, self.clock = engine, dispatch, clock
        # One hand-over for a batch's runs when the dispatcher offers it (a burst's thousands at once).
        self._dispatch_many = dispatch_many
        # Runs that a run opened here waits for (overlap: queue): when one ends here, its follower is released at once.
        self.waited_on: set[str] = set()

    def start_run(self, playbook: Playbook, firing: Firing) -> Opened:
        """Start a run of the playbook for this firing, or return the one its key already made.

        Raises RunRefused when the policy says no. A skipped slot is a new row that is not dispatched.
        """
        return self.start_runs([(playbook, firing)])[0].opened(playbook)

    def start_runs(self, firings: Sequence[tuple[PlaybookRow, Firing]]) -> list[Started]:
        """Start many firings in one transaction and one bulk insert; refusals are answered, not raised."""
        with self.batch() as batch:
            return batch.start(firings)

    @contextmanager
    def batch(self) -> Iterator[RunBatch]:
        """A transaction that starts runs with the caller's own writes (the doorbell's claim of due rows).

        The runs it opened are dispatched once it has committed, never before.
        """
        with self.engine.begin() as conn:
            batch = RunBatch(self, conn)
            yield batch
        if batch.to_dispatch and self._dispatch_many is not None:
            self._dispatch_many(batch.to_dispatch)
        else:
            for execution_id in batch.to_dispatch:
                self.dispatch(execution_id)

    def check(self, playbook: PlaybookRow, firing: Firing) -> DedupeKey:
        """The policy's yes (the key the run is filed under), or RunRefused."""
        if playbook.status == PlaybookStatus.archived:
            raise RunRefused(Refusal.archived, "playbook is archived; make it active or paused to run it")
        if playbook.deleted_at is not None:
            # Only a caller holding a row read before a concurrent delete gets here.
            raise RunRefused(Refusal.deleted, "playbook was deleted; its past runs stay readable")
        # The record of a slot that came during a pause is filed whatever the status is now.
        if firing.triggered_by == TriggeredBy.schedule and playbook.status != PlaybookStatus.active and firing.paused is None:
            raise RunRefused(Refusal.not_active, f"playbook is {playbook.status}; it does not run on a schedule")
        return self._key_of(firing)

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
        """The schedule slot of the playbook due now (within the grace window), in UTC, if any.

        A slot from before the playbook was last made active or changed is not owed (as on catch-up).
        """
        slot = due_slot((t for _, t in playbook.schedules), self.clock.now())
        return slot if slot is not None and slot >= playbook.updated_at else None

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
        return Firing(triggered_by, key=key, slot=slot, user_id=user_id, overlap=playbook.policy_spec.overlap)


class RunBatch:
    """Firings started inside one transaction (RunStarter.batch); runs are dispatched after it commits."""

    def __init__(self, starter: RunStarter, conn: Connection) -> None:
        self.starter, self.conn = starter, conn
        self.to_dispatch: list[str] = []

    def start(self, firings: Sequence[tuple[PlaybookRow, Firing]]) -> list[Started]:
        """Apply the policy to each firing and file them all in one bulk insert; answers in firing order."""
        now = self.starter.clock.now()
        answers: list[Started | None] = []
        admitted: list[tuple[int, PlaybookRow, Firing, DedupeKey]] = []
        for playbook, firing in firings:
            try:
                admitted.append((len(answers), playbook, firing, self.starter.check(playbook, firing)))
                answers.append(None)
            except RunRefused as exc:
                answers.append(Started(playbook.id, firing, refused=exc))
        # Overlap policy: one query for the whole batch: which playbooks have a scheduled run going.
        slotted = {p.id for _, p, f, _ in admitted
                   if f.slot is not None and f.closed_as is None and f.overlap != Overlap.allow}
        busy = scheduled_runs_in_progress(self.conn, slotted, now, QUEUED_GRACE) if slotted else {}
        contexts = RunContexts.load(self.conn, [(p, f.user_id) for _, p, f, _ in admitted])
        rows: dict[tuple[str, str], dict[str, Any]] = {}
        stamp = utcnow()
        for _, playbook, firing, key in admitted:
            if (playbook.id, key) in rows:
                continue  # the same key twice in one batch: one row, both answered with it
            slot = firing.slot.astimezone(UTC) if firing.slot is not None else None
            closed, waits_for = firing.closed_as, None
            going = busy.get(playbook.id) if slot is not None and closed is None and firing.overlap != Overlap.allow else None
            if going and firing.overlap == Overlap.queue:
                waits_for = going
            elif going:
                closed = (ExecutionStatus.skipped, f"the previous run {going} was still going")
            context = contexts.of(playbook, firing.triggered_by, slot, firing.user_id, firing.event, firing.cause)
            if firing.parent is not None:
                context["parent"] = firing.parent
            row = execution_row(
                playbook, triggered_by=firing.triggered_by, dedupe_key=key, scheduled_for=slot,
                context=context, closed_as=closed, now=stamp, waits_for=waits_for,
            )
            rows[(playbook.id, key)] = row
            if slot is not None and closed is None and firing.overlap != Overlap.allow:
                # A later slot of this playbook in the same batch gives way to (or queues behind) this run.
                busy[playbook.id] = row["id"]
        inserted = insert_executions(self.conn, list(rows.values()))
        repeats = existing_executions(self.conn, [k for k, r in rows.items() if r["id"] not in inserted])
        answered: set[str] = set()
        for index, playbook, firing, key in admitted:
            row = rows[(playbook.id, key)]
            if row["id"] in inserted:
                # The second firing of a key in one batch is a repeat of the first.
                created = row["id"] not in answered
                answered.add(row["id"])
                answers[index] = Started(playbook.id, firing, row["id"], row["status"], created, record=row)
            else:
                found = repeats[(playbook.id, key)]
                answers[index] = Started(playbook.id, firing, found.id, found.status, False, record=found)
        # Each created run once, even when two firings of the batch shared its key.
        created = [r for r in rows.values() if r["id"] in inserted and r["status"] == ExecutionStatus.queued]
        self.to_dispatch += [r["id"] for r in created if r["waits_for"] is None]
        # A queued run is handed over when the one before it ends (RunStarter.waited_on; the sweep for other processes).
        self.starter.waited_on.update(r["waits_for"] for r in created if r["waits_for"] is not None)
        return [a for a in answers if a is not None]
