"""What scans read from competitor pages, kept a while: the latest, the one before, and pruning."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from scheduler.store.repositories.base import Repository
from scheduler.store.tables import Competitor, CompetitorSnapshot


class SnapshotRepository(Repository):
    """Competitor snapshots, newest first by their increasing id."""

    async def latest_before(self, competitor_id: str, execution_id: str) -> CompetitorSnapshot | None:
        """The newest snapshot of a competitor taken by another scan than `execution_id` (what a scan compares with)."""
        return await self._off_loop(self._latest_before, competitor_id, execution_id)

    async def save(self, org_id: str, competitor_id: str, execution_id: str, content_hash: str,
                   products: list[dict[str, Any]], promotions: list[str], taken_at: datetime) -> None:
        """Store this scan's snapshot of a competitor (a repeated scan of the same run replaces its own)."""
        await self._off_loop(self._save, org_id, competitor_id, execution_id, content_hash, products, promotions, taken_at)

    async def last_two(self, org_id: str, competitor_id: str) -> tuple[CompetitorSnapshot | None, CompetitorSnapshot | None]:
        """(the latest snapshot, the one before it) of one of the organisation's competitors; None where there is none."""
        rows = await self._off_loop(self._newest, org_id, competitor_id, 2)
        return (rows[0] if rows else None), (rows[1] if len(rows) > 1 else None)

    async def history(self, org_id: str, since: datetime) -> list[tuple[str, CompetitorSnapshot]]:
        """(competitor name, snapshot) of every scan of the organisation's competitors since `since`, oldest first."""
        return await self._off_loop(self._history, org_id, since)

    async def prune(self, org_id: str, before: datetime) -> int:
        """Delete the organisation's snapshots taken before `before`; answers how many went."""
        return await self._off_loop(self._prune, org_id, before)

    def _latest_before(self, competitor_id: str, execution_id: str) -> CompetitorSnapshot | None:
        with Session(self._engine, expire_on_commit=False) as session:
            return session.exec(
                select(CompetitorSnapshot)
                .where(CompetitorSnapshot.competitor_id == competitor_id, CompetitorSnapshot.execution_id != execution_id)
                .order_by(col(CompetitorSnapshot.id).desc())
            ).first()

    def _save(self, org_id: str, competitor_id: str, execution_id: str, content_hash: str,
              products: list[dict[str, Any]], promotions: list[str], taken_at: datetime) -> None:
        with Session(self._engine) as session:
            session.execute(delete(CompetitorSnapshot).where(
                CompetitorSnapshot.competitor_id == competitor_id, CompetitorSnapshot.execution_id == execution_id))
            session.add(CompetitorSnapshot(org_id=org_id, competitor_id=competitor_id, execution_id=execution_id,
                                           content_hash=content_hash, products=products, promotions=promotions,
                                           taken_at=taken_at))
            session.commit()

    def _newest(self, org_id: str, competitor_id: str, count: int) -> list[CompetitorSnapshot]:
        with Session(self._engine, expire_on_commit=False) as session:
            return list(session.exec(
                select(CompetitorSnapshot)
                .where(CompetitorSnapshot.org_id == org_id, CompetitorSnapshot.competitor_id == competitor_id)
                .order_by(col(CompetitorSnapshot.id).desc()).limit(count)
            ))

    def _history(self, org_id: str, since: datetime) -> list[tuple[str, CompetitorSnapshot]]:
        with Session(self._engine, expire_on_commit=False) as session:
            rows = session.exec(
                select(Competitor.name, CompetitorSnapshot)
                .join(Competitor, col(Competitor.id) == col(CompetitorSnapshot.competitor_id))
                .where(CompetitorSnapshot.org_id == org_id, Competitor.org_id == org_id, CompetitorSnapshot.taken_at >= since)
                .order_by(col(CompetitorSnapshot.id))
            ).all()
        return [(name, snapshot) for name, snapshot in rows]

    def _prune(self, org_id: str, before: datetime) -> int:
        with Session(self._engine) as session:
            result = session.execute(delete(CompetitorSnapshot).where(
                CompetitorSnapshot.org_id == org_id, CompetitorSnapshot.taken_at < before))
            session.commit()
            return result.rowcount
