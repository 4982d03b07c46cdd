"""Creating an organisation and its owner (a shop of one's own, not only the demo)."""
from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from scheduler.store.repositories.base import Repository
from scheduler.store.tables import Organization, User

ORG_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}\Z")
EMAIL = re.compile(r"[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+\Z")


def check_timezone(zone: str) -> str:
    """The zone when it is an IANA name ("America/New_York"); a ValueError otherwise."""
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {zone!r} (use an IANA name such as America/New_York)") from None
    return zone


class OrganizationRepository(Repository):
    """Organisations and their owners."""

    async def create(self, org_id: str, name: str, timezone: str, owner_email: str) -> Organization:
        """A new organisation with its owner; a ValueError for a bad id, zone or email, or an id already taken."""
        if not ORG_ID.match(org_id):
            raise ValueError(f"organisation id {org_id!r} must be lower-case letters, digits, '-' or '_' (at most 63)")
        if not name.strip():
            raise ValueError("the organisation needs a name")
        check_timezone(timezone)
        if not EMAIL.match(owner_email.strip()):
            raise ValueError(f"not an email address: {owner_email!r}")
        return await self._off_loop(self._create, org_id, name.strip(), timezone, owner_email.strip().lower())

    def _create(self, org_id: str, name: str, timezone: str, email: str) -> Organization:
        with Session(self._engine, expire_on_commit=False) as session:
            if session.get(Organization, org_id) is not None:
                raise ValueError(f"organisation {org_id!r} already exists")
            org = Organization(id=org_id, name=name, timezone=timezone)
            session.add(org)
            session.flush()
            session.add(User(org_id=org_id, email=email, name="Owner"))
            try:
                session.commit()
            except IntegrityError:
                raise ValueError(f"organisation {org_id!r} already exists") from None  # created meanwhile
        return org
