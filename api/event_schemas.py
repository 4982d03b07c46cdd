"""Request and response models of the event routes and the shop writes that emit events (camelCase on the wire)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from pydantic.alias_generators import to_camel

from api.schemas import Page, camel_config
from scheduler.catalog import EVENT_NAMES
from scheduler.events.bus import Emitted
from scheduler.store.repositories.products import MAX_COUNT


class EventIn(BaseModel):
    """An event to emit: a catalog name, its data (`{{event.*}}` in the runs it starts), and an optional id (the dedupe key)."""

    model_config = camel_config({"name": "order.created", "data": {"order_id": "ord_1", "total": 640.0}, "id": "pos-7781"})

    name: str = Field(json_schema_extra={"examples": list(EVENT_NAMES)})
    data: dict[str, Any] = Field(default_factory=dict)
    id: str | None = Field(None, min_length=1, max_length=200, description="A repeat of an id starts nothing new")


class EventOut(BaseModel):
    """What an event did: the runs it started (a repeat: the ones it had started), or why it started none."""

    model_config = camel_config({"eventId": "pos-7781", "name": "order.created", "executionIds": ["ex_8d2e5b1f0a3c4e6d9b7a"],
                            "replayed": False, "suppressed": None})

    event_id: str
    name: str
    execution_ids: list[str]
    replayed: bool = False
    suppressed: str | None = None

    @classmethod
    def of(cls, emitted: Emitted) -> EventOut:
        """From the bus's answer."""
        return cls(event_id=emitted.event_id, name=emitted.name, execution_ids=emitted.execution_ids,
                   replayed=not emitted.created, suppressed=emitted.suppressed)


LOGGED_EXAMPLE: dict[str, Any] = {
    "eventId": "pos-7781", "name": "order.created", "data": {"total": 640.0}, "source": "api", "status": "delivered",
    "reason": None, "depth": 0, "chain": ["order.created"], "causeExecutionId": None, "createdAt": "2026-11-27T14:00:00Z",
    "deliveredAt": "2026-11-27T14:00:00Z"}


class LoggedEvent(BaseModel):
    """One row of the event log."""

    model_config = camel_config(LOGGED_EXAMPLE)

    event_id: str
    name: str
    data: dict[str, Any]
    source: str
    status: str
    reason: str | None
    depth: int
    chain: list[str]
    cause_execution_id: str | None
    created_at: datetime
    delivered_at: datetime | None


class EventLog(Page[LoggedEvent]):
    """A page of the organisation's events, newest first."""

    model_config = camel_config({"items": [LOGGED_EXAMPLE], "nextCursor": None})


class StockIn(BaseModel):
    """An item's new stock level, and optionally its reorder point."""

    model_config = camel_config({"quantity": 4, "reorderPoint": 10})

    quantity: int = Field(ge=0, le=MAX_COUNT)
    reorder_point: int | None = Field(None, ge=0, le=MAX_COUNT)


class StockOut(BaseModel):
    """The item as written, and the events its change emitted."""

    model_config = camel_config({"id": "prd_1", "name": "Blue Dream 3.5g", "quantity": 4, "reorderPoint": 10,
                            "events": [{"eventId": "evt_1", "name": "inventory.low_stock", "executionIds": []}]})

    id: str
    sku: str | None
    name: str
    quantity: int
    reorder_point: int
    events: list[EventOut]


class OrderLine(BaseModel):
    """One line of an order: a product of the shop, how many, at what price (default: its price)."""

    model_config = camel_config({"productId": "prd_1", "quantity": 2})

    product_id: str = Field(max_length=100)
    quantity: int = Field(ge=1, le=MAX_COUNT)
    unit_price: float | None = Field(None, ge=0, le=1e9)


class CustomerIn(BaseModel):
    """A customer: a name, and an email (unique in the shop) and phone if known."""

    model_config = camel_config({"name": "Jo Rivera", "email": "jo@example.com"})

    name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(None, max_length=320)
    phone: str | None = Field(None, max_length=40)


class OrderIn(BaseModel):
    """A new order: lines (taken from stock) and/or a total; a known customer by id, or a customer to find by email or add."""

    # A total alone is an order too (a till that sends no lines); lines name products: see OrderLine.
    model_config = camel_config({"total": 24.0, "customer": {"name": "Jo Rivera", "email": "jo@example.com"}})

    items: list[OrderLine] = Field(default_factory=list, max_length=500)
    total: float | None = Field(None, ge=0, le=1e12)
    customer_id: str | None = Field(None, max_length=100)
    customer: CustomerIn | None = None


def camel(value: Any) -> Any:
    """A stored record's keys in camelCase, as the API writes JSON."""
    if isinstance(value, dict):
        return {to_camel(k): camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [camel(v) for v in value]
    return value


class Written(BaseModel):
    """What a write stored (camelCase fields of its own), and the events it emitted."""

    model_config = camel_config({"record": {"id": "ord_1", "total": 24.0}, "events": []})

    record: dict[str, Any]
    events: list[EventOut]

    @classmethod
    def of(cls, record: dict[str, Any], events: list[Emitted]) -> Written:
        """The record (camelCase) and its events."""
        return cls(record=camel(record), events=[EventOut.of(e) for e in events])
