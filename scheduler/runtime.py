"""The engine assembled: store, registry, executor, dispatcher, schedules and services, started and stopped together."""
from __future__ import annotations

import asyncio
import gc
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from scheduler.demo.seed import seed_demo
from scheduler.domain.clock import SYSTEM_CLOCK, Clock
from scheduler.events.bus import EventBus
from scheduler.events.lapsed import LapsedCustomers
from scheduler.marketing.writer import TextWriter
from scheduler.runs.children import ChildRunStarter
from scheduler.runs.dispatch import Dispatcher, InlineDispatcher
from scheduler.runs.executor import Executor
from scheduler.runs.ledger import release_waiting
from scheduler.runs.recovery import orphaned_executions
from scheduler.runs.start import RunStarter
from scheduler.runs.wakeups import wake_due
from scheduler.services.approvals import ApprovalService
from scheduler.services.follow_up import follow_up
from scheduler.services.heartbeat import HeartbeatService
from scheduler.services.playbooks import PlaybookService
from scheduler.services.shop import ShopService
from scheduler.settings import Settings
from scheduler.steps.host import DelegateRunner
from scheduler.steps.registry import StepRegistry, default_registry
from scheduler.store.db import make_engine, migrate
from scheduler.triggers.doorbell import Doorbell
from scheduler.triggers.schedule import ScheduleJobs

log = logging.getLogger(__name__)
TICK_EVERY = timedelta(minutes=1)  # approval timeouts and heartbeats (Runtime.tick)


def make_dispatcher(settings: Settings, executor: Executor) -> Dispatcher:
    """PLAYBOOKS_EXECUTOR's dispatcher: runs as tasks of this process (inline), or sent to Celery workers."""
    if settings.executor == "celery":
        from scheduler.scaleout.dispatch import CeleryDispatcher  # Celery is imported only where it is used

        return CeleryDispatcher.from_settings(settings)
    return InlineDispatcher(executor)


@dataclass
class Runtime:
    """One process's engine: what `serve` runs and what the API and tools call."""

    settings: Settings
    engine: Engine
    registry: StepRegistry
    executor: Executor
    dispatcher: Dispatcher
    jobs: ScheduleJobs
    playbooks: PlaybookService
    runs: RunStarter
    clock: Clock = SYSTEM_CLOCK
    _sweeper: asyncio.Task[None] | None = field(default=None, repr=False)
    approvals: ApprovalService = field(init=False, repr=False)
    heartbeat: HeartbeatService = field(init=False, repr=False)
    events: EventBus = field(init=False, repr=False)
    shop: ShopService = field(init=False, repr=False)
    lapsed: LapsedCustomers = field(init=False, repr=False)
    wakeups: Doorbell = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.events = EventBus(self.engine, self.runs, self.clock, self.settings.event_chain_limit)
        # What a run's commit logs (a step's events, playbook.failed) is fanned out right after it.
        self.executor.relay = self.events.deliver
        self.shop = ShopService(self.events, self.clock)
        self.lapsed = LapsedCustomers(self.events, self.settings.customer_lapsed_days, self.clock)
        self.approvals = ApprovalService(self.engine, self.clock)
        self.heartbeat = HeartbeatService(self.engine, self.clock, self.settings.heartbeat_interval_seconds)
        if isinstance(self.dispatcher, InlineDispatcher):
            self.dispatcher.after_run = self._after_run
        # Parked runs (wait, run_playbook wait) sleep in the ledger; this bell rings at the earliest wake_at.
        self.wakeups = Doorbell(self._wake_ring, self.clock)
        self.executor.on_park = self.wakeups.moved
        self.executor.host.children = ChildRunStarter(self.engine, self.runs)

    @classmethod
    def build(
        cls, settings: Settings, clock: Clock = SYSTEM_CLOCK, demo: bool = False, registry: StepRegistry | None = None,
        writer: TextWriter | None = None,
    ) -> Runtime:
        """Open the store (migrated, optionally seeded) and wire the parts; nothing runs yet.

        `writer` writes steps' customer-facing text (a model, from the app); templates without one.
        """
        engine = make_engine(settings)
        migrate(engine)
        if demo:
            seed_demo(engine, clock)
        registry = registry or default_registry()
        executor = Executor(engine, settings, registry, clock=clock, writer=writer)
        dispatcher = make_dispatcher(settings, executor)
        runs = RunStarter(engine, dispatcher.dispatch, clock=clock, dispatch_many=dispatcher.dispatch_many)
        jobs = ScheduleJobs(engine, runs, clock=clock)
        playbooks = PlaybookService(engine, registry, jobs, clock=clock)
        return cls(settings, engine, registry, executor, dispatcher, jobs, playbooks, runs, clock)

    def use_delegate(self, runner: DelegateRunner | None) -> None:
        """Hand the engine the persona runner `delegate` steps use (the app builds it from agents; never imported here)."""
        self.executor.host.delegate = runner

    async def start(self) -> None:
        """Catch up on slots that came due while down, arm the schedule doorbell, start the recovery sweep."""
        self.dispatcher.bind(asyncio.get_running_loop())
        self.sweep()
        # Off the loop: after a long outage this files many rows.
        await asyncio.to_thread(self.jobs.catch_up)
        await asyncio.to_thread(self._warm)
        self.jobs.start()
        _, earliest = await asyncio.to_thread(self.wake)
        self.wakeups.start(earliest)
        self._sweeper = asyncio.get_running_loop().create_task(self._sweep_forever())

    async def stop(self, grace_seconds: float = 10.0) -> None:
        """Stop firing, let steps in flight finish (bounded), and hand unfinished runs to the next start."""
        self.jobs.shutdown()
        self.wakeups.stop()
        if self._sweeper is not None:
            self._sweeper.cancel()
        # Cancelling mid-send would lose the record of a sent mail and send it again on resume.
        await self.dispatcher.drain(timeout=grace_seconds)
        await self.dispatcher.abandon()
        self.executor.release_leases()
        self.engine.dispose()
        close = getattr(self.dispatcher, "close", None)  # a queue-backed dispatcher's broker connections
        if close is not None:
            close()

    def _warm(self) -> None:
        # The first fire and the first run of a process compiled their statements first (5 to 15 ms late).
        self.jobs.warm()
        self.executor.checkpoints.warm()

    def sweep(self) -> list[str]:
        """Dispatch every run whose process died (lease expired) or that was never picked up, or whose turn has come."""
        orphans = orphaned_executions(self.engine, self.clock)
        for execution_id in orphans:
            log.info("resuming execution %s", execution_id)
        # Events a crash left pending between a run's commit and their fan-out: their runs start now.
        self.events.deliver_pending()
        # A queue-backed dispatcher resends a run at most once a while: its first message may still wait in the queue.
        recover = getattr(self.dispatcher, "recover", None)
        if recover is not None:
            recover(orphans)
        else:
            self.dispatcher.dispatch_many(orphans)
        # Overlap policy queue: followers of runs that ended in another process, or before a restart.
        released = self.release_waiting()
        # Runs parked by another process (or whose child ended there) whose time has come; the bell rings at the
        # earliest wake-up left, so a run another process parked for a short while is not woken a sweep late.
        woken, earliest = self.wake()
        self.wakeups.moved(earliest)
        return orphans + released + woken

    def wake(self) -> tuple[list[str], datetime | None]:
        """Queue and dispatch the parked runs that are due; answers them and the earliest wake-up left (the bell's ring)."""
        woken, earliest = wake_due(self.engine, self.clock)
        for execution_id in woken:
            log.info("waking execution %s", execution_id)
        self.dispatcher.dispatch_many(woken)
        return woken, earliest

    def _wake_ring(self) -> tuple[int, datetime | None]:
        woken, earliest = self.wake()
        return len(woken), earliest

    def release_waiting(self, ended: list[str] | None = None) -> list[str]:
        """Dispatch the runs queued behind runs that have ended (of `ended`, or any)."""
        with self.engine.begin() as conn:
            released = release_waiting(conn, ended)
        self.dispatcher.dispatch_many(released)
        return released

    async def _after_run(self, execution_id: str) -> None:
        # Only a run that a queued run of this process waits for costs a query.
        if execution_id in self.runs.waited_on:
            self.runs.waited_on.discard(execution_id)
            await asyncio.to_thread(self.release_waiting, [execution_id])

    def tick(self) -> list[str]:
        """The periodic checks: approval timeouts (their runs resume), due heartbeats and their follow-up runs for the
        actions waiting on a persona, the daily lapsed-customer check (answers the runs resumed or started)."""
        resumed = [d.resumed for d in self.approvals.expire_due() if d.resumed]
        for execution_id in resumed:
            self.dispatcher.dispatch(execution_id)
        beaten = self.heartbeat.beat_due()
        self.lapsed.check_due()
        return resumed + follow_up(self.playbooks, self.runs, beaten, self.clock.now())

    def tick_turn(self) -> bool:
        """Whether this process ticks now: always, alone; with several schedulers on one queue, one of them a minute.

        Two processes ticking together would both find an organisation's heartbeat due and both beat it
        (and both make its follow-up playbook, the first time).
        """
        take_turn = getattr(self.dispatcher, "take_turn", None)
        return take_turn is None or take_turn("tick", TICK_EVERY.total_seconds() - 5)

    async def _sweep_forever(self) -> None:
        # Timeouts are in hours and heartbeats hourly: a tick a minute is plenty, and keeps the sweep light.
        ticked = self.clock.now()
        while True:
            await asyncio.sleep(self.settings.recovery_interval_seconds)
            try:
                await asyncio.to_thread(self.sweep)
                # Schedules changed by another process (the CLI, another server): the rows say when to ring.
                await asyncio.to_thread(self.jobs.reconcile)
                if self.clock.now() - ticked >= TICK_EVERY:
                    ticked = self.clock.now()
                    if await asyncio.to_thread(self.tick_turn):
                        await asyncio.to_thread(self.tick)
            except Exception:
                log.exception("recovery sweep failed")


def freeze_heap() -> None:
    """Move what start-up made out of the garbage collector's sight, after collecting what is already garbage.

    Modules, models and the chat graph (~380,000 objects in `serve`) live as long as the process; a full
    collection walked them all, a 180 ms pause of every request in flight (GET p99 195 ms under load,
    24 ms frozen). Only for a server or worker process: frozen objects that later form garbage cycles
    are never collected, so a test run that starts many apps must not call it.
    """
    gc.collect()
    gc.freeze()
