"""The playbook service: every change of a playbook goes through here, and its schedule and listener rows change with it."""
from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import bindparam
from sqlalchemy.engine import Engine
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, col, select

from scheduler.domain.clock import SYSTEM_CLOCK, Clock
from scheduler.domain.spec import PlaybookSpec, dump_policy, dump_spec
from scheduler.domain.status import PlaybookStatus
from scheduler.events.listeners import derive_listeners
from scheduler.services.names import resolve, unique_name, words_of
from scheduler.services.validation import PlaybookInvalid, parse_spec
from scheduler.steps.registry import StepRegistry
from scheduler.store.pages import BadCursor
from scheduler.store.tables import Organization, Playbook, iso_utc
from scheduler.timing.cron import describe, schedule_text
from scheduler.timing.slots import upcoming, upcoming_run
from scheduler.triggers.rows import derive

EDITABLE = ("name", "agent", "category", "status", "triggers", "steps", "policy", "resumeAt")
# PostgreSQL's FOR NO KEY UPDATE: a change never touches the playbook's key, and a plain FOR UPDATE
# would block the doorbell's run inserts (their foreign key takes KEY SHARE) while the change waits
# for the schedule rows the doorbell holds: a deadlock. SQLite ignores it (one writer at a time).
NO_KEY_UPDATE = {"key_share": True}


# One playbook by id: a plain statement and a detached row, as a closed session would leave it, at a
# third of the ORM session's cost (the read behind every GET and execute).
_PLAYBOOKS = Playbook.__table__
_BY_ID = select(_PLAYBOOKS).where(_PLAYBOOKS.c.id == bindparam("id"))


class NotFound(LookupError):
    """No such object in the caller's organisation (another tenant's ids look the same); `candidates` come close."""

    def __init__(self, message: str, candidates: tuple[Any, ...] = ()) -> None:
        super().__init__(message)
        self.candidates = candidates


class AmbiguousName(NotFound):
    """The words match several playbooks equally well: the user has to say which."""


class Doorbell(Protocol):
    def moved(self, instant: datetime | None) -> None: ...


class PlaybookService:
    """Create, read, change and delete playbooks; their schedule rows change in the same transaction."""

    def __init__(self, engine: Engine, registry: StepRegistry, jobs: Doorbell | None = None, clock: Clock = SYSTEM_CLOCK) -> None:
        # `jobs`: told the earliest instant a change set, to re-arm; without it (the CLI) the server's reconcile sees it.
        self.engine, self.registry, self.jobs, self.clock = engine, registry, jobs, clock
        # One change at a time in this process: create_once's look-then-create must not interleave.
        self._lock = threading.RLock()

    def create(self, org_id: str, data: Any, created_by: str | None = None) -> Playbook:
        """Validate and store a playbook (numbered if its name is taken); an active one is scheduled at once."""
        spec = parse_spec(data, self.org_timezone(org_id), self.registry)
        now = self.clock.now()
        _check_resume(spec, now, said=True)
        playbook = Playbook(
            org_id=org_id, name=self.unique_name(org_id, spec.name), agent=spec.agent, category=spec.category, status=spec.status,
            triggers=dump_spec(spec.triggers), steps=dump_spec(spec.steps), policy=dump_policy(spec.policy),
            resume_at=spec.resume_at, created_by=created_by, created_at=now, updated_at=now,
        )
        with self._lock, Session(self.engine, expire_on_commit=False) as session:
            session.add(playbook)
            moved = derive(session, playbook, now)
            derive_listeners(session, playbook)
            session.commit()
        self._moved(moved, playbook.resume_at)
        return playbook

    def create_once(self, org_id: str, data: Any, created_by: str | None = None) -> tuple[Playbook, bool]:
        """Create, unless an identical playbook exists (a retried chat turn): then that one, and False."""
        spec = parse_spec(data, self.org_timezone(org_id), self.registry)
        triggers, steps = dump_spec(spec.triggers), dump_spec(spec.steps)
        with self._lock:
            for existing in self.list(org_id, limit=1000)[0]:
                if (existing.name, existing.triggers, existing.steps, existing.status) == (spec.name, triggers, steps, spec.status):
                    return existing, False
            return self.create(org_id, data, created_by), True

    def get(self, org_id: str, playbook_id: str, include_deleted: bool = False) -> Playbook:
        """The playbook, if it is this organisation's (and not deleted, unless asked)."""
        playbook = self._read(playbook_id)
        if playbook is None or playbook.org_id != org_id or (playbook.deleted_at is not None and not include_deleted):
            raise NotFound(f"no playbook {playbook_id!r}")
        return playbook

    def get_any(self, playbook_id: str) -> Playbook:
        """The playbook whatever its organisation (for the cron secret, which has none)."""
        playbook = self._read(playbook_id)
        if playbook is None or playbook.deleted_at is not None:
            raise NotFound(f"no playbook {playbook_id!r}")
        return playbook

    def _read(self, playbook_id: str) -> Playbook | None:
        with self.engine.connect() as conn:
            row = conn.execute(_BY_ID, {"id": playbook_id}).mappings().first()
        if row is None:
            return None
        playbook = Playbook(**row)
        make_transient_to_detached(playbook)
        return playbook

    def list(self, org_id: str, limit: int = 50, cursor: str | None = None) -> tuple[list[Playbook], str | None]:
        """A page of the organisation's playbooks, oldest first, and the cursor of the next page."""
        query = select(Playbook).where(Playbook.org_id == org_id, Playbook.deleted_at.is_(None))
        if cursor:
            if not re.fullmatch(r"pb_[0-9a-f]{20}", cursor):
                raise BadCursor(f"cursor {cursor!r} is not from this list")
            query = query.where(Playbook.id > cursor)
        with Session(self.engine, expire_on_commit=False) as session:
            rows = list(session.exec(query.order_by(col(Playbook.id)).limit(limit + 1)).all())
        more = len(rows) > limit
        rows = rows[:limit]
        return rows, (rows[-1].id if more else None)

    def update(self, org_id: str, playbook_id: str, changes: dict[str, Any]) -> Playbook:
        """Apply a partial change, re-validate the whole playbook, and reschedule it."""
        unknown = sorted(set(changes) - set(EDITABLE))
        if unknown:
            raise PlaybookInvalid([f"{k}: cannot be changed" for k in unknown])
        with self._lock, Session(self.engine, expire_on_commit=False) as session:
            playbook = session.get(Playbook, playbook_id, with_for_update=NO_KEY_UPDATE)
            if playbook is None or playbook.org_id != org_id or playbook.deleted_at is not None:
                raise NotFound(f"no playbook {playbook_id!r}")
            # Read, merge and write in one locked transaction: concurrent changes never lose each other.
            merged = {**self.spec_of(playbook), **changes}
            if "status" in changes and "resumeAt" not in changes:
                merged["resumeAt"] = None  # a new status ends a pause-until unless it says a new instant
            spec = parse_spec(merged, _zone_of(session.get(Organization, org_id), org_id), self.registry)
            now = self.clock.now()
            _check_resume(spec, now, said="resumeAt" in changes)
            before = (playbook.triggers, playbook.steps)
            playbook.name, playbook.agent, playbook.category = spec.name, spec.agent, spec.category
            playbook.status, playbook.resume_at = spec.status, spec.resume_at
            playbook.policy = dump_policy(spec.policy)
            playbook.triggers, playbook.steps = dump_spec(spec.triggers), dump_spec(spec.steps)
            if (playbook.triggers, playbook.steps) != before:
                playbook.version += 1
            playbook.updated_at = now
            session.add(playbook)
            moved = derive(session, playbook, playbook.updated_at)
            derive_listeners(session, playbook)
            session.commit()
        self._moved(moved, playbook.resume_at)
        return playbook

    def set_status(self, org_id: str, playbook_id: str, status: str, resume_at: datetime | None = None) -> Playbook:
        """Pause (until `resume_at`, if given), resume (activate) or archive a playbook."""
        changes: dict[str, Any] = {"status": status}
        if resume_at is not None:
            changes["resumeAt"] = resume_at
        return self.update(org_id, playbook_id, changes)

    def delete(self, org_id: str, playbook_id: str) -> Playbook:
        """Delete a playbook (its runs stay readable) and its schedule rows."""
        self.get(org_id, playbook_id)
        with self._lock, Session(self.engine, expire_on_commit=False) as session:
            playbook = session.get(Playbook, playbook_id, with_for_update=NO_KEY_UPDATE)
            playbook.deleted_at, playbook.resume_at = self.clock.now(), None
            session.add(playbook)
            derive(session, playbook, playbook.deleted_at)
            derive_listeners(session, playbook)
            session.commit()
        return playbook

    def find(self, org_id: str, words: str) -> Playbook:
        """The playbook the user's words name ("the price alert"): exact, else a fuzzy match with a clear margin."""
        if not words_of(words):
            # "it", "that one": words that name nothing must never match whatever shares them.
            raise NotFound(f"{words!r} names no playbook; say which one")
        found = resolve(words, self.list(org_id, limit=500)[0], lambda p: p.name)
        if found.match is not None:
            return found.match
        listed = "; ".join(f"{p.name} ({p.status})" for p in found.candidates)
        if len(found.candidates) > 1:
            # Acting on a guess (a delete!) is worse than asking.
            raise AmbiguousName(f"{words!r} could be several playbooks: {listed}", found.candidates)
        if found.candidates:
            raise NotFound(f"no playbook is called {words!r}; the closest is {listed}", found.candidates)
        raise NotFound(f"no playbook matches {words!r}")

    def unique_name(self, org_id: str, name: str) -> str:
        """The name, numbered if the organisation already has a playbook by that name."""
        return unique_name(name, [p.name for p in self.list(org_id, limit=1000)[0]])

    def next_runs(self, playbook: Playbook, count: int = 3) -> list[datetime]:
        """The next fire instants over all schedule triggers (none unless active, or paused until an instant: from then on)."""
        if not playbook.keeps_schedules:
            return []
        start = self.clock.now()
        if playbook.resume_at is not None:
            # A slot exactly at the resume instant runs: start just before it.
            start = max(start, playbook.resume_at - timedelta(microseconds=1))
        return upcoming((t for _, t in playbook.schedules), start, count)

    def shown(self, playbook: Playbook, count: int = 5) -> dict[str, Any]:
        """A playbook as the API shows it: with its next run, the next `count` runs (DST days flagged) and its schedule in words."""
        runs = self.next_runs(playbook, count)
        return playbook_json(playbook, runs[0] if runs else None, upcoming=runs)

    def describe_schedule(self, playbook: Playbook) -> list[str]:
        """Each schedule trigger in plain words with its zone."""
        return [describe(t.cron, t.zone) for _, t in playbook.schedules]

    @staticmethod
    def spec_of(playbook: Playbook) -> dict[str, Any]:
        """The editable fields of a stored playbook, as a spec."""
        return {"name": playbook.name, "agent": playbook.agent, "category": playbook.category,
                "status": playbook.status, "triggers": playbook.triggers, "steps": playbook.steps,
                "policy": playbook.policy or {}, "resumeAt": playbook.resume_at}

    def org_timezone(self, org_id: str) -> str:
        """The organisation's IANA zone (the default for its schedules)."""
        with Session(self.engine) as session:
            return _zone_of(session.get(Organization, org_id), org_id)

    def _moved(self, instant: datetime | None, resume_at: datetime | None = None) -> None:
        # The doorbell also rings to end a pause.
        soonest = min(filter(None, [instant, resume_at]), default=None)
        if self.jobs is not None and soonest is not None:
            self.jobs.moved(soonest)


def _check_resume(spec: PlaybookSpec, now: datetime, said: bool) -> None:
    """resumeAt goes with status paused, and a newly said one lies ahead."""
    if spec.resume_at is None:
        return
    if spec.status != PlaybookStatus.paused:
        raise PlaybookInvalid([f"resumeAt: only a paused playbook resumes by itself; send status 'paused' with it "
                               f"(status is {spec.status!r})"])
    if said and spec.resume_at <= now:
        raise PlaybookInvalid([f"resumeAt: {iso_utc(spec.resume_at)} is not in the future (now {iso_utc(now)})"])


def playbook_json(playbook: Playbook, next_run_at: datetime | None, upcoming: list[datetime] | None = None) -> dict[str, Any]:
    """A playbook as the API shows it (camelCase); `upcoming`: its next runs, each in its trigger's zone."""
    return {
        "id": playbook.id, "orgId": playbook.org_id, "name": playbook.name, "agent": playbook.agent,
        "category": playbook.category, "status": playbook.status, "triggers": playbook.triggers,
        "steps": playbook.steps, "version": playbook.version, "policy": dump_policy(playbook.policy_spec),
        "nextRunAt": iso_utc(next_run_at), "upcomingRuns": [upcoming_run(t) for t in upcoming or []],
        "scheduleText": "; ".join(schedule_text(t.cron, t.zone) for _, t in playbook.schedules) or None,
        "resumeAt": iso_utc(playbook.resume_at),
        "createdAt": iso_utc(playbook.created_at), "updatedAt": iso_utc(playbook.updated_at),
    }


def _zone_of(org: Organization | None, org_id: str) -> str:
    """The organisation's zone, read in the caller's session (a change reads it inside its own transaction)."""
    if org is None:
        raise NotFound(f"no organisation {org_id!r}")
    return org.timezone
