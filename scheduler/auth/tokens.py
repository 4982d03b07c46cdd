"""Credentials: user session tokens, agent keys (stored hashed) and the cron secret."""
from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets
import time
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from scheduler.catalog import persona
from scheduler.settings import Settings
from scheduler.store.tables import ApiToken, Organization, User


class UnknownOrganization(LookupError):
    """The organisation named does not exist."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user, an agent of an org, or the scheduler (cron secret, no org)."""

    kind: str  # "user" | "agent" | "cron"
    org_id: str | None = None
    user_id: str | None = None
    agent: str | None = None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_session_token(engine: Engine, org_id: str, email: str) -> str:
    """A new session token for the user with this email (created in the org if new)."""
    with Session(engine) as session:
        if session.get(Organization, org_id) is None:
            raise UnknownOrganization(f"no organisation {org_id!r}")
        user = session.exec(select(User).where(User.org_id == org_id, User.email == email)).first()
        if user is None:
            user = User(org_id=org_id, email=email)
            session.add(user)
            session.flush()
        token = "pbs_" + secrets.token_urlsafe(32)
        session.add(ApiToken(org_id=org_id, kind="session", user_id=user.id, token_hash=_hash(token)))
        session.commit()
    return token


def issue_agent_key(engine: Engine, org_id: str, agent: str) -> str:
    """A new API key for one persona of an organisation."""
    persona(agent)  # a clear error naming the known personas
    with Session(engine) as session:
        if session.get(Organization, org_id) is None:
            raise UnknownOrganization(f"no organisation {org_id!r}")
        key = "pba_" + secrets.token_urlsafe(32)
        session.add(ApiToken(org_id=org_id, kind="agent", agent=agent, token_hash=_hash(key)))
        session.commit()
    return key


# A verified token is remembered this long, so a burst of calls costs one lookup, not one per call.
# Revocation is honoured within this bound on every process: only tokens found valid are kept, each for at
# most TOKEN_CACHE_SECONDS from when the row was read, and an unknown or revoked token is never cached.
TOKEN_CACHE_SECONDS = 1.0
_TOKEN_CACHE_MAX = 10_000
_verified: weakref.WeakKeyDictionary[Engine, dict[str, tuple[float, Principal]]] = weakref.WeakKeyDictionary()
_TOKENS = ApiToken.__table__
_BY_HASH = (
    select(_TOKENS.c.kind, _TOKENS.c.org_id, _TOKENS.c.user_id, _TOKENS.c.agent, _TOKENS.c.revoked_at, _TOKENS.c.created_at)
    .where(_TOKENS.c.token_hash == bindparam("token_hash"))
)


def remembered_principal(engine: Engine, token: str) -> Principal | None:
    """The principal of a token verified less than TOKEN_CACHE_SECONDS ago, without I/O; None if not remembered."""
    hit = _verified.get(engine, {}).get(_hash(token))
    return hit[1] if hit is not None and hit[0] > time.monotonic() else None


def _expired(created_at: datetime | None, ttl: timedelta | None, now: datetime | None) -> bool:
    if ttl is None or created_at is None:
        return False
    if created_at.tzinfo is None:  # SQLite hands back naive UTC
        created_at = created_at.replace(tzinfo=UTC)
    return created_at + ttl <= (now or datetime.now(UTC))


def authenticate_token(engine: Engine, token: str, session_ttl: timedelta | None = None,
                       at: datetime | None = None) -> Principal | None:
    """The principal of a session token or agent key, or None (revoked, or a session older than `session_ttl`)."""
    # Lookup by SHA-256: the stored value is not the secret, so timing reveals nothing useful.
    digest = _hash(token)
    cache = _verified.setdefault(engine, {})
    hit = cache.get(digest)
    now = time.monotonic()
    if hit is not None and hit[0] > now:
        return hit[1]
    with engine.connect() as conn:
        row = conn.execute(_BY_HASH, {"token_hash": digest}).first()
    # Agent keys are long-lived credentials of a machine; only user sessions expire.
    if row is None or row.revoked_at is not None or (row.kind != "agent" and _expired(row.created_at, session_ttl, at)):
        cache.pop(digest, None)
        return None
    if row.kind == "agent":
        principal = Principal(kind="agent", org_id=row.org_id, agent=row.agent)
    else:
        principal = Principal(kind="user", org_id=row.org_id, user_id=row.user_id)
    if len(cache) >= _TOKEN_CACHE_MAX:
        cache.clear()  # many distinct tokens at once: start over rather than track ages
    cache[digest] = (now + TOKEN_CACHE_SECONDS, principal)
    return principal


def cron_secrets(settings: Settings) -> list[bytes]:
    """Every secret accepted now: CRON_SECRET, CRON_SECRET_PREVIOUS and the lines of CRON_SECRET_FILE."""
    values = [settings.cron_secret, settings.cron_secret_previous]
    if settings.cron_secret_file is not None:
        # Read on every call so a rotated file takes effect without a restart; an unreadable file adds nothing.
        with contextlib.suppress(OSError):
            values += settings.cron_secret_file.read_text(encoding="utf-8").splitlines()
    return [v.strip().encode("utf-8") for v in values if v and v.strip()]


def is_cron_secret(settings: Settings, presented: bytes) -> bool:
    """True when the bytes equal an accepted secret; always False when none is set (fail closed)."""
    matched = False
    # Digests first, so even the length of a secret does not show in the timing.
    presented_digest = hashlib.sha256(presented).digest()
    for secret in cron_secrets(settings):
        # Every secret is compared, each in constant time over bytes.
        matched |= hmac.compare_digest(hashlib.sha256(secret).digest(), presented_digest)
    return matched


def revoke_token(engine: Engine, token: str) -> bool:
    """Revoke a session token or agent key; False when no such credential is live."""
    with Session(engine) as session:
        row = session.exec(select(ApiToken).where(ApiToken.token_hash == _hash(token))).first()
        if row is None or row.revoked_at is not None:
            return False
        row.revoked_at = datetime.now(UTC)
        session.add(row)
        session.commit()
    _verified.get(engine, {}).pop(_hash(token), None)
    return True


def session_ttl(settings: Settings) -> timedelta | None:
    """How long a session token lives (PLAYBOOKS_SESSION_TTL_HOURS; 0 is forever)."""
    return timedelta(hours=settings.session_ttl_hours) if settings.session_ttl_hours > 0 else None
