"""Tables of the store: tenants, credentials, playbooks, their schedules, the run ledger, the shop (products, customers, orders)."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, UniqueConstraint, false
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from scheduler.domain.spec import EventTrigger, SchedulePolicy, ScheduleTrigger, StepSpec, Trigger, parse_steps, parse_triggers
from scheduler.domain.status import ExecutionStatus, PlaybookStatus, StepStatus, TriggeredBy


def utcnow() -> datetime:
    """Aware UTC now (the store keeps UTC only)."""
    return datetime.now(UTC)


def iso_utc(value: datetime | None) -> str | None:
    """ISO-8601 in UTC with a Z, as the API writes instants."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def new_id(prefix: str) -> str:
    """A short opaque id with a readable prefix (pb_..., ex_...)."""
    return f"{prefix}_{uuid.uuid4().hex[:20]}"


class UTCDateTime(TypeDecorator):
    """Stores UTC, always reads back aware UTC (SQLite forgets the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _ts(nullable: bool, default: Any = None, index: bool = False) -> Any:
    if default is not None:
        return Field(default_factory=default, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


def _json(default: Any) -> Any:
    return Field(default_factory=default, sa_column=Column(JSON, nullable=False))


class Organization(SQLModel, table=True):
    __tablename__ = "organizations"
    id: str = Field(primary_key=True)
    name: str
    timezone: str = "America/New_York"
    created_at: datetime = _ts(nullable=False, default=utcnow)


class User(SQLModel, table=True):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("org_id", "email"),)
    id: str = Field(default_factory=lambda: new_id("usr"), primary_key=True)
    org_id: str = Field(foreign_key="organizations.id", index=True)
    email: str
    name: str = ""
    phone: str | None = None  # where `send_sms` texts the user ({{user.phone}})
    created_at: datetime = _ts(nullable=False, default=utcnow)


class ApiToken(SQLModel, table=True):
    """A session token (user) or agent key; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    id: str = Field(default_factory=lambda: new_id("tok"), primary_key=True)
    org_id: str = Field(foreign_key="organizations.id", index=True)
    kind: str  # "session" | "agent"
    user_id: str | None = Field(default=None, foreign_key="users.id")
    agent: str | None = None
    token_hash: str = Field(unique=True, index=True)
    created_at: datetime = _ts(nullable=False, default=utcnow)
    revoked_at: datetime | None = _ts(nullable=True)


class Playbook(SQLModel, table=True):
    __tablename__ = "playbooks"
    id: str = Field(default_factory=lambda: new_id("pb"), primary_key=True)
    org_id: str = Field(foreign_key="organizations.id", index=True)
    name: str
    agent: str
    category: str
    status: str = Field(default=PlaybookStatus.active, index=True)
    triggers: list[dict[str, Any]] = _json(list)
    steps: list[dict[str, Any]] = _json(list)
    version: int = 1
    created_by: str | None = None
    created_at: datetime = _ts(nullable=False, default=utcnow)
    updated_at: datetime = _ts(nullable=False, default=utcnow)
    # Deleted playbooks keep their row so their run history stays readable.
    deleted_at: datetime | None = _ts(nullable=True)
    # Catch-up and overlap policy (SchedulePolicy, camelCase); empty means the defaults.
    policy: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}"))
    # Set only while paused until an instant: the engine makes it active again then (indexed: the doorbell's earliest).
    resume_at: datetime | None = _ts(nullable=True, index=True)

    @property
    def trigger_specs(self) -> list[Trigger]:
        """The triggers, typed (the JSON column holds them as saved, timezones filled in)."""
        return parse_triggers(self.triggers)

    @property
    def step_specs(self) -> list[StepSpec]:
        """The steps, typed."""
        return parse_steps(self.steps)

    @property
    def schedules(self) -> list[tuple[int, ScheduleTrigger]]:
        """Each schedule trigger with its index among the triggers."""
        return [(i, t) for i, t in enumerate(self.trigger_specs) if isinstance(t, ScheduleTrigger)]

    @property
    def event_triggers(self) -> list[EventTrigger]:
        """The event triggers."""
        return [t for t in self.trigger_specs if isinstance(t, EventTrigger)]

    @property
    def is_live(self) -> bool:
        """Active and not deleted: the playbooks the scheduler keeps jobs for."""
        return self.status == PlaybookStatus.active and self.deleted_at is None

    @property
    def keeps_schedules(self) -> bool:
        """Live, or paused until an instant: its slots keep coming, recorded as paused until it resumes."""
        paused_until = self.status == PlaybookStatus.paused and self.resume_at is not None
        return self.deleted_at is None and (self.status == PlaybookStatus.active or paused_until)

    @property
    def policy_spec(self) -> SchedulePolicy:
        """The catch-up and overlap policy, typed (defaults for what is not stored)."""
        return SchedulePolicy.model_validate(self.policy or {})


class Schedule(SQLModel, table=True):
    """One schedule trigger of a live playbook, derived from it in the same transaction; due when next_fire_at passes."""

    __tablename__ = "schedules"
    __table_args__ = (UniqueConstraint("playbook_id", "trigger_index", name="uq_schedule_trigger"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: str = Field(foreign_key="organizations.id")
    playbook_id: str = Field(foreign_key="playbooks.id", index=True)
    trigger_index: int
    cron: str
    timezone: str
    # UTC; the doorbell wakes at the smallest, and a fire claims every row at or before now.
    next_fire_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    # What a fire does with slots that passed unrun ("latest": run the newest within grace) and with a
    # slot that comes while the last run still goes ("skip": recorded as skipped, naming that run).
    catch_up: str = "latest"
    overlap: str = "skip"
    # Catch-up latest: how late the newest passed slot still runs; catch-up all: how many passed slots run.
    grace_seconds: int = Field(default=3600, sa_column_kwargs={"server_default": "3600"})
    catch_up_limit: int = Field(default=10, sa_column_kwargs={"server_default": "10"})
    playbook_version: int = 1
    # The slot the last fire handled (what a fire claims, so two doorbells never take one row twice).
    last_slot_at: datetime | None = _ts(nullable=True)


class Execution(SQLModel, table=True):
    """One run of a playbook; (org, playbook, dedupe_key) makes every trigger fire once."""

    __tablename__ = "executions"
    __table_args__ = (UniqueConstraint("org_id", "playbook_id", "dedupe_key", name="uq_execution_dedupe"),)
    id: str = Field(default_factory=lambda: new_id("ex"), primary_key=True)
    org_id: str = Field(foreign_key="organizations.id", index=True)
    playbook_id: str = Field(foreign_key="playbooks.id", index=True)
    playbook_version: int = 1
    status: str = Field(default=ExecutionStatus.queued, index=True)
    triggered_by: str = TriggeredBy.manual
    dedupe_key: str
    scheduled_for: datetime | None = _ts(nullable=True)
    # The run context (user, org, trigger, event) and the steps as they were when triggered.
    context: dict[str, Any] = _json(dict)
    steps: list[dict[str, Any]] = _json(list)
    error: str | None = None
    lease_owner: str | None = None
    lease_expires_at: datetime | None = _ts(nullable=True)
    # Overlap policy queue: the scheduled run this one waits for; nobody claims it until that run ends.
    waits_for: str | None = None
    # A `waiting` run (a wait step, or a child run it waits for) is queued again at this instant (indexed: the wake bell).
    wake_at: datetime | None = _ts(nullable=True, index=True)
    attempts: int = 0
    created_at: datetime = _ts(nullable=False, default=utcnow)
    started_at: datetime | None = _ts(nullable=True)
    completed_at: datetime | None = _ts(nullable=True)

    @property
    def step_specs(self) -> list[StepSpec]:
        """The steps as they were when the run was triggered, typed."""
        return parse_steps(self.steps)


class StepRun(SQLModel, table=True):
    """The checkpoint of one step of one execution."""

    __tablename__ = "step_runs"
    __table_args__ = (UniqueConstraint("execution_id", "index", name="uq_step_run_index"),)
    id: str = Field(default_factory=lambda: new_id("sr"), primary_key=True)
    execution_id: str = Field(foreign_key="executions.id", index=True)
    index: int
    action: str
    status: str = StepStatus.running
    output: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    seen: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    error: str | None = None
    attempts: int = 0
    # A step found `running` after its process died is suspect and runs again alone (`alone` set while it does);
    # `crashes` counts the deaths while it ran alone: those are its own doing, and three give it up.
    crashes: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    alone: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    started_at: datetime | None = _ts(nullable=True)
    completed_at: datetime | None = _ts(nullable=True)


class SideEffect(SQLModel, table=True):
    """A side effect done under key `execution_id:step_index`; its presence means: never again."""

    __tablename__ = "side_effects"
    key: str = Field(primary_key=True)
    org_id: str = Field(index=True)
    kind: str
    result: dict[str, Any] = _json(dict)
    created_at: datetime = _ts(nullable=False, default=utcnow)


class Notification(SQLModel, table=True):
    __tablename__ = "notifications"
    id: str = Field(default_factory=lambda: new_id("ntf"), primary_key=True)
    org_id: str = Field(foreign_key="organizations.id", index=True)
    user_id: str | None = Field(default=None, foreign_key="users.id")
    title: str
    body: str = ""
    execution_id: str | None = None
    created_at: datetime = _ts(nullable=False, default=utcnow)
    read_at: datetime | None = _ts(nullable=True)


class Product(SQLModel, table=True):
    __tablename__ = "products"
    # A sku is the owner's own code: unique within the organisation (NULLs, as the demo's, never clash).
    __table_args__ = (UniqueConstraint("org_id", "sku", name="uq_product_sku"),)
    id: str = Field(default_factory=lambda: new_id("prd"), primary_key=True)
    org_id: str = Field(foreign_key="organizations.id", index=True)
    sku: str | None = None
    name: str
    category: str = ""
    price: float
    cost: float = 0.0
    quantity: int = 0
    reorder_point: int = 0


class Customer(SQLModel, table=True):
    """A shop's customer: contact details, loyalty tier, and when they first and last bought."""

    __tablename__ = "customers"
    # An email is one person within an organisation (NULLs, customers who gave none, never clash).
    __table_args__ = (UniqueConstraint("org_id", "email", name="uq_customer_email"),)
    id: str = Field(default_factory=lambda: new_id("cus"), primary_key=True)
    org_id: str = Field(foreign_key="organizations.id", index=True)
    name: str
    email: str | None = None
    phone: str | None = None
    loyalty_tier: str = "bronze"  # bronze, silver, gold, platinum (repositories.customers.LOYALTY_TIERS)
    first_seen_at: datetime | None = _ts(nullable=True)
    last_seen_at: datetime | None = _ts(nullable=True)
    created_at: datetime = _ts(nullable=False, default=utcnow)


class Order(SQLModel, table=True):
    __tablename__ = "orders"
    id: str = Field(default_factory=lambda: new_id("ord"), primary_key=True)
    org_id: str = Field(foreign_key="organizations.id", index=True)
    # None for a walk-in who gave no name.
    customer_id: str | None = Field(default=None, foreign_key="customers.id", index=True)
    placed_at: datetime = _ts(nullable=False, default=utcnow, index=True)
    total: float


class OrderItem(SQLModel, table=True):
    __tablename__ = "order_items"
    id: str = Field(default_factory=lambda: new_id("oi"), primary_key=True)
    order_id: str = Field(foreign_key="orders.id", index=True)
    product_id: str = Field(foreign_key="products.id")
    quantity: int
    unit_price: float


class Competitor(SQLModel, table=True):
    """A competitor whose menu page scan_competitors reads; `selectors` only for sites the readers miss."""

    __tablename__ = "competitors"
    __table_args__ = (UniqueConstraint("org_id", "name", name="uq_competitor_name"),)
    id: str = Field(default_factory=lambda: new_id("cmp"), primary_key=True)
    org_id: str = Field(foreign_key="organizations.id", index=True)
    name: str
    url: str
    selectors: dict[str, str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # A demo competitor whose page ships with the package and `serve` itself serves on loopback: the one
    # kind of competitor fetched from loopback without PLAYBOOKS_ALLOW_LOOPBACK_FETCH. Only the seed sets it.
    bundled: bool = False
    created_at: datetime = _ts(nullable=False, default=utcnow)


class CompetitorSnapshot(SQLModel, table=True):
    """What one scan read from a competitor's page: its content hash, products and promotion banners.

    One row per (competitor, execution): a resumed scan replaces its own row rather than adding a
    second, so "the latest against the one before" still compares two different scans.
    """

    __tablename__ = "competitor_snapshots"
    __table_args__ = (UniqueConstraint("competitor_id", "execution_id", name="uq_snapshot_scan"),)
    # An increasing integer orders snapshots even when two scans share a timestamp.
    id: int | None = Field(default=None, primary_key=True)
    org_id: str = Field(foreign_key="organizations.id", index=True)
    competitor_id: str = Field(foreign_key="competitors.id", index=True)
    execution_id: str
    content_hash: str
    products: list[dict[str, Any]] = _json(list)
    promotions: list[str] = _json(list)
    taken_at: datetime = _ts(nullable=False, default=utcnow, index=True)


class Integration(SQLModel, table=True):
    """Where an organisation's outbound channels go: a Slack incoming webhook, a signed webhook endpoint."""

    __tablename__ = "integrations"
    __table_args__ = (UniqueConstraint("org_id", "kind", "name", name="uq_integration_name"),)
    id: str = Field(default_factory=lambda: new_id("int"), primary_key=True)
    org_id: str = Field(foreign_key="organizations.id", index=True)
    kind: str  # slack, webhook
    name: str  # picks one when an org has several of a kind ("default" unless named)
    url: str
    secret: str | None = None  # webhook: the whsec_ signing secret, shown once when added
    created_at: datetime = _ts(nullable=False, default=utcnow)


class IdempotencyKey(SQLModel, table=True):
    """A call made with an Idempotency-Key: its body's fingerprint and, once answered, the answer to repeat."""

    __tablename__ = "idempotency_keys"
    org_id: str = Field(foreign_key="organizations.id", primary_key=True)
    scope: str = Field(primary_key=True)  # the route, e.g. "POST /api/playbooks"
    key: str = Field(primary_key=True)
    fingerprint: str  # SHA-256 of the request body: the same key with another body is refused
    status_code: int | None = None  # None while the first call is still in flight
    response: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: datetime = _ts(nullable=False, default=utcnow)
