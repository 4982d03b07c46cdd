"""branch: a condition picks one of two nested step lists (`then`, `else`), run in place; later steps read what ran.

Nested lists rather than jumps: the executor stays a straight line of checkpointed steps, and a
step's condition already covers "skip this one". The chosen list's steps run in order, each seeing
the earlier ones' outputs by id or action; this step's output holds them under `outputs`.
"""
from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from scheduler.domain.spec import StepSpec, step_aliases
from scheduler.expressions import ExpressionError, evaluate_condition
from scheduler.steps.base import Step, StepContext, StepError, StepOutput, StepParams
from scheduler.steps.control.nested import run_nested

MAX_BRANCH_STEPS = 10


class BranchParams(StepParams):
    model_config = StepParams.model_config | {"populate_by_name": True}

    condition: str = Field(alias="if", min_length=1, description="a condition, as a step's, e.g. {{x.count}} > 0")
    then: list[StepSpec] = Field(default_factory=list, max_length=MAX_BRANCH_STEPS)
    otherwise: list[StepSpec] = Field(default_factory=list, alias="else", max_length=MAX_BRANCH_STEPS)


class BranchOutput(StepOutput):
    taken: str  # then or else
    seen: dict[str, Any]  # the values the condition read
    results: list[dict[str, Any]]  # {index, action, status, output, error} of each step of the chosen list
    outputs: dict[str, Any]  # the chosen steps' outputs by id and action: {{my_branch.outputs.send_email.summary}}


class Branch(Step):
    """If the condition holds run `then`, else `else` (either may be empty); a failed nested step fails this step."""

    name = "branch"
    Params = BranchParams
    Output = BranchOutput
    raw_params: ClassVar[frozenset[str]] = frozenset({"if", "then", "else"})
    example: ClassVar[dict[str, Any]] = {"if": "1 > 0", "then": [{"action": "notify", "params": {"message": "yes"}}],
                                         "else": [{"action": "notify", "params": {"message": "no"}}]}
    timeout_seconds = 600.0
    max_attempts = 1

    async def run(self, params: BranchParams, ctx: StepContext) -> BranchOutput:
        try:
            decided = evaluate_condition(params.condition, ctx.values)
        except ExpressionError as exc:
            raise StepError(f"if: {exc}") from None
        taken = "then" if decided.result else "else"
        values: dict[str, Any] = dict(ctx.values)
        results, outputs = [], {}
        for index, spec in enumerate(params.then if decided.result else params.otherwise):
            result = await run_nested(spec, ctx, values, f"{taken}.{index}")
            results.append({"index": index, "action": spec.action, **result})
            if result["status"] == "failed":
                raise StepError(f"{taken}[{index}] ({spec.action}): {result['error']}")
            if result["status"] == "completed":
                for alias in step_aliases(spec):
                    values[alias] = outputs[alias] = result["output"]
        ran = ", ".join(r["action"] for r in results if r["status"] == "completed") or "nothing"
        return BranchOutput(taken=taken, seen=decided.seen, results=results, outputs=outputs,
                            summary=f"took {taken}: ran {ran}")
