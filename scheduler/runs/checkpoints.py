"""The executor's store side: the claim, one transaction per step, the heartbeat of all runs, the hand-back."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, case, exists, func, insert, or_, select, update
from sqlalchemy.engine import Connection, Engine

from scheduler.domain.chain import MAX_CHAIN_DEPTH
from scheduler.domain.clock import Clock
from scheduler.domain.spec import StepSpec, parse_steps, step_aliases
from scheduler.domain.status import ExecutionStatus, StepStatus
from scheduler.events.staging import pending_of, record_failure
from scheduler.store.repositories import UnitOfWork
from scheduler.store.repositories.actions import CompetitiveActionRepository
from scheduler.store.tables import Execution, StepRun, new_id

E, S = Execution.__table__, StepRun.__table__
RESUMABLE = (ExecutionStatus.queued, ExecutionStatus.running)
# A run that ended: a parent waiting for it (run_playbook wait) wakes.
ENDED = (ExecutionStatus.completed, ExecutionStatus.failed, ExecutionStatus.skipped, ExecutionStatus.missed)
# A step during which its process died this many times, running alone, is given up: it is the cause.
MAX_STEP_CRASHES = 3
# The per-step statements, built once: building and hashing a statement costs more than running it.
# Without .values(), each execution sets the columns its parameters name (the bound names are not columns).
_STEP_UPDATE = update(S).where(S.c.execution_id == bindparam("_run"), S.c.index == bindparam("_index"))
_STEP_INSERT = insert(S)
_RUN_UPDATE = update(E).where(E.c.id == bindparam("_run"), E.c.lease_owner == bindparam("_owner"))
_NOW = bindparam("_now", type_=E.c.lease_expires_at.type)
# A step left `running` alone under a lease that ran out: its process died while it alone ran, so the
# death is its doing. (Beside other steps, a death proves nothing: it may be the machine.) A graceful
# stop clears the owner, so it does not count; a failed claim rolls it back.
_DIED = exists().where(E.c.id == bindparam("_run"), E.c.status == ExecutionStatus.running,
                       E.c.lease_owner.is_not(None), E.c.lease_expires_at < _NOW)
_COUNT_CRASH = (update(S).where(S.c.execution_id == bindparam("_run"), S.c.status == StepStatus.running)
                .values(crashes=S.c.crashes + case((and_(S.c.alone, _DIED), 1), else_=0), alone=False))
# A run queued behind another (overlap: queue) is not claimed until that one has ended.
_TAKE = (update(E).where(E.c.id == bindparam("_run"), E.c.status.in_(RESUMABLE), E.c.waits_for.is_(None),
                         or_(E.c.lease_expires_at.is_(None), E.c.lease_expires_at < _NOW))
         .values(status=ExecutionStatus.running, lease_owner=bindparam("_owner"),
                 lease_expires_at=bindparam("_until", type_=E.c.lease_expires_at.type),
                 attempts=E.c.attempts + 1, started_at=func.coalesce(E.c.started_at, _NOW)))
_CLAIMED = select(E.c.org_id, E.c.playbook_id, E.c.context, E.c.steps).where(E.c.id == bindparam("_run"))
_STEPS_OF = select(S.c.index, S.c.status, S.c.output, S.c.attempts, S.c.crashes).where(S.c.execution_id == bindparam("_run"))


class LeaseLost(Exception):
    """Another executor holds this run now; this one must stop without writing."""


@dataclass
class Checkpoint:
    """What the store holds of one step of the run."""

    status: str
    output: dict[str, Any] | None = None
    attempts: int = 0
    crashes: int = 0


@dataclass
class RunState:
    """A claimed run as the executor carries it from step to step (owned by its task, never shared)."""

    id: str
    org_id: str
    specs: list[StepSpec]
    values: dict[str, Any]
    done: dict[int, Checkpoint]
    previous: list[dict[str, Any]] = field(default_factory=list)
    # Events the last commit logged `pending` (a step's, the run's failure): the executor hands them to the relay.
    relay: list[str] = field(default_factory=list)
    playbook_id: str = ""

    @property
    def parent(self) -> dict[str, Any]:
        """The parent run's link when a run_playbook step started this run (its context's `parent`), else {}."""
        link = self.values.get("parent")
        return link if isinstance(link, dict) and "execution_id" in link else {}

    def absorb(self, index: int, output: dict[str, Any]) -> None:
        """A finished step's output becomes addressable by later steps, under its id and action."""
        self.previous.append(output)
        for alias in step_aliases(self.specs[index]):
            self.values[alias] = output


@dataclass
class Next:
    """The step to run now: its params rendered and validated."""

    index: int
    spec: StepSpec
    step: Any
    params: Any
    base_attempts: int = 0
    suspect: bool = False  # found running after its process died: it runs again alone


@dataclass
class Plan:
    """What a transaction writes beside a step's outcome, and what happens after it."""

    skipped: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)
    failed: tuple[int, str, str] | None = None  # (index, action, error): the run fails there
    next: Next | None = None
    final: tuple[ExecutionStatus, str | None] | None = None
    # A `waiting` final: when the run wakes, and the run it waits for (None: only the instant).
    wake: tuple[datetime, str | None] | None = None
    woke_parent: bool = False  # this run ended and its parent, waiting for it, was woken now

    def fail(self, index: int, action: str, error: str, run_error: str) -> Plan:
        """The step at `index` fails before it starts (bad template, unknown action, poison): so does the run."""
        self.failed, self.final = (index, action, error), (ExecutionStatus.failed, run_error)
        return self


@dataclass
class Outcome:
    """How one step ended in this process."""

    index: int
    status: StepStatus
    output: dict[str, Any] | None
    error: str | None
    attempts: int
    unit: UnitOfWork | None = None
    waiting: bool = False  # the step asked for approval: the run waits (no next step) until it is decided
    wake_at: datetime | None = None  # the step parked the run (wait, run_playbook wait): it sleeps until then
    wake_on: str | None = None  # ... or until this run ends


Planner = Callable[[RunState, int], Plan]


class Checkpoints:
    """Every write the executor makes; each public method is one transaction (one commit) in a worker thread."""

    def __init__(self, engine: Engine, owner: str, lease: timedelta, clock: Clock, chain_limit: int = MAX_CHAIN_DEPTH) -> None:
        self.engine, self.owner, self.lease, self.clock = engine, owner, lease, clock
        self.chain_limit = chain_limit

    def claim(self, execution_id: str, plan: Planner) -> tuple[RunState, Plan] | None:
        """Take the run's lease if free or expired, count a crash against the step it died in, plan and mark the first step."""
        now = self.clock.now()
        at = {"_run": execution_id, "_now": now}
        with self.engine.connect() as conn:
            conn.execute(_COUNT_CRASH, at)
            taken = conn.execute(_TAKE, {**at, "_owner": self.owner, "_until": now + self.lease})
            if taken.rowcount != 1:
                conn.rollback()
                return None
            row = conn.execute(_CLAIMED, at).one()
            done = {r.index: Checkpoint(r.status, r.output, r.attempts, r.crashes) for r in conn.execute(_STEPS_OF, at)}
            state = RunState(execution_id, row.org_id, parse_steps(row.steps), dict(row.context), done,
                             playbook_id=row.playbook_id)
            planned = plan(state, 0)
            self._write(conn, state, None, planned, now)
            conn.commit()
        return state, planned

    def warm(self) -> None:
        """Run the claim's and a step's statements on no row, rolled back: the first run finds them compiled."""
        now = self.clock.now()
        at = {"_run": "ex_warm_up", "_now": now, "_owner": self.owner}
        with self.engine.connect() as conn:
            conn.execute(_COUNT_CRASH, at)
            conn.execute(_TAKE, {**at, "_until": now})
            conn.execute(_CLAIMED, at).all()
            conn.execute(_STEPS_OF, at).all()
            conn.execute(_STEP_UPDATE, {**at, "_index": 0, "status": StepStatus.completed, "output": {}, "error": None,
                                        "attempts": 1, "completed_at": now})
            conn.execute(_RUN_UPDATE, {**at, "lease_expires_at": now})
            conn.rollback()

    def mark_alone(self, state: RunState, index: int) -> None:
        """Write down that a suspect step now runs alone (a death from here on counts against it); renews the lease."""
        now = self.clock.now()
        with self.engine.connect() as conn:
            conn.execute(_STEP_UPDATE, {"_run": state.id, "_index": index, "alone": True})
            if conn.execute(_RUN_UPDATE, {"_run": state.id, "_owner": self.owner,
                                          "lease_expires_at": now + self.lease}).rowcount != 1:
                conn.rollback()
                raise LeaseLost(state.id)
            conn.commit()

    def advance(self, state: RunState, outcome: Outcome, plan: Planner) -> Plan:
        """One commit: the step's outcome and staged effects, the steps skipped after it, the next one marked, the lease renewed."""
        if outcome.status == StepStatus.completed and outcome.waiting:
            planned = Plan(final=(ExecutionStatus.waiting_approval, None))
        elif outcome.status == StepStatus.completed and outcome.wake_at is not None:
            planned = Plan(final=(ExecutionStatus.waiting, None), wake=(outcome.wake_at, outcome.wake_on))
        elif outcome.status == StepStatus.completed:
            planned = plan(state, outcome.index + 1)
        else:
            action = state.specs[outcome.index].action
            planned = Plan(final=(ExecutionStatus.failed, f"steps[{outcome.index}] ({action}): {outcome.error}"))
        with self.engine.connect() as conn:
            self._write(conn, state, outcome, planned, self.clock.now())
            conn.commit()
        return planned

    def _write(self, conn: Connection, state: RunState, outcome: Outcome | None, plan: Plan, now: datetime) -> None:
        # Step rows first, the run's row last: the same lock order as the claim (PostgreSQL deadlocks otherwise).
        if outcome is not None:
            self._put(conn, state, outcome.index, status=outcome.status, output=outcome.output, error=outcome.error,
                      attempts=outcome.attempts, completed_at=now)
            if outcome.unit:
                outcome.unit.apply(conn, state.org_id, f"{state.id}:{outcome.index}")
            if outcome.status == StepStatus.failed:  # what it claimed and never finished is for the next consumer
                conn.execute(CompetitiveActionRepository.release(f"{state.id}:{outcome.index}"))
        for index, action, seen in plan.skipped:
            self._put(conn, state, index, action=action, status=StepStatus.skipped, seen=seen,
                      started_at=now, completed_at=now)
        if plan.failed is not None:
            index, action, error = plan.failed
            self._put(conn, state, index, action=action, status=StepStatus.failed, error=error,
                      started_at=now, completed_at=now)
        if plan.next is not None and plan.next.index not in state.done:
            self._put(conn, state, plan.next.index, action=plan.next.spec.action, status=StepStatus.running,
                      attempts=1, started_at=now)
        values: dict[str, Any] = {"lease_expires_at": now + self.lease}
        if outcome is None and plan.final is None:
            return  # the claim itself just took the lease
        if plan.final is not None:
            status, error = plan.final
            values = {"status": status, "error": error, "completed_at": now, "lease_owner": None, "lease_expires_at": None}
            if status == ExecutionStatus.waiting_approval:
                del values["completed_at"]  # not over: a decision queues it again (scheduler.services.approvals)
            elif status == ExecutionStatus.waiting and plan.wake is not None:
                del values["completed_at"]  # asleep: the wake bell queues it again (scheduler.runs.wakeups)
                wake_at, wake_on = plan.wake
                if wake_on is not None and conn.execute(
                        select(E.c.status).where(E.c.id == wake_on)).scalar() in ENDED:
                    wake_at = now  # the child ended before its parent parked: wake at once
                    plan.wake = (now, wake_on)
                values.update(wake_at=wake_at, waits_for=wake_on)
            elif state.parent.get("wait"):
                # A parent parked until this child ends wakes now (the bell reads the child's status into its step).
                woke = conn.execute(update(E).where(E.c.id == state.parent["execution_id"],
                                                    E.c.status == ExecutionStatus.waiting, E.c.waits_for == state.id)
                                    .values(wake_at=now))
                plan.woke_parent = woke.rowcount == 1
        mine = conn.execute(_RUN_UPDATE, {"_run": state.id, "_owner": self.owner, **values})
        if mine.rowcount != 1:
            conn.rollback()  # nothing of this step is written: its new owner redoes it
            raise LeaseLost(state.id)
        state.relay = pending_of(outcome.unit if outcome is not None else None)
        if plan.final is not None and plan.final[0] == ExecutionStatus.failed:
            # `playbook.failed` commits with the failure itself: never a failure without its event, or the reverse.
            failed = record_failure(conn, state.id, state.org_id, state.values.get("trigger"), plan.final[1], now,
                                    self.chain_limit)
            state.relay += [failed] if failed else []

    @staticmethod
    def _put(conn: Connection, state: RunState, index: int, **values: Any) -> None:
        if index in state.done:
            values.pop("action", None)
            conn.execute(_STEP_UPDATE, {"_run": state.id, "_index": index, **values})
        else:
            conn.execute(_STEP_INSERT, {"id": new_id("sr"), "execution_id": state.id, "index": index,
                                        "attempts": 0, "crashes": 0, "alone": False, **values})
        state.done[index] = Checkpoint(str(values["status"]), values.get("output"), values.get("attempts", 0))

    def renew_all(self, held: set[str]) -> set[str]:
        """The heartbeat of every run this executor holds, in one statement; answers the ones it no longer holds."""
        if not held:
            return set()
        with self.engine.connect() as conn:
            kept = conn.execute(
                update(E).where(E.c.lease_owner == self.owner, E.c.status == ExecutionStatus.running)
                .values(lease_expires_at=self.clock.now() + self.lease).returning(E.c.id)
            ).scalars().all()
            conn.commit()
        return held - set(kept)

    def release(self) -> int:
        """Hand this executor's unfinished runs back at once (graceful stop); it does not count as an attempt."""
        with self.engine.connect() as conn:
            result = conn.execute(
                update(E).where(E.c.lease_owner == self.owner, E.c.status == ExecutionStatus.running)
                .values(lease_owner=None, lease_expires_at=self.clock.now(), attempts=E.c.attempts - 1)
            )
            conn.commit()
            return result.rowcount
