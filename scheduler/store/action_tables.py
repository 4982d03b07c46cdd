"""Tables of what competitor findings turn into: competitive actions, approvals, drafts, heartbeat checks."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from scheduler.store.tables import _json, _ts, new_id, utcnow


class CompetitiveAction(SQLModel, table=True):
    """A finding turned into work for a persona; consumed once (pending -> in_progress -> done / dismissed)."""

    __tablename__ = "competitive_actions"
    __table_args__ = (Index("ix_competitive_actions_queue", "org_id", "type", "status"),)
    id: str = Field(default_factory=lambda: new_id("act"), primary_key=True)
    org_id: str = Field(foreign_key="organizations.id", index=True)
    type: str  # price_adjustment, counter_campaign, inventory_alert, margin_optimization
    priority: str  # low, medium, high, critical
    recommendation: str
    data: dict[str, Any] = _json(dict)
    status: str = "pending"
    source_execution_id: str | None = None
    # The step (`execution_id:step_index`) that claimed it: its own retry may take it again, nobody else.
    claimed_by: str | None = None
    created_at: datetime = _ts(nullable=False, default=utcnow, index=True)
    updated_at: datetime = _ts(nullable=False, default=utcnow)


class Approval(SQLModel, table=True):
    """A question to the owner that a run waits on; decided once (approve, reject, or its timeout outcome)."""

    __tablename__ = "approvals"
    id: str = Field(default_factory=lambda: new_id("apr"), primary_key=True)
    org_id: str = Field(foreign_key="organizations.id", index=True)
    execution_id: str = Field(index=True)
    step_index: int
    kind: str  # approval (a plain yes/no), price_change (applied on approve)
    prompt: str
    data: dict[str, Any] = _json(dict)
    status: str = Field(default="pending", index=True)  # pending, approved, rejected
    on_timeout: str = "reject"
    expires_at: datetime = _ts(nullable=False, index=True)
    decided_at: datetime | None = _ts(nullable=True)
    decided_by: str | None = None  # user, agent or "timeout"
    note: str | None = None
    created_at: datetime = _ts(nullable=False, default=utcnow)


class Draft(SQLModel, table=True):
    """Something a persona prepared for the owner and never sent: a campaign draft, a reorder list."""

    __tablename__ = "drafts"
    id: str = Field(default_factory=lambda: new_id("drf"), primary_key=True)
    org_id: str = Field(foreign_key="organizations.id", index=True)
    kind: str  # campaign, reorder_list
    title: str
    body: str
    data: dict[str, Any] = _json(dict)
    execution_id: str | None = None
    created_at: datetime = _ts(nullable=False, default=utcnow)


class HeartbeatCheck(SQLModel, table=True):
    """One check of one heartbeat of an organisation: ok, or an alert with a message and a priority."""

    __tablename__ = "heartbeat_checks"
    id: int | None = Field(default=None, primary_key=True)
    org_id: str = Field(foreign_key="organizations.id", index=True)
    beat_id: str  # the checks of one heartbeat share it
    name: str
    status: str  # ok, alert
    message: str
    priority: str | None = None
    data: dict[str, Any] = _json(dict)
    checked_at: datetime = _ts(nullable=False, default=utcnow, index=True)
