"""Who a campaign draft reached: one side-effect record per (draft, customer), so no customer gets a draft twice."""
from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from scheduler.store.repositories.base import Repository
from scheduler.store.tables import SideEffect

KIND = "campaign_email"


def send_key(draft_id: str, customer_id: str) -> str:
    """The key one customer's copy of a draft is recorded under (and its Message-ID and outbox file derive from)."""
    return f"campaign:{draft_id}:{customer_id}"


class CampaignSendRepository(Repository):
    """Per-recipient records of campaign mail, in the side-effect ledger beside the steps' own."""

    async def sent_to(self, org_id: str, draft_id: str) -> set[str]:
        """The customer ids this draft was already sent to, by any run."""
        return await self._off_loop(self._sent_to, org_id, draft_id)

    async def record(self, org_id: str, draft_id: str, customer_id: str, result: dict[str, Any]) -> None:
        """Record that one customer's copy went out; a second record of the same copy is a no-op."""
        await self._off_loop(self._record, org_id, draft_id, customer_id, result)

    def _sent_to(self, org_id: str, draft_id: str) -> set[str]:
        prefix = send_key(draft_id, "")
        with Session(self._engine) as session:
            keys = session.exec(select(SideEffect.key).where(
                SideEffect.org_id == org_id, SideEffect.kind == KIND, col(SideEffect.key).startswith(prefix, autoescape=True)))
            return {key[len(prefix):] for key in keys}

    def _record(self, org_id: str, draft_id: str, customer_id: str, result: dict[str, Any]) -> None:
        with Session(self._engine) as session:
            session.add(SideEffect(key=send_key(draft_id, customer_id), org_id=org_id, kind=KIND, result=result))
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
