"""run_playbook: start a run of another playbook of the same organisation, linked both ways; optionally wait for it."""
from __future__ import annotations

import asyncio
from dataclasses import asdict
from datetime import timedelta
from typing import Any, ClassVar

from pydantic import Field

from scheduler.steps.base import Accepted, Step, StepContext, StepError, StepOutput, StepParams
from scheduler.steps.host import ChildRun, ParentLink


class RunPlaybookParams(StepParams):
    playbook: str = Field(min_length=1, max_length=200, description="the playbook's id or exact name (same organisation)")
    input: dict[str, Any] = Field(default_factory=dict, description="values the child reads as {{parent.input.*}}")
    wait: bool = Field(False, description="park this run until the child ends (or the timeout), then go on")
    timeout_minutes: float = Field(60, gt=0, le=7 * 24 * 60, description="with wait: how long to wait at most")


class RunPlaybookOutput(StepOutput):
    child_execution_id: str
    playbook_id: str
    playbook_name: str
    status: str  # the child's status when started; with wait, its final status once it ended
    error: str | None = None
    waited: bool = False
    timed_out: bool = False


class RunPlaybook(Step):
    """Start another playbook as a child run; its context names this run (`parent.execution_id`), this output names it.

    Filed under this step's key: a resumed run finds its child instead of starting another. Another
    organisation's playbook is never found; a cycle or a chain deeper than three runs is refused.
    """

    name = "run_playbook"
    Params = RunPlaybookParams
    Output = RunPlaybookOutput
    side_effect = True
    max_attempts = 1  # refusals are final; the ledger key makes a repeat harmless anyway
    example: ClassVar[dict[str, Any]] = {"playbook": "Contract target", "input": {"note": "hello"}}

    async def run(self, params: RunPlaybookParams, ctx: StepContext) -> RunPlaybookOutput:
        host = ctx.host
        if host is None or host.children is None:
            raise StepError("this process cannot start child runs (no engine)")
        link = ParentLink(org_id=ctx.org_id, execution_id=ctx.execution_id, playbook_id=ctx.chain[0] if ctx.chain else "",
                          step_index=ctx.step_index, step_key=ctx.idempotency_key, depth=ctx.depth, chain=ctx.chain,
                          wait=params.wait, input=params.input)

        async def start(_accepted: Accepted) -> dict[str, Any]:
            try:
                child = await asyncio.to_thread(host.children.start, link, params.playbook)
            except ValueError as exc:
                raise StepError(str(exc)) from None
            return asdict(child)

        # Keyed twice over: the child's ledger key stops a second start, and the record answers a resumed step.
        child = ChildRun(**(await ctx.once("child_run", start) if ctx.once else await start(_nothing)))
        if params.wait:
            ctx.sleep_until(ctx.clock.now() + timedelta(minutes=params.timeout_minutes), wake_on=child.execution_id)
        verb = "started, waiting for it" if params.wait else "started"
        return RunPlaybookOutput(child_execution_id=child.execution_id, playbook_id=child.playbook_id,
                                 playbook_name=child.playbook_name, status=child.status, waited=params.wait,
                                 summary=f"{child.playbook_name} {verb} ({child.execution_id})")


async def _nothing(_result: dict[str, Any]) -> None:
    return None
