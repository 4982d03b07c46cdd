"""The one interface every step type implements, and what a step sees while it runs."""
from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

from scheduler.domain.clock import Clock
from scheduler.expressions import render_value
from scheduler.marketing.writer import TemplateWriter, TextWriter
from scheduler.settings import Settings
from scheduler.store.repositories import Repositories, UnitOfWork

# `once(kind, effect)`: the effect is awaited as effect(accepted) unless already recorded under the step's key;
# the effect calls `accepted(result)` the moment the outside world has taken it (an SMTP 250), which records
# it there and then; if it never calls it, its return value is recorded when it returns.
Accepted = Callable[[dict[str, Any]], Awaitable[None]]
Once = Callable[[str, Callable[[Accepted], Awaitable[dict[str, Any]]]], Awaitable[dict[str, Any]]]


class StepError(Exception):
    """A step failed; `retryable` says whether trying again may help."""

    retryable: bool = False


class RetryableStepError(StepError):
    """A transient failure (network, busy server): the executor retries with backoff."""

    retryable = True


class StepParams(BaseModel):
    """Base of every step's params model: unknown keys are a mistake worth reporting."""

    model_config = ConfigDict(extra="forbid")


class StepOutput(BaseModel):
    """Base of every step's output model; `summary` is the line a digest or email shows."""

    summary: str = ""


@dataclass
class StepContext:
    """Everything a running step may use: the store through `store` (never the engine), side effects through `once`.

    Database-local side effects (a notification...) are staged in `unit`, through a repository's
    `stage` method: the executor commits them in the same transaction as the step's checkpoint.
    Effects outside the store (mail, SMS, webhooks) go through `once`, keyed `execution_id:step_index`.
    """

    org_id: str
    execution_id: str
    step_index: int
    values: dict[str, Any]
    settings: Settings
    store: Repositories
    clock: Clock
    previous: list[dict[str, Any]] = field(default_factory=list)
    once: Once | None = None
    unit: UnitOfWork = field(default_factory=UnitOfWork)
    # Writes customer-facing text (scheduler.marketing.writer): templates by default, a model when the app gives one.
    writer: TextWriter = field(default_factory=TemplateWriter)
    # Set by wait_for_approval(): the run stops after this step, in `waiting_approval`, until decided.
    waiting: bool = False
    # Set by sleep_until(): the run sleeps after this step, in `waiting`, until then (or until `wake_on` ends).
    wake_at: datetime | None = None
    wake_on: str | None = None
    # The engine's parts control steps use (nested steps, child runs, the persona runner); None in bare tests.
    host: Any = None  # StepHost (scheduler.steps.host)
    depth: int = 0  # how many parent runs this run has (run_playbook children)
    chain: tuple[str, ...] = ()  # this run's playbook id, then its ancestors'
    key_suffix: str = ""  # nested steps (for_each items, branch steps) key their side effects apart

    def digest(self) -> str:
        """The summaries of earlier steps, one a line: the default body of a message."""
        lines = [p["summary"] for p in self.previous if isinstance(p, dict) and p.get("summary")]
        return "\n".join(lines) or "Your playbook ran; there was nothing to report."

    def wait_for_approval(self) -> None:
        """Stop the run after this step (status `waiting_approval`): the approvals it staged resume it once decided."""
        self.waiting = True

    def sleep_until(self, instant: datetime, wake_on: str | None = None) -> None:
        """Park the run after this step (status `waiting`, no worker held) until `instant`, or until run `wake_on` ends."""
        self.wake_at, self.wake_on = instant, wake_on

    @property
    def idempotency_key(self) -> str:
        """The key a side effect of this step is recorded under (a nested step's adds its place)."""
        return f"{self.execution_id}:{self.step_index}{self.key_suffix}"


class Step(ABC):
    """A step type: typed params in, typed output out, side effects declared."""

    name: ClassVar[str]
    Params: ClassVar[type[StepParams]]
    Output: ClassVar[type[StepOutput]]
    side_effect: ClassVar[bool] = False
    # Params a contract test runs every registered step with, on the embedded default.
    example: ClassVar[dict[str, Any]] = {}
    timeout_seconds: ClassVar[float] = 30.0
    # Params the executor leaves unrendered: the step renders them itself (nested steps, per item).
    raw_params: ClassVar[frozenset[str]] = frozenset()
    max_attempts: ClassVar[int] = 3

    @abstractmethod
    async def run(self, params: Any, ctx: StepContext) -> StepOutput:
        """Do the work once; raise StepError (or RetryableStepError) on failure."""


def render_params(step: Step, params: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """A step's params with templates rendered, except those it renders itself (`raw_params`: nested steps)."""
    rendered = render_value({k: v for k, v in params.items() if k not in step.raw_params}, values)
    return {**rendered, **{k: v for k, v in params.items() if k in step.raw_params}}


@dataclass(frozen=True)
class Attempt:
    """One try of a step: its output as stored JSON, or why it failed and whether another try may help."""

    output: dict[str, Any] | None
    error: str | None = None
    retry: bool = False


async def attempt(step: Step, params: Any, ctx: StepContext, deadline: float | None = None) -> Attempt:
    """Run the step once within its timeout (or until the loop time `deadline`); its output checked against its model."""
    try:
        async with asyncio.timeout_at(deadline) if deadline is not None else asyncio.timeout(step.timeout_seconds):
            result = await step.run(params, ctx)
        return Attempt(step.Output.model_validate(result.model_dump()).model_dump(mode="json"))
    except TimeoutError:
        return Attempt(None, f"timed out after {step.timeout_seconds:g}s", retry=True)
    except StepError as exc:
        return Attempt(None, str(exc), retry=exc.retryable)
    except ValidationError as exc:
        return Attempt(None, f"output does not fit {step.Output.__name__}: {exc}")
