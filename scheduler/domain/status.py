"""The states a playbook, a run and a step can be in, and what can trigger a run."""
from __future__ import annotations

from enum import StrEnum


class PlaybookStatus(StrEnum):
    """A playbook's life: only `active` ones run on their schedule; `archived` ones never run."""

    draft = "draft"
    active = "active"
    paused = "paused"
    archived = "archived"


class ExecutionStatus(StrEnum):
    """Where a run is; `skipped`, `missed` and `paused` runs are slots written down that did not run."""

    queued = "queued"
    running = "running"
    waiting_approval = "waiting_approval"
    waiting = "waiting"  # asleep until wake_at (a wait step), or until the child run it waits for ends
    completed = "completed"
    failed = "failed"
    skipped = "skipped"
    missed = "missed"
    paused = "paused"  # the slot came while the playbook was paused until a later instant


class StepStatus(StrEnum):
    """Where one step of a run is."""

    running = "running"
    completed = "completed"
    skipped = "skipped"
    failed = "failed"


class TriggeredBy(StrEnum):
    """What started a run."""

    schedule = "schedule"
    manual = "manual"
    agent = "agent"
    event = "event"
    playbook = "playbook"  # a run_playbook step of another run (its parent)
