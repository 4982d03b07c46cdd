"""Schedule triggers: the schedules table fired by one doorbell; a fire opens every due slot's run in bulk.

A fire claims the due rows in one statement, files their slots through start_runs in one bulk
insert (the ledger's unique key makes a repeat harmless), moves each row to its next instant and
commits, all in one transaction; the new runs are dispatched after the commit.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Row
from sqlalchemy.engine import Engine
from sqlmodel import Session

from scheduler.domain.clock import SYSTEM_CLOCK, Clock
from scheduler.domain.status import PlaybookStatus
from scheduler.events.listeners import derive_listeners
from scheduler.runs.ledger import PlaybookRow
from scheduler.runs.start import Firing, RunBatch, RunRefused, RunStarter, Started
from scheduler.store.tables import Playbook, iso_utc
from scheduler.timing.cron import CronError
from scheduler.timing.slots import MISFIRE_GRACE, DuePlan, Overlap, plan_due, slot_at
from scheduler.triggers import rows
from scheduler.triggers.doorbell import Doorbell

__all__ = ["MISFIRE_GRACE", "ScheduleJobs", "slot_at"]
log = logging.getLogger(__name__)
# Rows claimed per transaction, growing: the first runs of a burst start after a small commit,
# the rest go in few large ones (each commit is a disk sync).
CLAIM_BATCHES = (10, 100, 1000, 5000)


class ScheduleJobs:
    """The schedules table and its doorbell: start, stop, fire what is due, follow changes."""

    def __init__(self, engine: Engine, runs: RunStarter, clock: Clock = SYSTEM_CLOCK) -> None:
        self.engine, self.runs, self.clock = engine, runs, clock
        self.doorbell = Doorbell(self._ring, clock)

    @property
    def running(self) -> bool:
        """Whether the doorbell is armed to fire (between start and shutdown)."""
        return self.doorbell.running

    def start(self) -> None:
        """Arm the doorbell at the earliest next instant: the one thing start-up reads of the schedules."""
        self.doorbell.start(self.earliest())

    def shutdown(self) -> None:
        """Stop firing; runs in flight are left to the executor."""
        self.doorbell.stop()

    def earliest(self) -> datetime | None:
        """The earliest next_fire_at of all schedules."""
        with self.engine.connect() as conn:
            return rows.earliest(conn)

    def moved(self, instant: datetime | None) -> None:
        """A change set a schedule's next instant: re-arm only if it is earlier than the armed one."""
        self.doorbell.moved(instant)

    def reconcile(self) -> None:
        """Arm at the earliest instant in the store: rows changed by another process (the CLI) are seen."""
        self.doorbell.moved(self.earliest())

    def catch_up(self) -> list[str]:
        """Fire every row already due (start-up after downtime), each by its catch-up policy; end pauses that ended."""
        opened = self.fire_due()[1]
        self.resume_due()
        return opened

    def fire_due(self) -> tuple[int, list[str]]:
        """Claim and fire every due row, a batch per transaction; (rows claimed, ids of the runs opened)."""
        claimed, opened, turn = 0, [], 0
        while True:
            limit = CLAIM_BATCHES[min(turn, len(CLAIM_BATCHES) - 1)]
            n, ids = self._fire_batch(limit)
            claimed, opened, turn = claimed + n, opened + ids, turn + 1
            if n < limit:
                return claimed, opened

    def _ring(self) -> tuple[int, datetime | None]:
        claimed, _ = self.fire_due()
        return claimed + len(self.resume_due()), self.earliest()

    def resume_due(self) -> list[str]:
        """Make active again every playbook paused until now or earlier (those with due slots resumed as they fired)."""
        with Session(self.engine) as session:
            resumed = rows.resume_due(session.connection(), self.clock.now())
            for playbook_id in resumed:  # listening again, in the same transaction (none listens while paused)
                derive_listeners(session, session.get_one(Playbook, playbook_id))
            session.commit()
        for playbook_id in resumed:
            log.info("playbook %s resumed: its pause has ended", playbook_id)
        return resumed

    def warm(self) -> None:
        """Fire the earliest rows as if due, then roll it all back: the first real fire finds its statements compiled.

        Compiling the fire's dozen statements took the first fire after a start about 5 ms, so its first
        runs started late. A first batch's worth of rows, so that the many-row forms compile too; nothing
        of this dry fire is kept or dispatched.
        """
        earliest = self.earliest()
        if earliest is None:
            return
        with self.engine.connect() as conn, conn.begin() as transaction:
            self._fire_in(RunBatch(self.runs, conn), earliest, CLAIM_BATCHES[0])
            transaction.rollback()

    def _fire_batch(self, limit: int) -> tuple[int, list[str]]:
        with self.runs.batch() as batch:
            claimed, started = self._fire_in(batch, self.clock.now(), limit)
        for s in started:
            if s.refused is not None:
                log.info("playbook %s: slot not run: %s", s.playbook_id, s.refused)
        return claimed, [s.execution_id for s in started if s.created and s.execution_id]

    def _fire_in(self, batch: RunBatch, now: datetime, limit: int) -> tuple[int, list[Started]]:
        """Claim up to `limit` rows due at `now`, file their slots in `batch`, move the rows on; (claimed, started)."""
        # RETURNING comes in no set order: slot order makes the earlier of two due slots the one that runs.
        due = sorted(rows.claim_due(batch.conn, now, limit), key=lambda r: r.next_fire_at)
        if not due:
            return 0, []
        playbooks = rows.playbooks_of(batch.conn, {r.playbook_id for r in due})
        playbooks.update(self._pause_ended(playbooks, now))
        plans: dict[tuple[Any, ...], DuePlan] = {}
        firings: list[tuple[PlaybookRow, Firing]] = []
        moves, drops = [], []
        for row in due:
            playbook = playbooks.get(row.playbook_id)
            paused_until = playbook.resume_at if playbook is not None else None
            try:
                # Many schedules share a cron, an instant and a policy: plan each once per fire.
                key = (row.cron, row.timezone, row.next_fire_at, row.catch_up, row.grace_seconds, row.catch_up_limit,
                       paused_until)
                if key not in plans:
                    plans[key] = plan_due(row.cron, row.timezone, row.next_fire_at, now,
                                          grace=timedelta(seconds=row.grace_seconds), catch_up=row.catch_up,
                                          cap=row.catch_up_limit, paused_until=paused_until)
                plan = plans[key]
            except CronError:
                # Refused when saved, so only a row edited behind the service's back gets here.
                log.exception("schedule %s of playbook %s cannot be computed; removed", row.id, row.playbook_id)
                drops.append(row.id)
                continue
            if playbook is not None:
                firings += self._firings(playbook, row.overlap, plan)
            if plan.next_fire_at is None:
                drops.append(row.id)
            else:
                moves.append((row.id, plan.next_fire_at))
        started = batch.start(firings)
        rows.advance(batch.conn, moves, drops)
        return len(due), started

    @staticmethod
    def _pause_ended(playbooks: dict[str, Row], now: datetime) -> dict[str, Any]:
        """Playbooks of this fire whose pause has ended, as active: their slots from then on are owed.

        Their rows are made active by resume_due once the fire has committed, in a transaction of its
        own: updating playbooks while holding schedule rows would take locks in the opposite order to
        a change of a playbook (PostgreSQL would end one of the two as a deadlock).
        """
        # resume_at stays on the copy, so the slots that came before it are recorded as paused.
        return {p.id: SimpleNamespace(**{**p._mapping, "status": PlaybookStatus.active}) for p in playbooks.values()
                if p.status == PlaybookStatus.paused and p.resume_at is not None and p.resume_at <= now}

    @staticmethod
    def _firings(playbook: PlaybookRow, overlap: str, plan: DuePlan) -> list[tuple[PlaybookRow, Firing]]:
        """The records and runs of one row's plan: paused and missed slots written down, the others started."""
        out: list[tuple[PlaybookRow, Firing]] = []
        for slot in plan.paused:
            out.append((playbook, Firing.of_paused_slot(slot, f"the playbook was paused until {iso_utc(playbook.resume_at)}")))
        out += [(playbook, Firing.of_missed_slot(slot, why)) for slot, why in plan.missed_why]
        # Catch-up all files several passed slots at once: they queue behind each other unless overlap allows.
        chained = overlap if overlap == Overlap.allow or len(plan.runs) < 2 else Overlap.queue
        out += [(playbook, Firing.of_slot(slot, chained)) for slot in plan.runs]
        return out

    def fire_slot(self, playbook: Playbook, slot: datetime) -> str | None:
        """Start the run of one slot; a second fire of the same slot finds it and runs nothing.

        Answers the run's id (a skipped slot's too), or None when the playbook may not run on a schedule.
        """
        try:
            return self.runs.start_run(playbook, Firing.of_slot(slot, playbook.policy_spec.overlap)).execution.id
        except RunRefused as exc:
            log.info("playbook %s: slot %s not run: %s", playbook.id, slot.isoformat(), exc)
            return None

    def job_ids(self) -> list[str]:
        """One id per schedule row, `pb:<playbook>:<trigger index>:v<version>` (tests, diagnostics)."""
        with self.engine.connect() as conn:
            return rows.schedule_ids(conn)

    def count(self) -> int:
        """How many schedules there are."""
        with self.engine.connect() as conn:
            return rows.count(conn)
