"""APScheduler wiring: jobs derived from active playbooks' schedule triggers; a fire opens a run."""
from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from scheduler.domain.clock import SYSTEM_CLOCK, Clock
from scheduler.domain.keys import DedupeKey
from scheduler.domain.spec import ScheduleTrigger
from scheduler.domain.status import ExecutionStatus, PlaybookStatus, TriggeredBy
from scheduler.runs.ledger import open_execution
from scheduler.runs.start import Firing, RunRefused, RunStarter
from scheduler.store.tables import Execution, Playbook
from scheduler.timing.cron import CronsimTrigger, next_fire_times
from scheduler.timing.slots import MISFIRE_GRACE, slot_at

__all__ = ["MISFIRE_GRACE", "PlaybookJobs", "slot_at"]
log = logging.getLogger(__name__)
MISSED_PER_PASS = 100


class PlaybookJobs:
    """Keeps one APScheduler job per schedule trigger of each active playbook, and nothing else."""

    def __init__(self, engine: Engine, runs: RunStarter, clock: Clock = SYSTEM_CLOCK) -> None:
        self.engine, self.runs, self.clock = engine, runs, clock
        self.aps = AsyncIOScheduler(timezone=UTC)

    def start(self) -> None:
        """Start APScheduler and derive the job set from the store."""
        self.aps.start()
        self.rebuild()

    def shutdown(self) -> None:
        """Stop firing; runs in flight are left to the executor."""
        if self.aps.running:
            self.aps.shutdown(wait=False)

    def rebuild(self) -> None:
        """Make the job set exactly that of the active playbooks in the store (start, and periodically)."""
        with Session(self.engine) as session:
            active = session.exec(
                select(Playbook).where(Playbook.status == PlaybookStatus.active, Playbook.deleted_at.is_(None))
            ).all()
        wanted = {job_id: (playbook, index) for playbook in active for job_id, index in _job_ids(playbook)}
        for job in self.aps.get_jobs():
            if job.id.startswith("pb:") and job.id not in wanted:
                job.remove()
        have = set(self.job_ids())
        for playbook in {p.id: p for p, _ in wanted.values()}.values():
            if not {job_id for job_id, _ in _job_ids(playbook)} <= have:
                try:
                    self.sync(playbook)
                except Exception:
                    # One bad row must not keep every other playbook from being scheduled.
                    log.exception("cannot schedule playbook %s", playbook.id)

    def catch_up(self) -> list[str]:
        """Run the slot that came due while no scheduler ran (within grace); record older ones as missed."""
        now = self.clock.now()
        with Session(self.engine) as session:
            active = session.exec(
                select(Playbook).where(Playbook.status == PlaybookStatus.active, Playbook.deleted_at.is_(None))
            ).all()
        opened = []
        for playbook in active:
            self._record_missed(playbook, now)
            for _, trigger in playbook.schedules:
                slot = slot_at(trigger.cron, trigger.zone, now)
                # A slot before the playbook was last made active or changed is not owed.
                if slot is not None and slot >= playbook.updated_at:
                    opened.append(self.fire_slot(playbook, slot))
        return [run_id for run_id in opened if run_id is not None]

    def _record_missed(self, playbook: Playbook, now: datetime) -> None:
        """Every slot leaves a record: a slot past its grace window with no run gets a `missed` row."""
        with Session(self.engine) as session:
            latest = session.exec(
                select(func.max(Execution.scheduled_for)).where(
                    Execution.playbook_id == playbook.id, Execution.triggered_by == TriggeredBy.schedule)
            ).one()
            since = max(filter(None, [playbook.updated_at, latest]))
            known = set(session.exec(select(Execution.dedupe_key).where(
                Execution.playbook_id == playbook.id, Execution.scheduled_for >= since - timedelta(days=1))).all())
        for _, trigger in playbook.schedules:
            # Bounded per pass: a long outage is written down over a few reconcile passes.
            for slot in next_fire_times(trigger.cron, trigger.zone, since, MISSED_PER_PASS):
                if slot > now - MISFIRE_GRACE:
                    break
                key = DedupeKey.schedule(slot)
                if key not in known:
                    # Not a start (nothing runs): the bare ledger insert, closed at once.
                    open_execution(
                        self.engine, playbook, triggered_by=TriggeredBy.schedule, dedupe_key=key,
                        scheduled_for=slot.astimezone(UTC),
                        closed_as=(ExecutionStatus.missed, "the scheduler was not running when this slot came due"),
                    )

    def sync(self, playbook: Playbook) -> None:
        """Make this playbook's jobs match its status and triggers (called on every change)."""
        for job in self.aps.get_jobs():
            if job.id.startswith(f"pb:{playbook.id}:"):
                job.remove()
        if not playbook.is_live:
            return
        for index, trigger in playbook.schedules:
            self.aps.add_job(
                self.fire, CronsimTrigger(trigger.cron, trigger.zone, offset=self.clock.offset),
                args=[playbook.id, index], id=_job_id(playbook, index),
                misfire_grace_time=int(MISFIRE_GRACE.total_seconds()), coalesce=True, max_instances=10,
            )

    def job_ids(self) -> list[str]:
        """Ids of the playbook jobs APScheduler holds now."""
        return sorted(j.id for j in self.aps.get_jobs() if j.id.startswith("pb:"))

    async def fire(self, playbook_id: str, trigger_index: int) -> str | None:
        """A job fired: open the run for the slot that is due (once per slot) and dispatch it."""
        # In a thread: the store may be busy, and the event loop must keep serving.
        return await asyncio.to_thread(self._fire_due, playbook_id, trigger_index)

    def _fire_due(self, playbook_id: str, trigger_index: int) -> str | None:
        with Session(self.engine) as session:
            playbook = session.get(Playbook, playbook_id)
        if playbook is None or not playbook.is_live:
            return None
        trigger = playbook.trigger_specs[trigger_index]
        if not isinstance(trigger, ScheduleTrigger):
            log.warning("playbook %s fired for trigger %s, which is no schedule", playbook_id, trigger_index)
            return None
        slot = slot_at(trigger.cron, trigger.zone, self.clock.now())
        if slot is None:
            log.warning("playbook %s fired with no slot due", playbook_id)
            return None
        return self.fire_slot(playbook, slot)

    def fire_slot(self, playbook: Playbook, slot: datetime) -> str | None:
        """Start the run of one slot; a second fire of the same slot finds it and runs nothing.

        Answers the run's id (a skipped slot's too), or None when the playbook may not run on a schedule.
        """
        try:
            return self.runs.start_run(playbook, Firing.of_slot(slot)).execution.id
        except RunRefused as exc:
            log.info("playbook %s: slot %s not run: %s", playbook.id, slot.isoformat(), exc)
            return None


def _job_id(playbook: Playbook, index: int) -> str:
    """The APScheduler job id of one schedule trigger; the version in it retires old jobs."""
    return f"pb:{playbook.id}:{index}:v{playbook.version}"


def _job_ids(playbook: Playbook) -> list[tuple[str, int]]:
    """The job id of each schedule trigger, with the trigger's index."""
    return [(_job_id(playbook, i), i) for i, _ in playbook.schedules]
