"""Settings from the environment or a .env file (names as in CONTRACTS.md)."""
from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

EXECUTORS = ("inline", "celery")


def _without_password(url: str) -> str:
    """A URL fit for a message or a log line: its password replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@", 1)).geturl()


def _server_url(value: str, name: str, schemes: tuple[str, ...], looks_like: str) -> str:
    """`value` if it is a URL of one of `schemes` with a host and a good port; else a clear error (no password shown)."""
    parts = urlsplit(value)
    try:
        _ = parts.port  # reading it checks it
    except ValueError:
        raise ValueError(f"{name} has a bad port: {_without_password(value)!r}") from None
    if parts.scheme not in schemes or not parts.hostname:
        raise ValueError(f"{name} must look like {looks_like}")
    return value


class Settings(BaseSettings):
    """Every knob of the service; unset secrets stay None and fail closed."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    home: Path = Field(Path("./var"), validation_alias="PLAYBOOKS_HOME")
    database_url: str | None = Field(None, validation_alias="PLAYBOOKS_DATABASE_URL")
    cron_secret: str | None = Field(None, validation_alias="CRON_SECRET")
    cron_secret_previous: str | None = Field(
        None, validation_alias="CRON_SECRET_PREVIOUS"
    )
    cron_secret_file: Path | None = Field(None, validation_alias="CRON_SECRET_FILE")
    anthropic_api_key: str | None = Field(None, validation_alias="ANTHROPIC_API_KEY")
    anthropic_base_url: str | None = Field(
        None, validation_alias="ANTHROPIC_BASE_URL"
    )
    # Claude: the cheaper model answers routine turns (wording a tool's result), the stronger one reads
    # a request and composes or changes a playbook, where a better plan pays for itself.
    model_fast: str = Field("claude-haiku-4-5", validation_alias="PLAYBOOKS_MODEL_FAST")
    model_strong: str = Field("claude-sonnet-4-5", validation_alias="PLAYBOOKS_MODEL_STRONG")
    # Retries of an overloaded or failing Claude call (the client backs off between them) before the user is told.
    model_retries: int = Field(2, ge=0, le=10, validation_alias="PLAYBOOKS_MODEL_RETRIES")
    smtp_url: str | None = Field(None, validation_alias="PLAYBOOKS_SMTP_URL")
    # inline: runs are asyncio tasks of the process that files them; celery: they go to `playbooks worker`s through Redis.
    executor: str = Field("inline", validation_alias="PLAYBOOKS_EXECUTOR")
    redis_url: str | None = Field(None, validation_alias="PLAYBOOKS_REDIS_URL")
    # The Celery queue (and the prefix of its Redis keys): deployments or tests sharing one Redis keep apart by name.
    celery_queue: str = Field("playbooks", validation_alias="PLAYBOOKS_CELERY_QUEUE")
    allow_loopback_fetch: bool = Field(
        False, validation_alias="PLAYBOOKS_ALLOW_LOOPBACK_FETCH"
    )
    # SMS over a Twilio-compatible API; without an account, texts go to $PLAYBOOKS_HOME/sms/.
    twilio_account_sid: str | None = Field(None, validation_alias="PLAYBOOKS_TWILIO_ACCOUNT_SID")
    twilio_auth_token: str | None = Field(None, validation_alias="PLAYBOOKS_TWILIO_AUTH_TOKEN")
    twilio_from: str | None = Field(None, validation_alias="PLAYBOOKS_TWILIO_FROM")
    twilio_base_url: str | None = Field(None, validation_alias="PLAYBOOKS_TWILIO_BASE_URL")
    # Where save_to_drive writes: any fsspec URL (s3://bucket/prefix, memory://...); default $PLAYBOOKS_HOME/drive/.
    drive_url: str | None = Field(None, validation_alias="PLAYBOOKS_DRIVE_URL")
    # Runs one process executes at once; more wait their turn, oldest first. A run mostly waits on
    # I/O (the store, SMTP, web pages), so a few per core keep the cores busy without thrashing.
    max_concurrent_runs: int = Field(
        default_factory=lambda: 4 * (os.cpu_count() or 1), ge=1, validation_alias="PLAYBOOKS_MAX_CONCURRENT_RUNS"
    )
    # Run-engine tuning; not part of the public contract.
    lease_seconds: float = Field(60.0, validation_alias="PLAYBOOKS_LEASE_SECONDS")
    recovery_interval_seconds: float = Field(
        30.0, validation_alias="PLAYBOOKS_RECOVERY_INTERVAL"
    )
    # An approval nobody decides takes its declared timeout outcome (reject by default) after this long.
    approval_timeout_hours: float = Field(72.0, gt=0, validation_alias="PLAYBOOKS_APPROVAL_TIMEOUT_HOURS")
    # How often each organisation's heartbeat checks run (critical threats, stock-outs, failing playbooks).
    heartbeat_interval_seconds: float = Field(3600.0, gt=0, validation_alias="PLAYBOOKS_HEARTBEAT_INTERVAL")

    # A chain of events (a run started by one emits the next...) is cut past this many links.
    event_chain_limit: int = Field(5, ge=1, validation_alias="PLAYBOOKS_EVENT_CHAIN_LIMIT")
    # customer.lapsed: a customer not seen for this many days (checked daily).
    customer_lapsed_days: int = Field(60, ge=1, validation_alias="PLAYBOOKS_CUSTOMER_LAPSED_DAYS")
    # Session tokens (not agent keys) stop working this long after they were issued; 0 means never.
    session_ttl_hours: float = Field(24 * 30, ge=0, validation_alias="PLAYBOOKS_SESSION_TTL_HOURS")
    # Request bodies are refused past these sizes before they are read (the CSV import has its own 5 MB).
    max_body_bytes: int = Field(1024 * 1024, ge=1024, validation_alias="PLAYBOOKS_MAX_BODY_BYTES")
    max_chat_body_bytes: int = Field(256 * 1024, ge=1024, validation_alias="PLAYBOOKS_MAX_CHAT_BODY_BYTES")
    # Calls per minute and organisation (a burst of that many, refilled evenly); 0 turns a limit off.
    rate_execute_per_minute: int = Field(120, ge=0, validation_alias="PLAYBOOKS_RATE_EXECUTE_PER_MINUTE")
    rate_chat_per_minute: int = Field(30, ge=0, validation_alias="PLAYBOOKS_RATE_CHAT_PER_MINUTE")

    @field_validator("executor")
    @classmethod
    def _known_executor(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in EXECUTORS:
            # Running inline when something else was asked would surprise: refuse instead.
            raise ValueError(f"PLAYBOOKS_EXECUTOR={value!r} is not an executor; use 'inline' or 'celery'")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if not value or not value.strip():
            return None
        return _server_url(value.strip(), "PLAYBOOKS_REDIS_URL", ("redis", "rediss"),
                           "redis://[:password@]host:6379/0 (rediss:// for TLS)")

    @field_validator("model_fast", "model_strong")
    @classmethod
    def _model_named(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("PLAYBOOKS_MODEL_FAST and PLAYBOOKS_MODEL_STRONG must name Claude models, e.g. claude-sonnet-4-5")
        return value.strip()

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        return _server_url(value, "PLAYBOOKS_SMTP_URL", ("smtp", "smtps"), "smtp://user:pass@host:port or smtps://host:port")

    @field_validator("twilio_base_url")
    @classmethod
    def _twilio_base_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        parts = urlsplit(value)
        local = (parts.hostname or "") in ("127.0.0.1", "::1", "localhost")
        # The auth token goes in every request: never across a network in clear text.
        if not parts.hostname or parts.scheme not in ("https", "http") or (parts.scheme == "http" and not local):
            raise ValueError("PLAYBOOKS_TWILIO_BASE_URL must be an https:// URL (http:// only on loopback)")
        return value

    @field_validator("celery_queue")
    @classmethod
    def _queue_name(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9_.-]{1,100}", value):
            raise ValueError(f"PLAYBOOKS_CELERY_QUEUE must be 1 to 100 letters, digits, '.', '_' or '-'; got {value!r}")
        return value

    @model_validator(mode="after")
    def _broker_given(self) -> Settings:
        # Fail closed: with no broker, runs would be filed and never run.
        if self.executor == "celery" and not self.redis_url:
            raise ValueError("PLAYBOOKS_EXECUTOR=celery needs PLAYBOOKS_REDIS_URL, the Celery broker "
                             "(e.g. redis://127.0.0.1:6379/0)")
        return self

    @model_validator(mode="after")
    def _twilio_complete(self) -> Settings:
        given = {"PLAYBOOKS_TWILIO_ACCOUNT_SID": self.twilio_account_sid, "PLAYBOOKS_TWILIO_AUTH_TOKEN": self.twilio_auth_token,
                 "PLAYBOOKS_TWILIO_FROM": self.twilio_from}
        missing = [name for name, value in given.items() if not value]
        # Half a Twilio account would quietly write texts to the outbox instead: refuse it.
        if self.twilio_account_sid and missing:
            raise ValueError(f"PLAYBOOKS_TWILIO_ACCOUNT_SID is set but {' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not")
        if not self.twilio_account_sid and self.twilio_auth_token:
            raise ValueError("PLAYBOOKS_TWILIO_AUTH_TOKEN is set but PLAYBOOKS_TWILIO_ACCOUNT_SID is not")
        return self

    @property
    def resolved_database_url(self) -> str:
        """The configured URL, else a SQLite file inside PLAYBOOKS_HOME."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'playbooks.db').resolve()}"

    @property
    def redis_url_shown(self) -> str:
        """The broker URL without its password (banners, logs)."""
        return _without_password(self.redis_url or "")

    @property
    def outbox(self) -> Path:
        """Folder where mail lands when no SMTP server is configured."""
        return self.home / "outbox"


@lru_cache
def get_settings() -> Settings:
    """Settings read once per process (tests pass aliases: Settings(PLAYBOOKS_HOME=...))."""
    return Settings()
