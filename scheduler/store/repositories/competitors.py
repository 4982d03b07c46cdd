"""The competitors an organisation watches: added with a checked URL, listed, removed, picked by name or id."""
from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from scheduler.integrations.html.selectors import check_selectors
from scheduler.integrations.http import FetchError, check_url
from scheduler.store.pages import keyset_page
from scheduler.store.repositories.base import Repository
from scheduler.store.tables import Competitor, CompetitorSnapshot

MAX_NAME = 100


class CompetitorExists(ValueError):
    """The organisation already watches a competitor of this name."""


def check_competitor(name: str, url: str, selectors: dict[str, str] | None, allow_loopback: bool) -> tuple[str, str]:
    """(name, url) cleaned when a competitor may be added; a ValueError naming the problem otherwise.

    The URL gets the guarded fetch's own check (http or https, no refused address literal), so a
    competitor that could never be fetched is refused when it is added, not on every scan.
    """
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME:
        raise ValueError(f"a competitor needs a name of 1 to {MAX_NAME} characters")
    url = url.strip()
    try:
        check_url(url, allow_loopback)
    except FetchError as exc:
        raise ValueError(str(exc)) from None
    if selectors is not None:
        check_selectors(selectors)
    return name, url


class CompetitorRepository(Repository):
    """The organisation's competitors."""

    async def add(self, org_id: str, name: str, url: str, selectors: dict[str, str] | None = None,
                  allow_loopback: bool = False) -> Competitor:
        """Store a competitor; a ValueError for a bad name, URL or selectors, or a name already used."""
        name, url = check_competitor(name, url, selectors, allow_loopback)
        return await self._off_loop(self._add, org_id, name, url, selectors or None)

    async def list(self, org_id: str) -> list[Competitor]:
        """The organisation's competitors, in the order they were added."""
        return await self._off_loop(self._list, org_id)

    async def page(self, org_id: str, limit: int, cursor: str | None) -> tuple[list[Competitor], str | None]:
        """A page of the organisation's competitors, in the order they were added, and the next page's cursor."""
        return await self._off_loop(self._page, org_id, limit, cursor)

    def _page(self, org_id: str, limit: int, cursor: str | None) -> tuple[list[Competitor], str | None]:
        with Session(self._engine, expire_on_commit=False) as session:
            query = select(Competitor).where(Competitor.org_id == org_id)
            return keyset_page(session, Competitor, query, org_id, "created_at", limit, cursor)

    async def delete(self, org_id: str, competitor_id: str) -> bool:
        """Remove a competitor and its snapshots; False when the organisation has no such competitor."""
        return await self._off_loop(self._delete, org_id, competitor_id)

    async def pick(self, org_id: str, wanted: list[str] | None) -> tuple[list[Competitor], list[str]]:
        """(the competitors named by id or name, case-insensitively; the names that match none); all when `wanted` is None."""
        every = await self.list(org_id)
        if wanted is None:
            return every, []
        chosen: list[Competitor] = []
        unknown: list[str] = []
        for word in wanted:
            found = next((c for c in every if c.id == word or c.name.casefold() == word.strip().casefold()), None)
            if found is None:
                unknown.append(word)
            elif found not in chosen:
                chosen.append(found)
        return chosen, unknown

    def _add(self, org_id: str, name: str, url: str, selectors: dict[str, str] | None) -> Competitor:
        competitor = Competitor(org_id=org_id, name=name, url=url, selectors=selectors)
        with Session(self._engine, expire_on_commit=False) as session:
            taken = session.exec(select(Competitor.id).where(Competitor.org_id == org_id, Competitor.name == name)).first()
            if taken is not None:
                raise CompetitorExists(f"a competitor named {name!r} already exists")
            session.add(competitor)
            try:
                session.commit()
            except IntegrityError:
                raise CompetitorExists(f"a competitor named {name!r} already exists") from None
        return competitor

    def _list(self, org_id: str) -> list[Competitor]:
        with Session(self._engine, expire_on_commit=False) as session:
            query = select(Competitor).where(Competitor.org_id == org_id).order_by(col(Competitor.created_at), col(Competitor.id))
            return list(session.exec(query))

    def _delete(self, org_id: str, competitor_id: str) -> bool:
        with Session(self._engine) as session:
            competitor = session.get(Competitor, competitor_id)
            if competitor is None or competitor.org_id != org_id:
                return False
            session.execute(delete(CompetitorSnapshot).where(CompetitorSnapshot.competitor_id == competitor_id))
            session.delete(competitor)
            session.commit()
        return True
