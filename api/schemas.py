"""The API's response models: camelCase on the wire, typed, with examples in the OpenAPI document.

The values come from the scheduler's own JSON (playbook_json, execution_json), so the API and the
chat tools show a playbook or a run the same way; these models declare and check that shape.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, field_serializer, field_validator
from pydantic.alias_generators import to_camel

from scheduler.domain.spec import SchedulePolicy, StepSpec, Trigger
from scheduler.domain.status import ExecutionStatus, PlaybookStatus, StepStatus, TriggeredBy

T = TypeVar("T")

PLAYBOOK_EXAMPLE: dict[str, Any] = {
    "id": "pb_3f1c0e6a9b2d4c5e8f70", "orgId": "demo", "name": "Daily Sales Report", "agent": "pops",
    "category": "operations", "status": "active",
    "triggers": [{"type": "schedule", "cron": "0 9 * * *", "timezone": "America/New_York"}],
    "steps": [
        {"action": "sales_report", "params": {"period": "yesterday"}},
        {"action": "send_email", "params": {"to": "{{user.email}}", "subject": "Your sales report"}},
    ],
    "version": 1, "policy": {"catchUp": "latest", "graceMinutes": 60, "catchUpLimit": 10, "overlap": "skip"},
    "nextRunAt": "2026-11-27T14:00:00Z",
    "upcomingRuns": [{"at": "2026-11-27T14:00:00Z", "local": "2026-11-27T09:00:00-05:00",
                      "timezone": "America/New_York", "dstChangeDay": False}],
    "scheduleText": "At 09:00 AM (America/New_York)", "resumeAt": None,
    "createdAt": "2026-11-26T15:02:11.204518Z", "updatedAt": "2026-11-26T15:02:11.204518Z",
}
UPCOMING_RUN_EXAMPLE: dict[str, Any] = PLAYBOOK_EXAMPLE["upcomingRuns"][0]
STEP_RESULT_EXAMPLE: dict[str, Any] = {
    "index": 0, "action": "sales_report", "status": "completed",
    "output": {"summary": "Sales yesterday: 9 orders, $612.00 revenue (average order $68.00).",
               "order_count": 9, "revenue": 612.0},
    "error": None, "seen": None, "attempts": 1,
    "startedAt": "2026-11-27T14:00:00.512093Z", "completedAt": "2026-11-27T14:00:00.538771Z",
}
COST_EXAMPLE: dict[str, Any] = {"pagesFetched": 3, "cacheHits": 1, "tokens": 0, "estimatedCostUsd": 0.0}
EXECUTION_EXAMPLE: dict[str, Any] = {
    "id": "ex_8d2e5b1f0a3c4e6d9b7a", "playbookId": PLAYBOOK_EXAMPLE["id"], "orgId": "demo",
    "status": "completed", "triggeredBy": "schedule", "scheduledFor": "2026-11-27T14:00:00Z", "error": None,
    "stepResults": [STEP_RESULT_EXAMPLE],
    "createdAt": "2026-11-27T14:00:00.311420Z", "startedAt": "2026-11-27T14:00:00.498002Z",
    "completedAt": "2026-11-27T14:00:01.020950Z",
    "cost": COST_EXAMPLE,
}


def camel_config(example: dict[str, Any]) -> ConfigDict:
    """A response or request model's config: camelCase on the wire, unknown keys refused, one example."""
    # Unknown keys are a bug: the service added a field the API does not declare yet.
    return ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid",
                      json_schema_extra={"examples": [example]})


class UpcomingRun(BaseModel):
    """One upcoming schedule slot: in UTC, on its zone's clock, and whether that day has a DST change there."""

    model_config = camel_config(UPCOMING_RUN_EXAMPLE)

    at: datetime
    local: str = Field(description="The same instant on the trigger zone's clock (ISO-8601 with its offset)")
    timezone: str
    dst_change_day: bool = Field(description="The day has a DST change in this zone: the clock moves that day")


class Playbook(BaseModel):
    """A stored playbook: its spec, status, version, schedule policy and when it runs next."""

    model_config = camel_config(PLAYBOOK_EXAMPLE)

    id: str
    org_id: str
    name: str
    agent: str
    category: str
    status: PlaybookStatus
    triggers: list[Trigger]
    steps: list[StepSpec]
    version: int
    policy: SchedulePolicy = Field(description="What slots do after downtime (catch-up) and while the last run goes (overlap)")
    next_run_at: datetime | None = Field(description="The next schedule slot, in UTC; null unless active and scheduled")
    upcoming_runs: list[UpcomingRun] = Field(description="The next five schedule slots (after resumeAt when paused until then)")
    schedule_text: str | None = Field(description="The schedule triggers in words with their zones; null without one")
    resume_at: datetime | None = Field(description="Paused until this instant, then active again by itself")
    created_at: datetime
    updated_at: datetime

    @field_serializer("policy")
    def _policy_camel(self, value: SchedulePolicy) -> dict[str, Any]:
        return value.model_dump(mode="json", by_alias=True)

    @field_serializer("triggers", "steps", mode="wrap")
    def _as_stored(self, value: Any, handler: SerializerFunctionWrapHandler):  # type: ignore[no-untyped-def]
        # Shown as stored: optional fields left unset are left out, not sent as null. No return
        # annotation on purpose: pydantic would document the field as that type instead of its own.
        return [{k: v for k, v in item.items() if v is not None} for item in handler(value)]


class DeletedPlaybook(Playbook):
    """A playbook as it was when deleted (its runs stay readable)."""

    model_config = camel_config({**PLAYBOOK_EXAMPLE, "nextRunAt": None, "upcomingRuns": [], "deleted": True})

    deleted: Literal[True] = True


class StepResult(BaseModel):
    """One step of a run: its status, its output (snake_case keys, as templates read them), its error."""

    model_config = camel_config(STEP_RESULT_EXAMPLE)

    index: int
    action: str
    status: StepStatus
    output: dict[str, Any] | None
    error: str | None
    seen: dict[str, Any] | None = Field(description="The values a step's condition saw when it was skipped")
    attempts: int
    started_at: datetime | None
    completed_at: datetime | None


class RunCost(BaseModel):
    """What a run cost so far: web pages fetched, pages unchanged since the last scan, model tokens and their price."""

    model_config = camel_config(COST_EXAMPLE)

    pages_fetched: int = Field(description="Competitor pages and URLs fetched")
    cache_hits: int = Field(description="Pages whose content had not changed since the last scan (not parsed again)")
    tokens: int = Field(description="Model tokens used by the steps (0 on the offline model)")
    estimated_cost_usd: float = Field(description="The model tokens' estimated price in US dollars (0 on the offline model)")


class Execution(BaseModel):
    """One run of a playbook, with a result for every step so far."""

    model_config = camel_config(EXECUTION_EXAMPLE)

    id: str
    playbook_id: str
    org_id: str
    status: ExecutionStatus
    triggered_by: TriggeredBy
    scheduled_for: datetime | None = Field(description="The schedule slot it ran for, in UTC; null unless scheduled")
    error: str | None = Field(description="Why it failed, was skipped, was missed or came during a pause")
    step_results: list[StepResult]
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    cost: RunCost


class ExecuteRequest(BaseModel):
    """How a call runs a playbook; without `triggeredBy`, the cron secret means the slot due now."""

    model_config = camel_config({"triggeredBy": "schedule"})

    triggered_by: TriggeredBy | None = None
    org_id: str | None = Field(None, max_length=100, description="The organisation, for the cron secret (bound to none)")
    user_id: str | None = Field(None, max_length=100, description="On whose behalf, for the cron secret")
    event: dict[str, Any] | None = Field(
        None, description='With triggeredBy "event": {"name"?, "data"?, "id"?} or the event data itself, as {{event.*}} '
                          "in the run (default: the playbook's event, with the catalog's example data)")

    @field_validator("triggered_by")
    @classmethod
    def _not_a_child(cls, value: TriggeredBy | None) -> TriggeredBy | None:
        # Only a run_playbook step starts a child run: it carries the link to its parent.
        if value == TriggeredBy.playbook:
            raise ValueError("'playbook' runs are started by a run_playbook step, not by a call")
        return value


class ExecuteResponse(BaseModel):
    """The run an execute call started (or, for a repeated key or slot, the one it had started)."""

    model_config = camel_config({"executionId": EXECUTION_EXAMPLE["id"], "status": "queued"})

    execution_id: str
    status: ExecutionStatus


class Page(BaseModel, Generic[T]):
    """A page of a list, and the cursor of the next page (null on the last)."""

    items: list[T]
    next_cursor: str | None


class PlaybookPage(Page[Playbook]):
    """A page of playbooks."""

    model_config = camel_config({"items": [PLAYBOOK_EXAMPLE], "nextCursor": None})


class ExecutionPage(Page[Execution]):
    """A page of runs, newest first."""

    model_config = camel_config({"items": [EXECUTION_EXAMPLE], "nextCursor": "ex_8d2e5b1f0a3c4e6d9b7a"})


PRODUCT_EXAMPLE: dict[str, Any] = {
    "id": "prd_0b6f2a9c1d3e4f5a6b7c", "sku": "PR-SD-1", "name": "Sour Diesel Pre-Roll 1g", "category": "Pre-Rolls",
    "price": 12.0, "cost": 4.5, "quantity": 40, "reorderPoint": 15,
}
COMPETITOR_EXAMPLE: dict[str, Any] = {
    "id": "cmp_5e1d7c3b9a0f4e2d8c6b", "orgId": "demo", "name": "Budget Buds", "url": "https://budgetbuds.example/menu",
    "selectors": None, "bundled": False, "createdAt": "2026-11-26T15:02:11.204518Z",
}


class Product(BaseModel):
    """One of the organisation's own products (the catalogue analyze_pricing compares)."""

    model_config = camel_config(PRODUCT_EXAMPLE)

    id: str
    sku: str | None = Field(description="The owner's own code, unique in the organisation; null for products made without one")
    name: str
    category: str
    price: float
    cost: float
    quantity: int
    reorder_point: int


class ProductList(Page[Product]):
    """A page of the organisation's products, by name."""

    model_config = camel_config({"items": [PRODUCT_EXAMPLE], "nextCursor": None})


class ImportResult(BaseModel):
    """What a catalogue import did: products added (new skus) and updated (skus already there)."""

    model_config = camel_config({"added": 40, "updated": 1})

    added: int
    updated: int


class Competitor(BaseModel):
    """A competitor whose menu page scan_competitors reads."""

    model_config = camel_config(COMPETITOR_EXAMPLE)

    id: str
    org_id: str
    name: str
    url: str
    selectors: dict[str, str] | None = Field(
        description="CSS selectors (item, name, price; optional regular_price, size), only for a site the readers miss")
    bundled: bool = Field(description="A demo competitor whose page ships with the package and the server serves itself")
    created_at: datetime


class CompetitorList(Page[Competitor]):
    """A page of the organisation's competitors, in the order they were added."""

    model_config = camel_config({"items": [COMPETITOR_EXAMPLE], "nextCursor": None})


class CompetitorCreate(BaseModel):
    """A competitor to add: a name, its menu page (http or https) and, rarely, selectors."""

    model_config = camel_config({"name": "Budget Buds", "url": "https://budgetbuds.example/menu"})

    name: str = Field(min_length=1, max_length=100)
    url: str = Field(min_length=1, max_length=2000)
    selectors: dict[str, str] | None = None


ActionType = Literal["price_adjustment", "counter_campaign", "inventory_alert", "margin_optimization"]
Priority = Literal["low", "medium", "high", "critical"]
ActionStatus = Literal["pending", "in_progress", "done", "dismissed"]
ApprovalStatus = Literal["pending", "approved", "rejected"]
ACTION_EXAMPLE: dict[str, Any] = {
    "id": "act_2c9e4b7a1d0f4e3c8b5a", "type": "price_adjustment", "priority": "high",
    "recommendation": "Budget Buds sells Blue Dream 3.5g for 20% less than your Blue Dream 3.5g ($28.00 vs $35.00): "
                      "review its price.",
    "data": {"product": "Blue Dream 3.5g", "our_price": 35.0, "competitor": "Budget Buds",
             "competitor_product": "Blue Dream - 1/8 oz", "competitor_price": 28.0, "gap": 20.0},
    "status": "pending", "sourceExecutionId": EXECUTION_EXAMPLE["id"],
    "createdAt": "2026-11-27T14:00:01.020950Z", "updatedAt": "2026-11-27T14:00:01.020950Z",
}
APPROVAL_EXAMPLE: dict[str, Any] = {
    "id": "apr_7b3d9e1f5a2c4d6e8f0a", "executionId": EXECUTION_EXAMPLE["id"], "stepIndex": 3, "kind": "price_change",
    "prompt": "Change the price of Blue Dream 3.5g from $35.00 to $28.00?",
    "data": {"product_id": "prd_0b6f2a9c1d3e4f5a6b7c", "product": "Blue Dream 3.5g", "old_price": 35.0,
             "new_price": 28.0, "competitor": "Budget Buds", "action_ids": [ACTION_EXAMPLE["id"]]},
    "status": "pending", "onTimeout": "reject", "expiresAt": "2026-11-30T14:00:01Z", "decidedAt": None,
    "decidedBy": None, "note": None, "createdAt": "2026-11-27T14:00:01.020950Z",
}


class CompetitiveAction(BaseModel):
    """A competitor finding turned into work for a persona: pending, in progress, then done or dismissed."""

    model_config = camel_config(ACTION_EXAMPLE)

    id: str
    type: ActionType
    priority: Priority
    recommendation: str
    data: dict[str, Any] = Field(description="The finding behind it (snake_case, as steps read it)")
    status: ActionStatus
    source_execution_id: str | None = Field(description="The run whose analyze_competitive_intelligence made it")
    created_at: datetime
    updated_at: datetime


class CompetitiveActionPage(Page[CompetitiveAction]):
    """A page of competitive actions, newest first."""

    model_config = camel_config({"items": [ACTION_EXAMPLE], "nextCursor": None})


class Approval(BaseModel):
    """A question a run waits on: approve or reject; nobody deciding before `expiresAt` means `onTimeout`."""

    model_config = camel_config(APPROVAL_EXAMPLE)

    id: str
    execution_id: str
    step_index: int
    # campaign: approvable only if the draft is compliant; email_recipients: approvable only by a person
    kind: Literal["approval", "price_change", "campaign", "email_recipients"]
    prompt: str
    data: dict[str, Any]
    status: ApprovalStatus
    on_timeout: Literal["approve", "reject"]
    expires_at: datetime
    decided_at: datetime | None
    decided_by: str | None = Field(description="Who decided: a user id, an agent, or `timeout`")
    note: str | None
    created_at: datetime


class ApprovalPage(Page[Approval]):
    """A page of approvals, newest first."""

    model_config = camel_config({"items": [APPROVAL_EXAMPLE], "nextCursor": None})


class ApprovalDecision(BaseModel):
    """The owner's answer to an approval."""

    model_config = camel_config({"decision": "approve", "note": "Match them this week"})

    decision: Literal["approve", "reject"]
    note: str | None = Field(None, max_length=1000)


class ApprovalDecided(BaseModel):
    """What a decision did: the approval as decided, the price it changed, the run it resumed."""

    model_config = camel_config({
        "approval": {**APPROVAL_EXAMPLE, "status": "approved", "decidedAt": "2026-11-27T15:10:00Z",
                     "decidedBy": "usr_1", "note": "Match them this week"},
        "priceChange": {"product_id": "prd_0b6f2a9c1d3e4f5a6b7c", "product": "Blue Dream 3.5g",
                        "old_price": 35.0, "new_price": 28.0},
        "resumedExecutionId": EXECUTION_EXAMPLE["id"]})

    approval: Approval
    price_change: dict[str, Any] | None
    resumed_execution_id: str | None = Field(description="The run this decision queued again (its last pending approval)")


class HeartbeatCheck(BaseModel):
    """One check of a heartbeat: `ok`, or `alert` with a message and a priority."""

    model_config = camel_config({"name": "stock_outs", "status": "alert", "message": "1 product out of stock: Gelato 3.5g.",
                            "priority": "high", "data": {"products": ["Gelato 3.5g"]}})

    name: str
    status: Literal["ok", "alert"]
    message: str
    priority: Priority | None
    data: dict[str, Any]


class Heartbeat(BaseModel):
    """The organisation's latest heartbeat: when its checks ran, and what each found."""

    model_config = camel_config({"checkedAt": "2026-11-27T14:00:00Z", "alerts": 1, "checks": [
        {"name": "competitive_threats", "status": "ok", "message": "No critical competitive threats pending.",
         "priority": None, "data": {}},
        {"name": "stock_outs", "status": "alert", "message": "1 product out of stock: Gelato 3.5g.",
         "priority": "high", "data": {"products": ["Gelato 3.5g"]}},
        {"name": "failing_playbooks", "status": "ok", "message": "Every playbook's last run went through.",
         "priority": None, "data": {}}]})

    checked_at: datetime
    alerts: int
    checks: list[HeartbeatCheck]


class WhoAmI(BaseModel):
    """Who a token or the session cookie signs in as."""

    model_config = camel_config({"kind": "user", "orgId": "demo", "orgName": "Demo Dispensary",
                            "timezone": "America/New_York", "email": "owner@example.com"})
    kind: Literal["user", "agent"]
    org_id: str
    org_name: str
    timezone: str
    email: str | None


class DayCounts(BaseModel):
    """Runs created on one day in the organisation's zone, by status."""

    model_config = camel_config({"day": "2026-12-01", "counts": {"completed": 3, "failed": 1}})
    day: str = Field(description="A day in the organisation's zone, YYYY-MM-DD")
    counts: dict[str, int] = Field(description="Runs created that day, by status")


NOTIFICATION_EXAMPLE: dict[str, Any] = {
    "id": "ntf_5d1a9c3e7b2f4a6c8e0d", "userId": "usr_1", "title": "Competitor Price Alert",
    "body": "Budget Buds sells Blue Dream 3.5g for 20% less than you.", "executionId": EXECUTION_EXAMPLE["id"],
    "createdAt": "2026-11-27T14:00:05Z", "readAt": None,
}


class Notification(BaseModel):
    """An in-app notification a playbook left (the notify step); `readAt` is null until marked read."""

    model_config = camel_config(NOTIFICATION_EXAMPLE)

    id: str
    user_id: str | None = Field(description="The user it is for; null: anyone in the organisation")
    title: str
    body: str
    execution_id: str | None = Field(description="The run that left it")
    created_at: datetime
    read_at: datetime | None


class NotificationPage(Page[Notification]):
    """A page of notifications, newest first."""

    model_config = camel_config({"items": [NOTIFICATION_EXAMPLE], "nextCursor": None})
