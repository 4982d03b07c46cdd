"""for_each: one nested step run per item of a list from an earlier step, `{{item.*}}` in its params; results as a list."""
from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from scheduler.domain.spec import StepSpec
from scheduler.steps.base import Step, StepContext, StepError, StepOutput, StepParams
from scheduler.steps.control.nested import run_nested

# Most items one for_each runs; a longer list is cut here (the output says how many were left).
MAX_ITEMS = 100


class ForEachParams(StepParams):
    items: list[Any] = Field(description="the list, usually a template such as {{check_inventory.items}}")
    step: StepSpec = Field(description="the step run per item: {action, params, condition?}; params and condition "
                                       "see {{item}} and {{index}} (rendered per item, not before)")
    max_items: int = Field(25, ge=1, le=MAX_ITEMS, description="run at most this many items")
    on_error: Literal["stop", "continue"] = Field("stop", description="an item's failure fails the step, or is listed")


class ItemResult(StepOutput):
    index: int
    status: str  # completed, skipped or failed
    output: dict[str, Any] | None = None
    error: str | None = None


class ForEachOutput(StepOutput):
    results: list[ItemResult]
    count: int  # items run
    completed_count: int
    failed_count: int
    left_out: int  # items beyond max_items, not run


class ForEach(Step):
    """Run one step per item (in order, at most `max_items`); each item's side effects are keyed by its index.

    A resumed run re-runs this step, and a nested step whose side effect was recorded for its item
    (an email, a child run) answers from the record instead of acting again.
    """

    name = "for_each"
    Params = ForEachParams
    Output = ForEachOutput
    raw_params: ClassVar[frozenset[str]] = frozenset({"step"})
    example: ClassVar[dict[str, Any]] = {"items": [{"name": "a"}, {"name": "b"}],
                                         "step": {"action": "notify", "params": {"message": "{{item.name}}"}}}
    timeout_seconds = 600.0
    max_attempts = 1  # each nested step retries itself

    async def run(self, params: ForEachParams, ctx: StepContext) -> ForEachOutput:
        items = params.items[:params.max_items]
        results: list[ItemResult] = []
        for index, item in enumerate(items):
            values: dict[str, Any] = {**ctx.values, "item": item, "index": index}
            result = ItemResult(index=index, **await run_nested(params.step, ctx, values, str(index)))
            results.append(result)
            if result.status == "failed" and params.on_error == "stop":
                raise StepError(f"item {index} ({params.step.action}): {result.error}")
        done = sum(r.status == "completed" for r in results)
        failed = sum(r.status == "failed" for r in results)
        left = len(params.items) - len(items)
        summary = f"{params.step.action} ran for {len(items)} item(s): {done} completed, {failed} failed" + (
            f", {left} left out (max_items {params.max_items})" if left else "")
        return ForEachOutput(results=results, count=len(items), completed_count=done, failed_count=failed,
                             left_out=left, summary=summary)
