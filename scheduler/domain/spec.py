"""The shape of a playbook as clients and agents send it (the planner contract's `playbook`)."""
from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter, field_validator

from scheduler.catalog import CATEGORIES, EVENT_NAMES, PersonaId

# Names a condition or template may use besides earlier steps' outputs.
RUN_CONTEXT_NAMES = ("user", "org", "trigger", "event", "parent")  # parent: child runs only (run_playbook)
# A playbook is a short list of instructions, not a place to store data: these bound what one costs to keep and run.
MAX_STEPS = 50
MAX_TRIGGERS = 20
MAX_PARAMS_BYTES = 64 * 1024  # one step's params as JSON
MAX_EXPRESSION = 2000  # a condition, an event filter


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ScheduleTrigger(_Spec):
    type: Literal["schedule"]
    cron: str = Field(max_length=200)
    timezone: str | None = Field(None, max_length=64)  # None: the organisation's zone

    @property
    def zone(self) -> str:
        """The IANA zone it fires in; a saved trigger always has one (saving fills in the organisation's)."""
        if not self.timezone:
            raise ValueError(f"schedule {self.cron!r} has no timezone: it was not saved through validation")
        return self.timezone


class EventTrigger(_Spec):
    type: Literal["event"]
    # Checked against the event catalog on save (validation), so the message can name the known ones.
    event: str = Field(max_length=100, validation_alias=AliasChoices("event", "eventName"),
                       description="a catalog event name", json_schema_extra={"examples": list(EVENT_NAMES)})
    filter: str | None = Field(None, max_length=MAX_EXPRESSION)


class ManualTrigger(_Spec):
    type: Literal["manual"]


Trigger = Annotated[ScheduleTrigger | EventTrigger | ManualTrigger, Field(discriminator="type")]
_TRIGGERS: TypeAdapter[list[Trigger]] = TypeAdapter(list[Trigger])


def parse_triggers(raw: Any) -> list[Trigger]:
    """Stored trigger dicts (as saved, already validated) as typed triggers."""
    return _TRIGGERS.validate_python(raw)


def dump_spec(items: list[Any]) -> list[dict[str, Any]]:
    """Typed triggers or steps as stored and shown: JSON values, unset optional fields left out."""
    return [item.model_dump(mode="json", exclude_none=True) for item in items]


class StepSpec(_Spec):
    id: str | None = Field(default=None, max_length=64, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    # Checked against the step registry on save; /docs lists the registered actions (playbook_spec_schema).
    action: str = Field(max_length=100, description="a step action of the catalog (`playbooks steps`)")
    agent: PersonaId | None = None
    params: dict[str, Any] = Field(default_factory=dict, description=f"at most {MAX_PARAMS_BYTES // 1024} KB as JSON")
    condition: str | None = Field(None, max_length=MAX_EXPRESSION)

    @field_validator("params")
    @classmethod
    def _params_bounded(cls, value: dict[str, Any]) -> dict[str, Any]:
        size = len(json.dumps(value, default=str).encode("utf-8"))
        if size > MAX_PARAMS_BYTES:
            raise ValueError(f"params are {size} bytes as JSON; the limit is {MAX_PARAMS_BYTES}")
        return value


def parse_steps(raw: Any) -> list[StepSpec]:
    """Stored step dicts as typed step specs."""
    return [StepSpec.model_validate(step) for step in raw]


class SchedulePolicy(_Spec):
    """What a playbook's schedule slots do after downtime (catch-up) and while its last run still goes (overlap)."""

    catch_up: Literal["latest", "skip", "all"] = Field(
        "latest", alias="catchUp",
        description="latest: the newest passed slot runs within the grace window, older ones are missed; "
                    "skip: passed slots are missed; all: passed slots run oldest first, up to catchUpLimit")
    grace_minutes: int = Field(60, ge=1, le=7 * 24 * 60, alias="graceMinutes",
                               description="catch-up latest: how late the newest passed slot may still run")
    catch_up_limit: int = Field(10, ge=1, le=100, alias="catchUpLimit",
                                description="catch-up all: how many passed slots run at most")
    overlap: Literal["skip", "queue", "allow"] = Field(
        "skip", description="a slot while the last scheduled run still goes: skip (recorded skipped), "
                            "queue (runs after it), allow (runs beside it)")


def dump_policy(policy: SchedulePolicy) -> dict[str, Any]:
    """A policy as stored and shown (camelCase, every field)."""
    return policy.model_dump(mode="json", by_alias=True)


class PlaybookSpec(_Spec):
    name: str = Field(min_length=1, max_length=200)
    agent: PersonaId
    category: str = Field("general", max_length=50, json_schema_extra={"examples": list(CATEGORIES)})
    status: Literal["draft", "active", "paused", "archived"] = "active"
    # At least one: a playbook with no trigger could never run (say `manual` for run-on-demand only).
    triggers: list[Trigger] = Field(default_factory=lambda: [ManualTrigger(type="manual")], min_length=1, max_length=MAX_TRIGGERS)
    steps: list[StepSpec] = Field(min_length=1, max_length=MAX_STEPS)
    policy: SchedulePolicy = Field(default_factory=SchedulePolicy)
    # Paused until this instant, then active again by itself (status must be paused).
    resume_at: AwareDatetime | None = Field(None, alias="resumeAt")


def step_aliases(step: StepSpec) -> list[str]:
    """Names an earlier step's output answers to: its id, its agent, its action."""
    return [n for n in (step.id, step.agent, step.action) if n]


def playbook_spec_schema(actions: Sequence[str]) -> dict[str, Any]:
    """PlaybookSpec's JSON schema with every $ref inlined, its step `action` showing these actions as examples.

    Inlined so a route can show it as its request body in /docs (`openapi_extra`) without
    adding components; the API reads the body as a dict and validates it on save.
    """
    schema = PlaybookSpec.model_json_schema()
    defs = schema.pop("$defs", {})
    defs["StepSpec"]["properties"]["action"]["examples"] = list(actions)
    return _inlined(schema, defs)


def _inlined(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_inlined(v, defs) for v in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target = defs[node["$ref"].rsplit("/", 1)[-1]]
        return _inlined({**target, **{k: v for k, v in node.items() if k != "$ref"}}, defs)
    # A discriminator's mapping points at $defs, which are gone: the `type` const still tells the shapes apart.
    return {k: ({"propertyName": v["propertyName"]} if k == "discriminator" else _inlined(v, defs)) for k, v in node.items()}
