"""wait: the run sleeps in the ledger (status `waiting`, no worker, no task) and goes on after the instant, restart or not."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, ClassVar

from pydantic import AwareDatetime, Field, model_validator

from scheduler.steps.base import Step, StepContext, StepError, StepOutput, StepParams

# Longest wait a step may ask for: a run asleep longer is better made a schedule.
MAX_WAIT = timedelta(days=30)


class WaitParams(StepParams):
    minutes: float = Field(0, ge=0)
    hours: float = Field(0, ge=0)
    days: float = Field(0, ge=0)
    weeks: float = Field(0, ge=0)
    until: AwareDatetime | None = Field(None, description="an instant with its zone (ISO-8601) instead of a duration")

    @model_validator(mode="after")
    def _one_way(self) -> WaitParams:
        if self.until is not None and self.duration:
            raise ValueError("say either a duration (minutes, hours, days, weeks) or `until`, not both")
        if self.until is None and not self.duration:
            raise ValueError("say how long to wait (minutes, hours, days or weeks) or `until` when")
        if self.duration > MAX_WAIT:
            raise ValueError(f"a wait is at most {MAX_WAIT.days} days")
        return self

    @property
    def duration(self) -> timedelta:
        """The duration asked for (zero when `until` is used)."""
        return timedelta(minutes=self.minutes, hours=self.hours, days=self.days, weeks=self.weeks)


class WaitOutput(StepOutput):
    until: datetime  # when the run goes on (UTC)
    seconds: float  # how long it sleeps from when the step ran


class Wait(Step):
    """Park the run until a duration has passed or an instant has come; the next step runs then, once."""

    name = "wait"
    Params = WaitParams
    Output = WaitOutput
    example: ClassVar[dict[str, Any]] = {"minutes": 0.02}

    async def run(self, params: WaitParams, ctx: StepContext) -> WaitOutput:
        now = ctx.clock.now()
        until = params.until if params.until is not None else now + params.duration
        if until - now > MAX_WAIT:
            raise StepError(f"{until.isoformat()} is more than {MAX_WAIT.days} days away; a wait is at most that")
        seconds = max(0.0, (until - now).total_seconds())
        if seconds > 0:
            ctx.sleep_until(until)
        return WaitOutput(until=until, seconds=seconds, summary=f"Waited until {until.isoformat(timespec='minutes')}")
