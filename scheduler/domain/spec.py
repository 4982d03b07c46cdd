"""The shape of a playbook as clients and agents send it (the planner contract's `playbook`)."""
from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, TypeAdapter

PERSONAS = ("craig", "ezal", "money_mike", "pops")
CATEGORIES = ("intelligence", "pricing", "operations", "marketing", "general")
EVENT_NAMES = (
    "inventory.low_stock", "inventory.out_of_stock", "inventory.restocked",
    "order.created", "customer.created", "customer.lapsed",
    "competitor.price_change", "competitor.price_drop", "competitor.new_product",
    "playbook.failed",
)
# Names a condition or template may use besides earlier steps' outputs.
RUN_CONTEXT_NAMES = ("user", "org", "trigger", "event")


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ScheduleTrigger(_Spec):
    type: Literal["schedule"]
    cron: str
    timezone: str | None = None  # None: the organisation's zone

    @property
    def zone(self) -> str:
        """The IANA zone it fires in; a saved trigger always has one (saving fills in the organisation's)."""
        if not self.timezone:
            raise ValueError(f"schedule {self.cron!r} has no timezone: it was not saved through validation")
        return self.timezone


class EventTrigger(_Spec):
    type: Literal["event"]
    event: str = Field(validation_alias=AliasChoices("event", "eventName"))
    filter: str | None = None


class ManualTrigger(_Spec):
    type: Literal["manual"]


Trigger = Annotated[Union[ScheduleTrigger, EventTrigger, ManualTrigger], Field(discriminator="type")]
_TRIGGERS: TypeAdapter[list[Trigger]] = TypeAdapter(list[Trigger])


def parse_triggers(raw: Any) -> list[Trigger]:
    """Stored trigger dicts (as saved, already validated) as typed triggers."""
    return _TRIGGERS.validate_python(raw)


def dump_spec(items: list[Any]) -> list[dict[str, Any]]:
    """Typed triggers or steps as stored and shown: JSON values, unset optional fields left out."""
    return [item.model_dump(mode="json", exclude_none=True) for item in items]


class StepSpec(_Spec):
    id: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    action: str
    agent: Literal["craig", "ezal", "money_mike", "pops"] | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    condition: str | None = None


def parse_steps(raw: Any) -> list[StepSpec]:
    """Stored step dicts as typed step specs."""
    return [StepSpec.model_validate(step) for step in raw]


class PlaybookSpec(_Spec):
    name: str = Field(min_length=1, max_length=200)
    agent: Literal["craig", "ezal", "money_mike", "pops"]
    category: str = "general"
    status: Literal["draft", "active", "paused", "archived"] = "active"
    triggers: list[Trigger] = Field(default_factory=lambda: [ManualTrigger(type="manual")])
    steps: list[StepSpec] = Field(min_length=1, max_length=50)


def step_aliases(step: StepSpec) -> list[str]:
    """Names an earlier step's output answers to: its id, its agent, its action."""
    return [n for n in (step.id, step.agent, step.action) if n]
