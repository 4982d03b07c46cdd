"""delegate: a persona does a task with the run's context, through the runner the app hands the engine."""
from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from scheduler.catalog import PersonaId
from scheduler.steps.base import Step, StepContext, StepError, StepOutput, StepParams
from scheduler.steps.host import MAX_DEPTH, Delegation


class DelegateParams(StepParams):
    agent: PersonaId = Field(description="the persona that does the task")
    task: str = Field(min_length=1, max_length=2000, description="what to do, in words")
    context: dict[str, Any] = Field(default_factory=dict, description="values to hand over (templates allowed)")


class DelegateOutput(StepOutput):
    persona: str
    task: str
    answer: str
    model: str
    depth: int  # 1 for a delegation from a top-level run
    trace_id: str  # execution_id:step_index, also in the persona's log
    tokens: int = 0


class Delegate(Step):
    """Hand a task to a persona with what the run found so far; its answer is this step's output (`{{delegate.answer}}`).

    Traced in both logs: this output names the persona, depth and trace id, and the runner logs the
    same trace id on the persona's side. A run nested more than three deep (child runs) cannot delegate.
    """

    name = "delegate"
    Params = DelegateParams
    Output = DelegateOutput
    example: ClassVar[dict[str, Any]] = {"agent": "craig", "task": "draft a note about the findings"}
    timeout_seconds = 120.0

    async def run(self, params: DelegateParams, ctx: StepContext) -> DelegateOutput:
        runner = ctx.host.delegate if ctx.host is not None else None
        if runner is None:
            raise StepError("no persona runner in this process: delegate steps run under `playbooks serve`")
        depth = ctx.depth + 1
        if depth > MAX_DEPTH:
            raise StepError(f"delegations nest at most {MAX_DEPTH} deep; this one would be {depth} deep")
        request = Delegation(org_id=ctx.org_id, persona=params.agent, task=params.task, execution_id=ctx.execution_id,
                             step_key=ctx.idempotency_key, depth=depth,
                             context={"found": ctx.digest(), **params.context})
        # The runner raises RetryableStepError when the model's service failed (worth another try).
        answer = await runner(request)
        return DelegateOutput(persona=answer.persona, task=params.task, answer=answer.answer, model=answer.model,
                              depth=depth, trace_id=request.step_key, tokens=answer.tokens,
                              summary=f"{answer.persona}: {answer.answer}")
