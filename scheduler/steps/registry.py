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
    from scheduler.steps import delivery, reports

    registry = StepRegistry()
    for module in (reports, delivery):
        for step in module.STEPS:
            registry.register(step)
    return registry
