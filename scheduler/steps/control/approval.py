"""request_approval: the run stops in `waiting_approval` until the owner approves or rejects (or the timeout decides)."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, ClassVar, Literal

from pydantic import Field

from scheduler.steps.base import Step, StepContext, StepOutput, StepParams

TimeoutOutcome = Literal["approve", "reject"]


class ApprovalParams(StepParams):
    prompt: str = Field("Approve?", min_length=1, max_length=500)
    timeout_hours: float | None = Field(None, gt=0)  # PLAYBOOKS_APPROVAL_TIMEOUT_HOURS (72) when absent
    on_timeout: TimeoutOutcome = "reject"  # the declared outcome when nobody decides in time


class ApprovalOutput(StepOutput):
    approval_id: str
    prompt: str
    decision: str  # pending while the run waits; approved or rejected once decided
    approved: bool
    note: str | None = None
    expires_at: datetime


def expiry(ctx: StepContext, hours: float | None) -> datetime:
    """When an approval asked now takes its timeout outcome."""
    return ctx.clock.now() + timedelta(hours=hours or ctx.settings.approval_timeout_hours)


class RequestApproval(Step):
    """Ask the owner to approve what the earlier steps found; the run waits, then goes on with the decision.

    Later steps read `{{request_approval.decision}}` (a condition such as `{{request_approval.decision}} == 'approved'`
    keeps them from acting on a rejection). The approval commits with this step's checkpoint, once.
    """

    name = "request_approval"
    Params = ApprovalParams
    Output = ApprovalOutput
    example: ClassVar[dict[str, Any]] = {"prompt": "Approve the suggested changes?"}

    async def run(self, params: ApprovalParams, ctx: StepContext) -> ApprovalOutput:
        expires = expiry(ctx, params.timeout_hours)
        approval_id = ctx.store.approvals.stage(
            ctx.unit, ctx.org_id, ctx.execution_id, ctx.step_index, "approval", params.prompt,
            {"digest": ctx.digest()}, expires, params.on_timeout)
        ctx.wait_for_approval()
        return ApprovalOutput(approval_id=approval_id, prompt=params.prompt, decision="pending", approved=False,
                              expires_at=expires, summary=f"Waiting for your approval: {params.prompt}")
