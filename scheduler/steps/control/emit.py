"""emit_event: raise a catalog event from a run; it commits with the step and starts the playbooks that listen."""
from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field, field_validator

from scheduler.catalog import EVENT_NAMES
from scheduler.events.staging import stage_event
from scheduler.steps.base import Step, StepContext, StepError, StepOutput, StepParams


class EmitParams(StepParams):
    name: str = Field(description="a catalog event name", json_schema_extra={"examples": list(EVENT_NAMES)})
    data: dict[str, Any] = Field(default_factory=dict)  # `{{event.*}}` in the runs it starts

    @field_validator("name")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in EVENT_NAMES:
            raise ValueError(f"unknown event {value!r}; known events: {', '.join(EVENT_NAMES)}")
        return value


class EmitOutput(StepOutput):
    event_id: str
    name: str


class EmitEvent(Step):
    """Emit a named event with data; a loop (the run's own triggering event) or a chain too deep stops the run."""

    name = "emit_event"
    Params = EmitParams
    Output = EmitOutput
    example: ClassVar[dict[str, Any]] = {"name": "order.created", "data": {"order_id": "ord_example", "total": 12.5}}
    max_attempts: ClassVar[int] = 1  # nothing outside the store to retry

    async def run(self, params: EmitParams, ctx: StepContext) -> EmitOutput:
        staged = stage_event(ctx, params.name, params.data, ctx.clock.now(), max_depth=ctx.settings.event_chain_limit)
        if staged.refused:
            # The run stops here, the reason in its error; the event is not logged (the step's unit is dropped).
            raise StepError(staged.refused)
        return EmitOutput(event_id=staged.event_id, name=params.name, summary=f"Raised the event {params.name}.")
