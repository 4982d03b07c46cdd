"""log: a line in the run's log (its step results) and the service log."""
from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import Field

from scheduler.steps.base import Step, StepContext, StepOutput, StepParams

log = logging.getLogger("scheduler.runs.log")
LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}
# Line breaks of every kind: a rendered value must not forge further lines in the service log.
BREAKS = re.compile(r"[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+")


class LogParams(StepParams):
    message: str | None = Field(None, min_length=1, max_length=2000)  # none: the summaries of the earlier steps
    level: Literal["debug", "info", "warning", "error"] = "info"


class LogOutput(StepOutput):
    line: str
    level: str
    logged_at: datetime


class Log(Step):
    """Write a line (often a template over earlier outputs) into the run's log; the run goes on, whatever the level."""

    name = "log"
    Params = LogParams
    Output = LogOutput
    example: ClassVar[dict[str, Any]] = {"message": "Nightly check done", "level": "info"}

    async def run(self, params: LogParams, ctx: StepContext) -> LogOutput:
        line = BREAKS.sub(" ", params.message if params.message is not None else ctx.digest()).strip()[:2000] or "(empty)"
        log.log(LEVELS[params.level], "execution %s step %s: %s", ctx.execution_id, ctx.step_index, line)
        return LogOutput(line=line, level=params.level, logged_at=ctx.clock.now(), summary=line)
