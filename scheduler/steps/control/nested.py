"""Nested steps: what `for_each` (once per item) and `branch` (the chosen list) run inside their own step.

A nested step is an ordinary step spec run in place: its condition checked, its params rendered
against the run's values plus what the container adds (`item`, `index`, earlier nested outputs),
its output validated. Its outside side effects are keyed `execution_id:step_index:<place>` (an
item's index, `then.0`), and its staged writes commit with the container's checkpoint, so a
resumed run repeats none of them. Steps that park the run (wait, approvals, a waiting
run_playbook) and containers themselves cannot be nested.
"""
from __future__ import annotations

import dataclasses
from typing import Any

from pydantic import ValidationError

from scheduler.domain.spec import StepSpec
from scheduler.expressions import ExpressionError, evaluate_condition
from scheduler.steps.base import StepContext, StepError, attempt, render_params
from scheduler.store.repositories import UnitOfWork

# Nested steps may not be these: they park the run or nest again.
NOT_NESTABLE = frozenset({"wait", "request_approval", "for_each", "branch"})


def nesting_errors(spec: StepSpec) -> list[str]:
    """Why this step spec cannot run nested (empty when it can); checked on save and again at run time."""
    if spec.action in NOT_NESTABLE:
        return [f"{spec.action!r} cannot run inside for_each or branch (it parks the run or nests again)"]
    if spec.action == "run_playbook" and spec.params.get("wait") not in (None, False):
        return ["run_playbook with wait cannot run inside for_each or branch (it parks the run)"]
    return []


async def run_nested(spec: StepSpec, ctx: StepContext, values: dict[str, Any], place: str) -> dict[str, Any]:
    """Run one nested step; answers {status, output, error} (completed, skipped or failed), never raises StepError."""
    if ctx.host is None:
        raise StepError("nested steps need the engine's step host; this step ran outside an executor")
    step = ctx.host.registry.get(spec.action)
    problems = nesting_errors(spec) if step is not None else [f"unknown action {spec.action!r}"]
    if problems:
        return {"status": "failed", "output": None, "error": problems[0]}
    try:
        if spec.condition and not (seen := evaluate_condition(spec.condition, values)).result:
            return {"status": "skipped", "output": None, "error": None, "seen": seen.seen}
        params = step.Params.model_validate(render_params(step, spec.params, values))
    except (ExpressionError, ValidationError) as exc:
        return {"status": "failed", "output": None, "error": str(exc)}
    key_suffix = f"{ctx.key_suffix}:{place}"
    error = "no attempt made"
    for tries in range(1, step.max_attempts + 1):
        unit = UnitOfWork()
        sub = dataclasses.replace(ctx, values=values, key_suffix=key_suffix, unit=unit, waiting=False,
                                  wake_at=None, wake_on=None,
                                  once=ctx.host.once_for(ctx.org_id, f"{ctx.execution_id}:{ctx.step_index}{key_suffix}"))
        tried = await attempt(step, params, sub)
        if tried.output is not None:
            if sub.waiting or sub.wake_at is not None:
                return {"status": "failed", "output": None, "error": f"{spec.action} tried to park the run inside a nested step"}
            ctx.unit.merge(unit, sub.idempotency_key)
            return {"status": "completed", "output": tried.output, "error": None}
        error = tried.error
        if not tried.retry or tries == step.max_attempts:
            break
        await ctx.clock.sleep(0.5 * 2 ** (tries - 1))
    return {"status": "failed", "output": None, "error": error}
