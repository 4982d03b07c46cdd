"""What the engine lends the control steps: nested steps, child runs and the persona runner (interfaces only).

The scheduler never imports agents: the app hands the executor a `DelegateRunner` when it starts
(api/app.py builds one from agents/delegate.py); without one, `delegate` fails with a clear error.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

# How deep runs may nest (run_playbook children, delegations inside them): a chain past this is refused.
MAX_DEPTH = 3


@dataclass(frozen=True)
class Delegation:
    """One task handed to a persona by a run's `delegate` step, with what the run knows so far."""

    org_id: str
    persona: str
    task: str
    execution_id: str
    step_key: str  # execution_id:step_index: the trace id both logs carry
    depth: int  # 1 for a delegation from a top-level run
    context: dict[str, Any] = field(default_factory=dict)  # earlier steps' summaries and the values asked for


@dataclass(frozen=True)
class DelegateAnswer:
    """What the persona answered, and which model answered it."""

    persona: str
    answer: str
    model: str
    tokens: int = 0


class DelegateRunner(Protocol):
    """Runs a persona on a delegated task (the app's implementation drives the persona's model)."""

    async def __call__(self, request: Delegation) -> DelegateAnswer:
        """Answer the task as the persona."""
        ...


@dataclass(frozen=True)
class ChildRun:
    """A child run a step started (or found again under its key)."""

    execution_id: str
    playbook_id: str
    playbook_name: str
    status: str
    created: bool


@dataclass(frozen=True)
class ParentLink:
    """Who starts a child run: the parent execution, its step, how deep it is, the playbooks above it."""

    org_id: str
    execution_id: str
    playbook_id: str
    step_index: int
    step_key: str  # execution_id:step_index (and an item's place): the child's dedupe key
    depth: int
    chain: tuple[str, ...]  # playbook ids of the parent and its ancestors: a cycle is refused
    wait: bool = False
    input: dict[str, Any] = field(default_factory=dict)


class ChildRuns(Protocol):
    """Starts runs of other playbooks of the same organisation, linked to their parent."""

    def start(self, link: ParentLink, playbook: str) -> ChildRun:
        """Start (or find) the child run of `playbook` (id or name) for this parent step; ValueError if refused."""
        ...


@dataclass
class StepHost:
    """The engine's parts a control step may use; the executor builds one, the runtime fills in the rest."""

    registry: Any  # StepRegistry (scheduler.steps.registry imports this package's base)
    once_for: Callable[[str, str], Any]  # (org_id, key) -> Once: nested steps' side effects under their own key
    children: ChildRuns | None = None
    delegate: DelegateRunner | None = None
