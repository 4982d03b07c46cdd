"""An organisation's outbound endpoints: Slack incoming webhooks and signed webhooks, added, listed, removed, picked."""
from __future__ import annotations

import base64
import re
import secrets

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from scheduler.integrations.http import FetchError, check_url
from scheduler.store.repositories.base import Repository
from scheduler.store.tables import Integration

KINDS = ("slack", "webhook")
DEFAULT_NAME = "default"
MAX_NAME = 60
_NAME = re.compile(r"^[#\w][\w .#-]*$")


class IntegrationExists(ValueError):
    """The organisation already has an integration of this kind and name."""


def new_webhook_secret() -> str:
    """A Standard Webhooks signing secret: `whsec_` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def check_integration(kind: str, url: str, name: str, allow_loopback: bool) -> tuple[str, str]:
    """(url, name) cleaned when an integration may be added; a ValueError naming the problem otherwise."""
    if kind not in KINDS:
        raise ValueError(f"unknown integration kind {kind!r} (known: {', '.join(KINDS)})")
    name = name.strip()
    if not name or len(name) > MAX_NAME or not _NAME.match(name):
        raise ValueError(f"an integration name is 1 to {MAX_NAME} letters, digits, spaces or . # - _")
    url = url.strip()
    try:
        # The guarded transport's own check: a URL it would refuse is refused now, not on every run.
        check_url(url, allow_loopback)
    except FetchError as exc:
        raise ValueError(str(exc)) from None
    return url, name


class IntegrationRepository(Repository):
    """The organisation's Slack and webhook endpoints; a webhook's secret is made here and shown once."""

    async def add(self, org_id: str, kind: str, url: str, name: str = DEFAULT_NAME,
                  allow_loopback: bool = False) -> Integration:
        """Store an endpoint (a webhook gets a new whsec_ secret); a ValueError for a bad kind, URL, name, or a name in use."""
        url, name = check_integration(kind, url, name, allow_loopback)
        secret = new_webhook_secret() if kind == "webhook" else None
        return await self._off_loop(self._add, Integration(org_id=org_id, kind=kind, name=name, url=url, secret=secret))

    async def list(self, org_id: str, kind: str | None = None) -> list[Integration]:
        """The organisation's integrations (of one kind), oldest first."""
        return await self._off_loop(self._list, org_id, kind)

    async def remove(self, org_id: str, ref: str) -> bool:
        """Remove an integration by id; False when the organisation has none such."""
        return await self._off_loop(self._remove, org_id, ref)

    async def pick(self, org_id: str, kind: str, name: str | None = None, url: str | None = None) -> Integration | None:
        """The integration of `kind` with this name or URL; with neither, the one named `default`, else the oldest."""
        every = await self.list(org_id, kind)
        if url is not None:
            return next((i for i in every if i.url == url), None)
        if name is not None:
            return next((i for i in every if i.name.casefold() == name.strip().casefold()), None)
        return next((i for i in every if i.name == DEFAULT_NAME), every[0] if every else None)

    def _add(self, integration: Integration) -> Integration:
        taken = f"a {integration.kind} integration named {integration.name!r} already exists"
        with Session(self._engine, expire_on_commit=False) as session:
            same = select(Integration.id).where(Integration.org_id == integration.org_id,
                                                Integration.kind == integration.kind, Integration.name == integration.name)
            if session.exec(same).first() is not None:
                raise IntegrationExists(taken)
            session.add(integration)
            try:
                session.commit()
            except IntegrityError:
                raise IntegrationExists(taken) from None
        return integration

    def _list(self, org_id: str, kind: str | None) -> list[Integration]:
        with Session(self._engine, expire_on_commit=False) as session:
            query = select(Integration).where(Integration.org_id == org_id)
            if kind is not None:
                query = query.where(Integration.kind == kind)
            return list(session.exec(query.order_by(col(Integration.created_at), col(Integration.id))))

    def _remove(self, org_id: str, ref: str) -> bool:
        with Session(self._engine) as session:
            integration = session.get(Integration, ref)
            if integration is None or integration.org_id != org_id:
                return False
            session.delete(integration)
            session.commit()
        return True
