"""Runs an execution: claims it with a lease, runs steps in order, one commit per step (its checkpoint)."""
from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from scheduler.domain.clock import SYSTEM_CLOCK, Clock
from scheduler.domain.status import ExecutionStatus, StepStatus
from scheduler.expressions import ExpressionError, evaluate_condition, has_templates, render_value
from scheduler.marketing.writer import TemplateWriter, TextWriter
from scheduler.runs.checkpoints import (
    MAX_STEP_CRASHES,
    Checkpoints,
    LeaseLost,
    Next,
    Outcome,
    Plan,
    RunState,
)
from scheduler.runs.lane import HEARTBEAT, StoreLane
from scheduler.settings import Settings
from scheduler.steps.base import Accepted, Attempt, Once, StepContext, attempt
from scheduler.steps.host import StepHost
from scheduler.steps.registry import StepRegistry
from scheduler.store.repositories import Repositories, UnitOfWork
from scheduler.store.tables import Execution, SideEffect

__all__ = ["MAX_STEP_CRASHES", "Executor", "LeaseLost"]

log = logging.getLogger(__name__)


class Gate:
    """Steps share the process; a suspect step runs alone, so a death during it is plainly its own.

    Waiting steps of either kind queue behind a suspect that wants the process, so it gets it soon.
    """

    def __init__(self) -> None:
        self.sharing, self.alone, self.wanting = 0, False, 0
        self._waiters: list[asyncio.Future[None]] = []

    async def enter(self, alone: bool) -> None:
        """Wait for a turn: alongside other steps, or alone."""
        if alone:
            self.wanting += 1
            try:
                while self.alone or self.sharing:
                    await self._wait()
            finally:
                self.wanting -= 1
                self._wake()
            self.alone = True
        else:
            while self.alone or self.wanting:
                await self._wait()
            self.sharing += 1

    def leave(self, alone: bool) -> None:
        """End a turn taken with enter(alone)."""
        if alone:
            self.alone = False
        else:
            self.sharing -= 1
        self._wake()

    async def _wait(self) -> None:
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        await waiter

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)


def rendered_params(step: Any, params: dict[str, Any], values: dict[str, Any], seconds: float) -> Any:
    """A step's params with their templates rendered against the run's values (but its `raw_params`), as its Params model."""
    rendered = render_value({k: v for k, v in params.items() if k not in step.raw_params}, values, deadline=seconds)
    return step.Params.model_validate({**rendered, **{k: v for k, v in params.items() if k in step.raw_params}})


class Executor:
    """Executes runs; many executors (processes) may share one store safely through leases.

    A run costs one commit to claim (which also marks its first step running) and one commit per
    step: the step's output, the database-local effects it staged, the next step marked running
    (or the run finished) and the lease renewed, together. Each commit is one hop to a worker
    thread; the event loop itself never talks to the store.
    """

    def __init__(
        self, engine: Engine, settings: Settings, registry: StepRegistry,
        clock: Clock = SYSTEM_CLOCK, owner: str | None = None, backoff_seconds: float = 0.5,
        writer: TextWriter | None = None,
    ) -> None:
        self.engine, self.settings, self.registry, self.clock = engine, settings, registry, clock
        self.writer = writer or TemplateWriter()  # a model-backed writer comes from the app (agents), never imported here
        self.owner = owner or f"executor-{uuid.uuid4().hex[:8]}"
        self.backoff_seconds = backoff_seconds
        self.lease = timedelta(seconds=settings.lease_seconds)
        self.store = Repositories.on(engine)
        self.checkpoints = Checkpoints(engine, self.owner, self.lease, clock, settings.event_chain_limit)
        # SQLite has one writer: one lane thread keeps the oldest run's write first in line; PostgreSQL takes several.
        self.lane = StoreLane(1 if engine.dialect.name == "sqlite" else 4)
        # Fans out the events a commit logged (EventBus.deliver), set by the runtime; None: the sweep does it.
        self.relay: Callable[[str, list[str]], Any] | None = None
        self._held: dict[str, asyncio.Task[Any]] = {}  # runs this executor is running, by id
        self._lost: set[str] = set()
        self._heartbeat: asyncio.Task[None] | None = None
        self.gate = Gate()
        # What control steps use; the runtime adds child runs and the app the persona runner.
        self.host = StepHost(registry, self._once_for)
        # Told each instant a run parked here wakes at (the runtime's wake bell arms itself).
        self.on_park: Callable[[datetime], None] | None = None

    async def run(self, execution_id: str) -> str | None:
        """Run (or resume) one execution if its lease can be taken; returns its final status."""
        rank = self.lane.next_rank()
        claimed = await self.lane.call(rank, self.checkpoints.claim, execution_id, self._plan)
        if claimed is None:
            return None
        state, plan = claimed
        await self._hand_over(state)
        task = asyncio.current_task()
        if task is not None and plan.next is not None:
            self._held[execution_id] = task
            if self._heartbeat is None or self._heartbeat.done():
                self._heartbeat = asyncio.get_running_loop().create_task(self._beat(), name=f"heartbeat:{self.owner}")
        try:
            while plan.next is not None:
                alone = plan.next.suspect
                await self.gate.enter(alone)
                try:
                    if alone:
                        await self.lane.call(rank, self.checkpoints.mark_alone, state, plan.next.index)
                    outcome = await self._run_step(state, plan.next)
                    if outcome.status == StepStatus.completed and outcome.output is not None:
                        state.absorb(outcome.index, outcome.output)
                    plan = await self.lane.call(rank, self.checkpoints.advance, state, outcome, self._plan)
                    await self._hand_over(state)
                    self._parked(plan)
                finally:
                    self.gate.leave(alone)
        except LeaseLost:
            log.warning("execution %s: lease lost, leaving it to its new owner", execution_id)
            return None
        except asyncio.CancelledError:
            if execution_id in self._lost:
                return None
            # Shutdown or crash: the rows stay as they are and the recovery sweep resumes the run.
            raise
        finally:
            self._held.pop(execution_id, None)
            self._lost.discard(execution_id)
            if not self._held and self._heartbeat is not None:
                self._heartbeat.cancel()  # nothing left to renew; the next run starts a new one
        status = plan.final[0] if plan.final else ExecutionStatus.completed
        log.info("execution %s %s", execution_id, status)
        return status

    async def _hand_over(self, state: RunState) -> None:
        """Fan out the events the last commit logged; on failure the sweep's relay does it later."""
        if not state.relay or self.relay is None:
            return
        event_ids, state.relay = state.relay, []
        try:
            await asyncio.to_thread(self.relay, state.org_id, event_ids)
        except Exception:
            log.exception("events %s of %s: fan-out failed; the sweep retries", event_ids, state.id)

    def _plan(self, state: RunState, start: int) -> Plan:
        """From step `start` on (in a worker thread): pass finished steps, skip false conditions, render the next."""
        plan = Plan()
        for index in range(start, len(state.specs)):
            spec, checkpoint = state.specs[index], state.done.get(index)
            if checkpoint is not None and checkpoint.status == StepStatus.completed:
                state.absorb(index, checkpoint.output or {})
                continue
            if checkpoint is not None and checkpoint.status == StepStatus.skipped:
                continue  # as on the first pass: a skipped step lends its name to nothing
            if checkpoint is not None and checkpoint.crashes >= MAX_STEP_CRASHES:
                why = f"the process running this step died {checkpoint.crashes} times; given up"
                return plan.fail(index, spec.action, why, f"steps[{index}] ({spec.action}): {why}")
            step = self.registry.get(spec.action)
            if step is None:
                why = f"unknown action {spec.action!r}"
                return plan.fail(index, spec.action, why, f"steps[{index}]: {why}")
            try:
                if spec.condition:
                    outcome = evaluate_condition(spec.condition, state.values)
                    if not outcome.result:
                        plan.skipped.append((index, spec.action, outcome.seen))
                        continue
            except ExpressionError as exc:
                return plan.fail(index, spec.action, str(exc), f"steps[{index}] ({spec.action}): {exc}")
            # Params are rendered when the step runs, inside its timeout (_run_step), not here in the commit's thread.
            # A step with a checkpoint here was left running by a process that stopped: suspect until it ends.
            plan.next = Next(index, spec, step, None, base_attempts=checkpoint.attempts if checkpoint else 0,
                             suspect=checkpoint is not None)
            return plan
        plan.final = (ExecutionStatus.completed, None)
        return plan

    async def _run_step(self, state: RunState, nxt: Next) -> Outcome:
        step, key = nxt.step, f"{state.id}:{nxt.index}"
        parent = state.parent
        ctx = StepContext(
            org_id=state.org_id, execution_id=state.id, step_index=nxt.index, values=state.values,
            settings=self.settings, store=self.store, clock=self.clock, previous=list(state.previous),
            once=self._once_for(state.org_id, key), writer=self.writer, host=self.host, depth=int(parent.get("depth", 0)),
            chain=(state.playbook_id, *parent.get("chain", ())),
        )
        error, attempts = "no attempt made", 0
        deadline = asyncio.get_running_loop().time() + step.timeout_seconds
        try:
            # Rendering counts against the step's timeout: a template is bounded in size (the sandbox) and in time (here).
            if has_templates(nxt.spec.params):  # worth a worker thread: a template may take its time (within the deadline)
                async with asyncio.timeout_at(deadline):
                    params = await asyncio.to_thread(rendered_params, step, nxt.spec.params, state.values, step.timeout_seconds)
            else:  # plain values: only the model's check, on the loop (no thread hop on the hot path)
                params = rendered_params(step, nxt.spec.params, state.values, step.timeout_seconds)
        except TimeoutError:
            return Outcome(nxt.index, StepStatus.failed, None, f"rendering its params timed out after {step.timeout_seconds:g}s",
                           nxt.base_attempts + 1)
        except (ExpressionError, ValidationError) as exc:
            why = params_problem(exc) if isinstance(exc, ValidationError) else str(exc)
            return Outcome(nxt.index, StepStatus.failed, None, why, nxt.base_attempts + 1)
        while attempts < step.max_attempts:
            attempts += 1
            ctx.unit, ctx.waiting = UnitOfWork(), False  # what a failed attempt staged is dropped with it
            ctx.wake_at = ctx.wake_on = None
            try:
                # The first attempt shares the step's timeout with the rendering; a retry gets a whole one.
                tried = await attempt(step, params, ctx, deadline if attempts == 1 else None)
            except (LeaseLost, asyncio.CancelledError):
                raise
            except Exception as exc:
                # A bug or an unforeseen input: fail this run clearly rather than crash and resume forever.
                log.exception("step %s of %s raised", nxt.index, state.id)
                tried = Attempt(None, f"unexpected error: {exc.__class__.__name__}: {exc}")
            if tried.output is not None:
                return Outcome(nxt.index, StepStatus.completed, tried.output, None, nxt.base_attempts + attempts, ctx.unit,
                               waiting=ctx.waiting, wake_at=ctx.wake_at, wake_on=ctx.wake_on)
            error, retry = tried.error, tried.retry
            if not retry or attempts == step.max_attempts:
                break
            await self.clock.sleep(self.backoff_seconds * 2 ** (attempts - 1))
        return Outcome(nxt.index, StepStatus.failed, None, error, nxt.base_attempts + attempts)

    def _parked(self, plan: Plan) -> None:
        """Ring the wake bell for a run that parked here, or for a parent this run's end woke."""
        if self.on_park is None:
            return
        if plan.wake is not None:
            self.on_park(plan.wake[0])
        elif plan.woke_parent:
            self.on_park(self.clock.now())

    async def _beat(self) -> None:
        """Renew the leases of all runs of this executor in one statement per interval, while it holds any."""
        while self._held:
            await asyncio.sleep(max(self.lease.total_seconds() / 3, 0.05))
            try:
                lost = await self.lane.call(HEARTBEAT, self.checkpoints.renew_all, set(self._held))
            except Exception:
                # A busy or unreachable store: try again next beat; the lease is three beats long.
                log.exception("heartbeat of %s failed", self.owner)
                continue
            for execution_id in lost:
                task = self._held.get(execution_id)
                if task is not None:
                    self._lost.add(execution_id)
                    task.cancel()

    def _once_for(self, org_id: str, key: str) -> Once:
        """A guard that does an outside side effect only if none is recorded under `key`, and records it."""

        def recorded() -> dict[str, Any] | None:
            with Session(self.engine) as session:
                done = session.get(SideEffect, key)
                if done is not None:
                    return dict(done.result)
                # Only the lease holder may act: a run taken over elsewhere must not send too.
                owner = session.exec(select(Execution.lease_owner).where(Execution.id == key.split(":", 1)[0])).first()
                if owner != self.owner:
                    raise LeaseLost(key)
                return None

        def record(kind: str, result: dict[str, Any]) -> None:
            with Session(self.engine) as session:
                session.add(SideEffect(key=key, org_id=org_id, kind=kind, result=result))
                try:
                    session.commit()
                except IntegrityError:
                    session.rollback()

        async def once(kind: str, effect: Callable[[Accepted], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
            done = await asyncio.to_thread(recorded)
            if done is not None:
                return done
            early: list[dict[str, Any]] = []

            async def accepted(result: dict[str, Any]) -> None:
                await asyncio.to_thread(record, kind, result)
                early.append(result)

            result = await effect(accepted)
            if not early:
                await asyncio.to_thread(record, kind, result)
            return early[0] if early else result

        return once

    def release_leases(self) -> int:
        """Hand this executor's unfinished runs back at once (graceful stop); it does not count as an attempt.

        The store lane is closed first: the writes already queued there finish before the leases go.
        """
        self.lane.close()
        return self.checkpoints.release()


def params_problem(exc: ValidationError) -> str:
    """Rendered params that do not fit, one clause each: 'params.subject: the subject must be one line: ...'."""
    return "; ".join(f"params.{'.'.join(map(str, e['loc'])) or '(all)'}: {e['msg']}" for e in exc.errors())
