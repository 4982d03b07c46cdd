"""Approvals as steps see them: staged with the asking step's checkpoint; listed for the owner."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from scheduler.store.action_tables import Approval
from scheduler.store.repositories.actions import BadCursor, _before
from scheduler.store.repositories.base import Repository
from scheduler.store.repositories.unit import UnitOfWork
from scheduler.store.tables import new_id, utcnow

APPROVAL_STATUSES = ("pending", "approved", "rejected")
DECISIONS = {"approve": "approved", "reject": "rejected"}
# An approval to mail addresses outside the organisation's users; only a person (a user) may approve it.
RECIPIENTS_KIND = "email_recipients"


class ApprovalRepository(Repository):
    """Questions runs wait on; deciding them is scheduler.services.approvals (it also resumes the run)."""

    def stage(self, unit: UnitOfWork, org_id: str, execution_id: str, step_index: int, kind: str, prompt: str,
              data: dict[str, Any], expires_at: datetime, on_timeout: str = "reject") -> str:
        """Stage a pending approval in a step's unit of work; answers its id."""
        approval_id = new_id("apr")
        unit.add(Approval, id=approval_id, org_id=org_id, execution_id=execution_id, step_index=step_index,
                 kind=kind, prompt=prompt, data=data, status="pending", on_timeout=on_timeout,
                 expires_at=expires_at, decided_at=None, decided_by=None, note=None, created_at=utcnow())
        return approval_id

    async def get(self, org_id: str, approval_id: str) -> Approval | None:
        """One approval of the organisation, or None (another organisation's id is no id)."""
        return await self._off_loop(self._get, org_id, approval_id)

    def _get(self, org_id: str, approval_id: str) -> Approval | None:
        with Session(self._engine) as session:
            approval = session.get(Approval, approval_id)
        return approval if approval is not None and approval.org_id == org_id else None

    async def approved_recipients(self, org_id: str) -> set[str]:
        """Outside mail addresses a person of the organisation approved (lower-cased): `email_recipients` approvals."""
        return await self._off_loop(self._approved_recipients, org_id)

    def _approved_recipients(self, org_id: str) -> set[str]:
        with Session(self._engine) as session:
            rows = session.exec(select(Approval.data).where(
                Approval.org_id == org_id, Approval.kind == RECIPIENTS_KIND, Approval.status == "approved",
                col(Approval.decided_by).startswith("usr_", autoescape=True))).all()
        return {str(a).lower() for data in rows for a in (data or {}).get("addresses", [])}

    async def list(self, org_id: str, status: str | None = None, limit: int = 50,
                   cursor: str | None = None) -> tuple[list[Approval], str | None]:
        """A page of approvals, newest first, and the cursor of the next page."""
        return await self._off_loop(self._list, org_id, status, limit, cursor)

    def _list(self, org_id: str, status: str | None, limit: int, cursor: str | None) -> tuple[list[Approval], str | None]:
        with Session(self._engine) as session:
            query = select(Approval).where(Approval.org_id == org_id)
            if status is not None:
                query = query.where(Approval.status == status)
            if cursor:
                last = session.get(Approval, cursor)
                if last is None or last.org_id != org_id:
                    raise BadCursor(f"cursor {cursor!r} is not from this list")
                query = query.where(_before(Approval, last.created_at, last.id))
            rows = list(session.exec(query.order_by(col(Approval.created_at).desc(), col(Approval.id).desc())
                                     .limit(limit + 1)))
        return rows[:limit], (rows[limit - 1].id if len(rows) > limit else None)
