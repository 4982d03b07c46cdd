"""Organisations and their users, as steps look them up."""
from __future__ import annotations

from sqlmodel import Session, select

from scheduler.store.repositories.base import Repository
from scheduler.store.tables import Organization, User


class TenantRepository(Repository):
    """The organisation's zone and its users' ids."""

    async def timezone(self, org_id: str) -> str | None:
        """The organisation's IANA zone, or None if there is no such organisation."""
        return await self._off_loop(self._timezone, org_id)

    async def user_id_by_email(self, org_id: str, email: str) -> str | None:
        """The id of the organisation's user with this email, or None."""
        return await self._off_loop(self._user_id_by_email, org_id, email)

    async def set_phone(self, org_id: str, email: str, phone: str | None) -> bool:
        """Set (or with None clear) the phone `send_sms` texts the user on; False when there is no such user."""
        return await self._off_loop(self._set_phone, org_id, email, phone)

    def _set_phone(self, org_id: str, email: str, phone: str | None) -> bool:
        with Session(self._engine) as session:
            user = session.exec(select(User).where(User.org_id == org_id, User.email == email.strip().lower())).first()
            if user is None:
                return False
            user.phone = phone
            session.add(user)
            session.commit()
        return True

    async def user_emails(self, org_id: str) -> set[str]:
        """The addresses of the organisation's users, lower-cased: where its mail may go without asking."""
        return await self._off_loop(self._user_emails, org_id)

    def _user_emails(self, org_id: str) -> set[str]:
        with Session(self._engine) as session:
            return {e.lower() for e in session.exec(select(User.email).where(User.org_id == org_id))}

    def _timezone(self, org_id: str) -> str | None:
        with Session(self._engine) as session:
            org = session.get(Organization, org_id)
            return org.timezone if org else None

    def _user_id_by_email(self, org_id: str, email: str) -> str | None:
        with Session(self._engine) as session:
            return session.exec(select(User.id).where(User.org_id == org_id, User.email == email)).first()
