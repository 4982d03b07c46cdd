"""set: named values into the run context, for later steps' templates and conditions."""
from __future__ import annotations

import json
import re
from typing import Any, ClassVar

from pydantic import ConfigDict, Field, field_validator

from scheduler.steps.base import Step, StepContext, StepOutput, StepParams

NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
RESERVED = {"summary", "values"}  # fields every `set` output already has
MAX_JSON = 20_000  # characters of the values as JSON: the run context is stored with every step


class SetParams(StepParams):
    values: dict[str, Any] = Field(min_length=1, max_length=50)

    @field_validator("values")
    @classmethod
    def _names_and_size(cls, values: dict[str, Any]) -> dict[str, Any]:
        bad = [k for k in values if not NAME.match(k) or k in RESERVED]
        if bad:
            raise ValueError(f"value names must be identifiers other than {sorted(RESERVED)}: {', '.join(map(repr, bad))}")
        try:
            size = len(json.dumps(values))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"values must be JSON data: {exc}") from None
        if size > MAX_JSON:
            raise ValueError(f"values take {size} characters as JSON; at most {MAX_JSON}")
        return values


class SetOutput(StepOutput):
    """Each value is a field of its own (`{{vars.threshold}}`, with the step's id `vars`), and all are in `values`."""

    model_config = ConfigDict(extra="allow")
    values: dict[str, Any]


class SetValues(Step):
    """Name values for later steps: `{"values": {"threshold": 15}}` under step id `vars` is `{{vars.threshold}}`.

    Values may be templates over earlier outputs (rendered once, when this step runs), so a
    number worked out early is read by several later conditions and messages.
    """

    name = "set"
    Params = SetParams
    Output = SetOutput
    example: ClassVar[dict[str, Any]] = {"values": {"threshold": 15, "audience": "loyalty members"}}

    async def run(self, params: SetParams, ctx: StepContext) -> SetOutput:
        shown = ", ".join(f"{k} = {json.dumps(v)[:60]}" for k, v in params.values.items())
        return SetOutput(values=params.values, summary=f"Set {shown}", **params.values)
