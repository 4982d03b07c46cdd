"""Child runs: a run_playbook step starts a run of another playbook of its organisation, linked both ways.

The child's context names its parent (`parent.execution_id`, the step, the depth, the playbooks
above it, the step's `input`); the parent step's output names the child. The child is filed under
the parent step's key (`parent:<execution_id>:<step>`), so a resumed parent step finds the child it
started instead of starting a second one. Another organisation's playbook is never found; a
playbook already in the chain above (a cycle) or a chain deeper than MAX_DEPTH is refused.
"""
from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from scheduler.domain.keys import DedupeKey
from scheduler.domain.status import PlaybookStatus, TriggeredBy
from scheduler.runs.start import Firing, RunStarter
from scheduler.steps.host import MAX_DEPTH, ChildRun, ParentLink
from scheduler.store.tables import Playbook


class ChildRunStarter:
    """The engine's ChildRuns (scheduler.steps.host): finds the playbook in the parent's organisation, starts it."""

    def __init__(self, engine: Engine, runs: RunStarter) -> None:
        self.engine, self.runs = engine, runs

    def start(self, link: ParentLink, playbook: str) -> ChildRun:
        """Start (or find again) the child run of `playbook` (id or exact name) for this parent step."""
        if link.depth + 1 > MAX_DEPTH:
            raise ValueError(f"runs nest at most {MAX_DEPTH} deep; this run is already {link.depth} deep")
        target = self._find(link.org_id, playbook)
        if target.id in link.chain:
            names = " -> ".join((*link.chain[::-1], target.id))
            raise ValueError(f"playbook {target.name!r} is already running above this step (a cycle: {names})")
        if target.status == PlaybookStatus.archived:
            raise ValueError(f"playbook {target.name!r} is archived; make it active or paused to run it")
        parent = {**asdict(link), "chain": list(link.chain), "depth": link.depth + 1}
        del parent["org_id"]
        firing = Firing(TriggeredBy.playbook, key=DedupeKey.parent(link.step_key), parent=parent)
        opened = self.runs.start_run(target, firing)
        return ChildRun(opened.execution.id, target.id, target.name, str(opened.execution.status), opened.created)

    def _find(self, org_id: str, ref: str) -> Playbook:
        # Scoped to the parent's organisation: another tenant's id reads as unknown, never as found.
        with Session(self.engine) as session:
            rows = session.exec(select(Playbook).where(
                Playbook.org_id == org_id, Playbook.deleted_at.is_(None),  # type: ignore[union-attr]
                or_(Playbook.id == ref, Playbook.name == ref))).all()
        if not rows:
            raise ValueError(f"no playbook {ref!r} in this organisation")
        if len(rows) > 1:
            raise ValueError(f"{len(rows)} playbooks are named {ref!r}; name it by id ({', '.join(r.id for r in rows)})")
        return rows[0]
