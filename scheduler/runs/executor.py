"""Runs an execution: claims it with a lease, runs steps in order, checkpoints after each."""
from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import or_, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from scheduler.domain.clock import SYSTEM_CLOCK, Clock
from scheduler.domain.spec import StepSpec, step_aliases
from scheduler.domain.status import ExecutionStatus, StepStatus
from scheduler.expressions import ExpressionError, evaluate_condition, render_value
from scheduler.settings import Settings
from scheduler.steps.base import StepContext, StepError
from scheduler.steps.registry import StepRegistry
from scheduler.store.repositories import Repositories
from scheduler.store.tables import Execution, SideEffect, StepRun

log = logging.getLogger(__name__)
RESUMABLE = (ExecutionStatus.queued, ExecutionStatus.running)
# A run whose process died this many times is given up rather than resumed forever.
MAX_RUN_ATTEMPTS = 5


class StepFailed(Exception):
    """A step ended in failure; the run stops there."""


class LeaseLost(Exception):
    """Another executor holds this run now; this one must stop without writing."""


class Executor:
    """Executes runs; many executors (processes) may share one store safely through leases."""

    def __init__(
        self, engine: Engine, settings: Settings, registry: StepRegistry,
        clock: Clock = SYSTEM_CLOCK, owner: str | None = None, backoff_seconds: float = 0.5,
    ) -> None:
        self.engine, self.settings, self.registry, self.clock = engine, settings, registry, clock
        self.owner = owner or f"executor-{uuid.uuid4().hex[:8]}"
        self.backoff_seconds = backoff_seconds
        self.lease = timedelta(seconds=settings.lease_seconds)
        self.store = Repositories.on(engine)

    async def run(self, execution_id: str) -> str | None:
        """Run (or resume) one execution if its lease can be taken; returns its final status."""
        attempts = await asyncio.to_thread(self._claim, execution_id)
        if attempts is None:
            return None
        if attempts > MAX_RUN_ATTEMPTS:
            return await asyncio.to_thread(
                self._finish, execution_id, ExecutionStatus.failed, f"gave up after {MAX_RUN_ATTEMPTS} attempts to run it"
            )
        lost = asyncio.Event()
        heartbeat = asyncio.create_task(self._heartbeat(execution_id, asyncio.current_task(), lost))
        try:
            return await self._run_steps(execution_id)
        except LeaseLost:
            log.warning("execution %s: lease lost, leaving it to its new owner", execution_id)
            return None
        except asyncio.CancelledError:
            if lost.is_set():
                return None
            # Shutdown or crash: the row stays as it is and the recovery sweep resumes it.
            raise
        finally:
            heartbeat.cancel()

    def _claim(self, execution_id: str) -> int | None:
        """Take the run's lease if it is free or expired; returns its attempt number, or None."""
        now = self.clock.now()
        with Session(self.engine) as session:
            result = session.execute(
                update(Execution)
                .where(
                    Execution.id == execution_id,
                    Execution.status.in_(RESUMABLE),
                    or_(Execution.lease_expires_at.is_(None), Execution.lease_expires_at < now),
                )
                .values(
                    status=ExecutionStatus.running, lease_owner=self.owner,
                    lease_expires_at=now + self.lease, attempts=Execution.attempts + 1,
                )
            )
            session.commit()
            if result.rowcount != 1:
                return None
            execution = session.get(Execution, execution_id)
            if execution.started_at is None:
                execution.started_at = now
                session.add(execution)
                session.commit()
            return execution.attempts

    async def _heartbeat(self, execution_id: str, runner: asyncio.Task[Any] | None, lost: asyncio.Event) -> None:
        while True:
            await asyncio.sleep(max(self.lease.total_seconds() / 3, 0.05))
            if not await asyncio.to_thread(self._renew, execution_id):
                lost.set()
                if runner is not None:
                    runner.cancel()
                return

    def _renew(self, execution_id: str) -> bool:
        with Session(self.engine) as session:
            result = session.execute(
                update(Execution)
                .where(Execution.id == execution_id, Execution.lease_owner == self.owner)
                .values(lease_expires_at=self.clock.now() + self.lease)
            )
            session.commit()
            return result.rowcount == 1

    def _assert_owner(self, session: Session, execution_id: str) -> None:
        owner = session.exec(select(Execution.lease_owner).where(Execution.id == execution_id)).first()
        if owner != self.owner:
            raise LeaseLost(execution_id)

    def _load(self, execution_id: str) -> tuple[Execution, dict[int, StepRun]]:
        with Session(self.engine) as session:
            execution = session.get(Execution, execution_id)
            done = {r.index: r for r in session.exec(select(StepRun).where(StepRun.execution_id == execution_id))}
        return execution, done

    async def _run_steps(self, execution_id: str) -> str:
        # Database calls run in threads: a busy SQLite writer must not stall the event loop.
        execution, done = await asyncio.to_thread(self._load, execution_id)
        values: dict[str, Any] = dict(execution.context)
        previous: list[dict[str, Any]] = []
        for index, spec in enumerate(execution.step_specs):
            checkpoint = done.get(index)
            if checkpoint is not None and checkpoint.status == StepStatus.completed:
                output = checkpoint.output or {}
            elif checkpoint is not None and checkpoint.status == StepStatus.skipped:
                output = None  # as on the first pass: a skipped step lends its name to nothing
            else:
                try:
                    output = await self._run_step(execution, index, spec, values, previous)
                except StepFailed as exc:
                    return await asyncio.to_thread(self._finish, execution_id, ExecutionStatus.failed, str(exc))
            if output is not None:
                previous.append(output)
                for alias in step_aliases(spec):
                    values[alias] = output
            if not await asyncio.to_thread(self._renew, execution_id):
                raise LeaseLost(execution_id)
        return await asyncio.to_thread(self._finish, execution_id, ExecutionStatus.completed, None)

    async def _run_step(
        self, execution: Execution, index: int, spec: StepSpec, values: dict[str, Any], previous: list[dict[str, Any]]
    ) -> dict[str, Any] | None:
        step = self.registry.get(spec.action)
        if step is None:
            await asyncio.to_thread(
                self._record, execution.id, index, spec.action, StepStatus.failed, None, None, f"unknown action {spec.action!r}")
            raise StepFailed(f"steps[{index}]: unknown action {spec.action!r}")
        try:
            if spec.condition:
                outcome = evaluate_condition(spec.condition, values)
                if not outcome.result:
                    await asyncio.to_thread(self._record, execution.id, index, spec.action, StepStatus.skipped, None, outcome.seen)
                    return None
            # Rendering runs in a thread so a heavy template cannot stall the loop (and the heartbeat).
            params = step.Params.model_validate(await asyncio.to_thread(render_value, spec.params, values))
        except (ExpressionError, ValidationError) as exc:
            await asyncio.to_thread(self._record, execution.id, index, spec.action, StepStatus.failed, None, None, str(exc))
            raise StepFailed(f"steps[{index}] ({spec.action}): {exc}") from exc
        ctx = StepContext(
            org_id=execution.org_id, execution_id=execution.id, step_index=index, values=values,
            settings=self.settings, store=self.store, clock=self.clock, previous=list(previous),
            once=self._once_for(execution.org_id, f"{execution.id}:{index}"),
        )
        await asyncio.to_thread(self._record, execution.id, index, spec.action, StepStatus.running)
        error = "no attempt made"
        for attempt in range(step.max_attempts):
            await asyncio.to_thread(self._count_attempt, execution.id, index)
            try:
                result = await asyncio.wait_for(step.run(params, ctx), timeout=step.timeout_seconds)
                output = step.Output.model_validate(result.model_dump()).model_dump(mode="json")
            except TimeoutError:
                error, retry = f"timed out after {step.timeout_seconds:g}s", True
            except StepError as exc:
                error, retry = str(exc), exc.retryable
            except ValidationError as exc:
                error, retry = f"output does not fit {step.Output.__name__}: {exc}", False
            except (LeaseLost, asyncio.CancelledError):
                raise
            except Exception as exc:
                # A bug or an unforeseen input: fail this run clearly rather than crash and resume forever.
                log.exception("step %s of %s raised", index, execution.id)
                error, retry = f"unexpected error: {exc.__class__.__name__}: {exc}", False
            else:
                await asyncio.to_thread(self._record, execution.id, index, spec.action, StepStatus.completed, output)
                return output
            if not retry or attempt + 1 == step.max_attempts:
                break
            await self.clock.sleep(self.backoff_seconds * 2**attempt)
        await asyncio.to_thread(self._record, execution.id, index, spec.action, StepStatus.failed, None, None, error)
        raise StepFailed(f"steps[{index}] ({spec.action}): {error}")

    def _once_for(self, org_id: str, key: str) -> Callable[[str, Callable[[], Awaitable[dict[str, Any]]]], Awaitable[dict[str, Any]]]:
        """A guard that does a side effect only if none is recorded under `key`, then records it."""

        def recorded() -> dict[str, Any] | None:
            with Session(self.engine) as session:
                done = session.get(SideEffect, key)
                if done is not None:
                    return dict(done.result)
                # Only the lease holder may act: a run taken over elsewhere must not send too.
                self._assert_owner(session, key.rsplit(":", 1)[0])
                return None

        def record(kind: str, result: dict[str, Any]) -> None:
            with Session(self.engine) as session:
                session.add(SideEffect(key=key, org_id=org_id, kind=kind, result=result))
                try:
                    session.commit()
                except IntegrityError:
                    session.rollback()

        async def once(kind: str, effect: Callable[[], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
            done = await asyncio.to_thread(recorded)
            if done is not None:
                return done
            result = await effect()
            await asyncio.to_thread(record, kind, result)
            return result

        return once

    def _record(
        self, execution_id: str, index: int, action: str, status: StepStatus,
        output: dict[str, Any] | None = None, seen: dict[str, Any] | None = None, error: str | None = None,
    ) -> None:
        now = self.clock.now()
        with Session(self.engine) as session:
            self._assert_owner(session, execution_id)
            row = session.exec(select(StepRun).where(StepRun.execution_id == execution_id, StepRun.index == index)).first()
            if row is None:
                row = StepRun(execution_id=execution_id, index=index, action=action, started_at=now)
            row.status, row.error = status, error
            if output is not None:
                row.output = output
            if seen is not None:
                row.seen = seen
            if status is not StepStatus.running:
                row.completed_at = now
            session.add(row)
            session.commit()

    def release_leases(self) -> int:
        """Hand this executor's unfinished runs back at once (graceful stop); it does not count as an attempt."""
        with Session(self.engine) as session:
            result = session.execute(
                update(Execution)
                .where(Execution.lease_owner == self.owner, Execution.status == ExecutionStatus.running)
                .values(lease_owner=None, lease_expires_at=self.clock.now(), attempts=Execution.attempts - 1)
            )
            session.commit()
            return result.rowcount

    def _count_attempt(self, execution_id: str, index: int) -> None:
        with Session(self.engine) as session:
            session.execute(
                update(StepRun).where(StepRun.execution_id == execution_id, StepRun.index == index)
                .values(attempts=StepRun.attempts + 1)
            )
            session.commit()

    def _finish(self, execution_id: str, status: ExecutionStatus, error: str | None) -> str:
        with Session(self.engine) as session:
            result = session.execute(
                update(Execution)
                .where(Execution.id == execution_id, Execution.lease_owner == self.owner)
                .values(status=status, error=error, completed_at=self.clock.now(),
                        lease_owner=None, lease_expires_at=None)
            )
            session.commit()
            if result.rowcount != 1:
                raise LeaseLost(execution_id)
        log.info("execution %s %s", execution_id, status)
        return status
