"""The one registry of step types, keyed by action name."""
from __future__ import annotations

from scheduler.steps.base import Step


class StepRegistry:
    """Action name -> step instance; registering a name twice is an error."""

    def __init__(self) -> None:
        self._steps: dict[str, Step] = {}

    def register(self, step: Step) -> None:
        """Add a step type under its `name`."""
        if step.name in self._steps:
            raise ValueError(f"step type {step.name!r} registered twice")
        self._steps[step.name] = step

    def get(self, name: str) -> Step | None:
        """The step type for an action, or None."""
        return self._steps.get(name)

    def names(self) -> list[str]:
        """All registered action names, sorted."""
        return sorted(self._steps)

    def __contains__(self, name: object) -> bool:
        return name in self._steps


def default_registry() -> StepRegistry:
    """The registry with every built-in step type."""
    registry = StepRegistry()
    for step in builtin_steps():
        registry.register(step)
    return registry


def builtin_steps() -> list[Step]:
    """Every built-in step type: adding one is its module and one line here."""
    from scheduler.steps.delivery.email import SendEmail
    from scheduler.steps.delivery.notify import Notify
    from scheduler.steps.reports.sales import SalesReport

    return [SalesReport(), SendEmail(), Notify()]
