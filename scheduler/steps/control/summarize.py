"""summarize: what earlier steps of the run found, as one bounded text."""
from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from scheduler.marketing.writer import clip
from scheduler.steps.base import Step, StepContext, StepError, StepOutput, StepParams


class SummarizeParams(StepParams):
    steps: list[str] | None = Field(None, max_length=50)  # ids (or actions) of earlier steps; none: all of them
    title: str | None = Field(None, max_length=200)
    max_chars: int = Field(2000, ge=100, le=20_000)  # the text never grows past this
    detail: bool = False  # each step's own text (`content` or `text`) instead of its one-line summary


class SummarizeOutput(StepOutput):
    text: str
    steps: list[str]  # the steps it drew on, by the names asked for (empty: all earlier steps)
    truncated: bool


def _line(output: dict[str, Any], detail: bool) -> str:
    if detail:
        for key in ("content", "text"):
            if isinstance(output.get(key), str) and output[key].strip():
                return output[key].strip()
    return str(output.get("summary") or "").strip()


class Summarize(Step):
    """Put what earlier steps found into one text (their summaries, or their full text with `detail`), at most `max_chars`.

    Names in `steps` that no earlier step answers to fail the step, naming them; a later step reads
    `{{summarize.text}}`.
    """

    name = "summarize"
    Params = SummarizeParams
    Output = SummarizeOutput
    example: ClassVar[dict[str, Any]] = {"title": "Today in brief", "max_chars": 500}

    async def run(self, params: SummarizeParams, ctx: StepContext) -> SummarizeOutput:
        if params.steps:
            unknown = [n for n in params.steps if not isinstance(ctx.values.get(n), dict)]
            if unknown:
                raise StepError(f"no earlier step is named {', '.join(map(repr, unknown))}")
            lines = [f"{name}: {line}" for name in params.steps if (line := _line(ctx.values[name], params.detail))]
        else:
            lines = [line for p in ctx.previous if isinstance(p, dict) and (line := _line(p, params.detail))]
        body = "\n".join(lines) or "The earlier steps found nothing to report."
        full = f"{params.title}\n{body}" if params.title else body
        text = clip(full, params.max_chars)
        return SummarizeOutput(text=text, steps=list(params.steps or []), truncated=text != full,
                               summary=clip(text.replace("\n", " "), 300))
