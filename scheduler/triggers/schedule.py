"""APScheduler wiring: jobs derived from active playbooks' schedule triggers; a fire opens a run."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import and_, or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from scheduler.domain.clock import SYSTEM_CLOCK, Clock
from scheduler.timing.cron import CronsimTrigger, next_fire_times
from scheduler.runs.ledger import open_execution
from scheduler.store.tables import Execution, ExecutionStatus, Playbook, PlaybookStatus

log = logging.getLogger(__name__)
MISFIRE_GRACE = timedelta(minutes=5)
MISSED_PER_PASS = 100


def slot_at(cron: str, zone: str, now: datetime, grace: timedelta = MISFIRE_GRACE) -> datetime | None:
    """The latest slot of a cron at or before `now`, if it is within the grace window."""
    latest = None
    now = now.astimezone(timezone.utc)
    for slot in next_fire_times(cron, zone, now - grace, int(grace.total_seconds() // 60) + 2):
        if slot > now:
            break
        latest = slot
    return latest


class PlaybookJobs:
    """Keeps one APScheduler job per schedule trigger of each active playbook, and nothing else."""

    def __init__(self, engine: Engine, dispatch: Callable[[str], None], clock: Clock = SYSTEM_CLOCK) -> None:
        self.engine, self.dispatch, self.clock = engine, dispatch, clock
        self.aps = AsyncIOScheduler(timezone=timezone.utc)

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
                select(Playbook).where(Playbook.status == PlaybookStatus.active.value, Playbook.deleted_at.is_(None))
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
                select(Playbook).where(Playbook.status == PlaybookStatus.active.value, Playbook.deleted_at.is_(None))
            ).all()
        opened = []
        for playbook in active:
            self._record_missed(playbook, now)
            for trigger in playbook.triggers:
                if trigger.get("type") != "schedule":
                    continue
                slot = slot_at(trigger["cron"], trigger["timezone"], now)
                # A slot before the playbook was last made active or changed is not owed.
                if slot is not None and slot >= playbook.updated_at:
                    opened.append(self.fire_slot(playbook, slot))
        return opened

    def _record_missed(self, playbook: Playbook, now: datetime) -> None:
        """Every slot leaves a record: a slot past its grace window with no run gets a `missed` row."""
        with Session(self.engine) as session:
            latest = session.exec(
                select(func.max(Execution.scheduled_for)).where(
                    Execution.playbook_id == playbook.id, Execution.triggered_by == "schedule")
            ).one()
            since = max(filter(None, [playbook.updated_at, latest]))
            known = set(session.exec(select(Execution.dedupe_key).where(
                Execution.playbook_id == playbook.id, Execution.scheduled_for >= since - timedelta(days=1))).all())
        for trigger in playbook.triggers:
            if trigger.get("type") != "schedule":
                continue
            # Bounded per pass: a long outage is written down over a few reconcile passes.
            for slot in next_fire_times(trigger["cron"], trigger["timezone"], since, MISSED_PER_PASS):
                if slot > now - MISFIRE_GRACE:
                    break
                slot_utc = slot.astimezone(timezone.utc)
                if f"schedule:{slot_utc.isoformat()}" not in known:
                    open_execution(
                        self.engine, playbook, triggered_by="schedule", dedupe_key=f"schedule:{slot_utc.isoformat()}",
                        scheduled_for=slot_utc,
                        closed_as=(ExecutionStatus.missed, "the scheduler was not running when this slot came due"),
                    )

    def sync(self, playbook: Playbook) -> None:
        """Make this playbook's jobs match its status and triggers (called on every change)."""
        for job in self.aps.get_jobs():
            if job.id.startswith(f"pb:{playbook.id}:"):
                job.remove()
        if playbook.status != PlaybookStatus.active.value or playbook.deleted_at is not None:
            return
        for job_id, index in _job_ids(playbook):
            trigger = playbook.triggers[index]
            self.aps.add_job(
                self.fire, CronsimTrigger(trigger["cron"], trigger["timezone"], offset=self.clock.offset),
                args=[playbook.id, index], id=job_id,
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
        if playbook is None or playbook.status != PlaybookStatus.active.value or playbook.deleted_at is not None:
            return None
        trigger = playbook.triggers[trigger_index]
        slot = slot_at(trigger["cron"], trigger["timezone"], self.clock.now())
        if slot is None:
            log.warning("playbook %s fired with no slot due", playbook_id)
            return None
        return self.fire_slot(playbook, slot)

    def fire_slot(self, playbook: Playbook, slot: datetime) -> str:
        """Open the run of one slot; a second fire of the same slot finds it and runs nothing."""
        slot_utc = slot.astimezone(timezone.utc)
        busy = self._run_in_progress(playbook)
        # Overlap policy: skip. The slot still leaves a row saying which run it gave way to.
        opened = open_execution(
            self.engine, playbook, triggered_by="schedule",
            dedupe_key=f"schedule:{slot_utc.isoformat()}", scheduled_for=slot_utc,
            closed_as=(ExecutionStatus.skipped, f"the previous run {busy} was still going") if busy else None,
        )
        if opened.created and busy is None:
            self.dispatch(opened.execution.id)
        return opened.execution.id

    def _run_in_progress(self, playbook: Playbook) -> str | None:
        """The id of a scheduled run of this playbook that is still going (live lease, or just queued)."""
        now = self.clock.now()
        with Session(self.engine) as session:
            return session.exec(
                select(Execution.id).where(
                    Execution.playbook_id == playbook.id, Execution.triggered_by == "schedule",
                    or_(
                        and_(Execution.status == ExecutionStatus.running.value, Execution.lease_expires_at > now),
                        and_(Execution.status == ExecutionStatus.queued.value, Execution.created_at > now - MISFIRE_GRACE),
                    ),
                )
            ).first()


def _job_ids(playbook: Playbook) -> list[tuple[str, int]]:
    """The APScheduler job id of each schedule trigger; the version in it retires old jobs."""
    return [(f"pb:{playbook.id}:{i}:v{playbook.version}", i) for i, t in enumerate(playbook.triggers) if t.get("type") == "schedule"]
