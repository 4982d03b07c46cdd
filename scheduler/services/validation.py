"""Validate a playbook when it is saved, so a bad one is refused before it can run."""
from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from scheduler.catalog import EVENT_NAMES
from scheduler.domain.headers import HEADER_BREAK
from scheduler.domain.spec import (
    RUN_CONTEXT_NAMES,
    EventTrigger,
    PlaybookSpec,
    ScheduleTrigger,
    StepSpec,
    step_aliases,
)
from scheduler.expressions import ExpressionError, condition_names, template_names
from scheduler.steps.control.nested import nesting_errors
from scheduler.steps.registry import StepRegistry
from scheduler.timing.cron import CronError, validate_schedule


class PlaybookInvalid(ValueError):
    """A playbook spec that cannot be saved; `errors` name the path of each problem."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def parse_spec(data: Any, org_timezone: str, registry: StepRegistry) -> PlaybookSpec:
    """Parse and fully check a spec; raises PlaybookInvalid listing every problem by path."""
    try:
        spec = PlaybookSpec.model_validate(data)
    except ValidationError as exc:
        raise PlaybookInvalid([_pydantic_error(e) for e in exc.errors()]) from None
    errors = _trigger_errors(spec, org_timezone) + _step_errors(spec, registry)
    if errors:
        raise PlaybookInvalid(errors)
    for trigger in spec.triggers:
        if isinstance(trigger, ScheduleTrigger) and not trigger.timezone:
            trigger.timezone = org_timezone
    return spec


def _pydantic_error(err: dict[str, Any]) -> str:
    path = ""
    for part in err["loc"]:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return f"{path or 'playbook'}: {err['msg']}"


def _trigger_errors(spec: PlaybookSpec, org_timezone: str) -> list[str]:
    errors = []
    for i, trigger in enumerate(spec.triggers):
        if isinstance(trigger, ScheduleTrigger):
            try:
                validate_schedule(trigger.cron, trigger.timezone or org_timezone)
            except CronError as exc:
                errors.append(f"triggers[{i}]: {exc}")
        elif isinstance(trigger, EventTrigger):
            if trigger.event not in EVENT_NAMES:
                errors.append(f"triggers[{i}].event: unknown event {trigger.event!r} (known: {', '.join(EVENT_NAMES)})")
            if trigger.filter:
                errors += _names_errors(f"triggers[{i}].filter", trigger.filter, {"event", "org"}, condition=True)
    return errors


def _step_errors(spec: PlaybookSpec, registry: StepRegistry) -> list[str]:
    errors: list[str] = []
    known = set(RUN_CONTEXT_NAMES)
    ids: set[str] = set()
    for i, step in enumerate(spec.steps):
        path = f"steps[{i}]"
        if step.id in RUN_CONTEXT_NAMES:
            errors.append(f"{path}.id: {step.id!r} is reserved for the run context")
        elif step.id in ids:
            errors.append(f"{path}.id: {step.id!r} is already the id of an earlier step")
        ids.add(step.id or "")
        step_type = registry.get(step.action)
        if step_type is None:
            errors.append(f"{path}.action: unknown action {step.action!r} (available: {', '.join(registry.names())})")
        if step.condition:
            errors += _names_errors(f"{path}.condition", step.condition, known, condition=True)
        raw = step_type.raw_params if step_type is not None else frozenset()
        for where, text in _strings({k: v for k, v in step.params.items() if k not in raw}, f"{path}.params"):
            errors += _names_errors(where, text, known, condition=False)
        if step_type is not None:
            errors += _params_errors(path, step.params, step_type.Params)
            errors += _nested_errors(f"{path}.params", step, registry, known)
        known.update(step_aliases(step))
    return errors


def _nested_errors(path: str, step: StepSpec, registry: StepRegistry, known: set[str]) -> list[str]:
    """The steps a for_each or branch runs inside itself, checked as top-level steps are, by their own paths."""
    if step.action == "for_each" and isinstance(step.params.get("step"), dict):
        return _nested_spec_errors(f"{path}.step", step.params["step"], registry, known | {"item", "index"})
    if step.action != "branch":
        return []
    errors = []
    if isinstance(step.params.get("if"), str):
        errors += _names_errors(f"{path}.if", step.params["if"], known, condition=True)
    for arm in ("then", "else"):
        inner = set(known)
        listed = step.params.get(arm)
        for i, raw in enumerate(listed if isinstance(listed, list) else []):
            errors += _nested_spec_errors(f"{path}.{arm}[{i}]", raw, registry, inner)
            if isinstance(raw, dict):
                inner.update(n for n in (raw.get("id"), raw.get("action")) if isinstance(n, str))
    return errors


def _nested_spec_errors(path: str, raw: Any, registry: StepRegistry, known: set[str]) -> list[str]:
    try:
        spec = StepSpec.model_validate(raw)
    except ValidationError as exc:
        return [_at(path, e) for e in exc.errors()]
    step_type = registry.get(spec.action)
    if step_type is None:
        return [f"{path}.action: unknown action {spec.action!r} (available: {', '.join(registry.names())})"]
    errors = [f"{path}.action: {problem}" for problem in nesting_errors(spec)]
    if spec.condition:
        errors += _names_errors(f"{path}.condition", spec.condition, known, condition=True)
    for where, text in _strings(spec.params, f"{path}.params"):
        errors += _names_errors(where, text, known, condition=False)
    try:
        step_type.Params.model_validate(spec.params)
    except ValidationError as exc:
        errors += [_at(f"{path}.params", e) for e in exc.errors()
                   if e["type"] in ("extra_forbidden", "missing") or not _is_template(_lookup(spec.params, e["loc"]))]
    return errors


def _at(path: str, err: Any) -> str:
    """A pydantic error under `path`: `steps[2].params.step.params.to: Field required`."""
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"])
    return f"{path}{where}: {err['msg']}"


def _names_errors(path: str, text: str, known: set[str], condition: bool) -> list[str]:
    try:
        names = condition_names(text) if condition else template_names(text)
    except ExpressionError as exc:
        return [f"{path}: {exc}"]
    return [f"{path}: unknown name {name!r}" for name in sorted(names - known)]


def _strings(value: Any, path: str) -> list[tuple[str, str]]:
    if isinstance(value, str):
        return [(path, value)]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _strings(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [s for i, v in enumerate(value) for s in _strings(v, f"{path}[{i}]")]
    return []


def _params_errors(path: str, params: dict[str, Any], model: type) -> list[str]:
    try:
        model.model_validate(params)
    except ValidationError as exc:
        # A templated value gets its real type only at run time, where it is checked again; a line break in
        # the literal part of a mail header is known now, templated or not.
        return [
            _pydantic_error({"loc": ("steps", int(path[6:-1]), "params", *e["loc"]), "msg": e["msg"]})
            for e in exc.errors()
            if e["type"] == HEADER_BREAK or not _is_template(_lookup(params, e["loc"]))
        ]
    return []


def _lookup(params: Any, loc: tuple[Any, ...]) -> Any:
    for part in loc:
        try:
            params = params[part]
        except (KeyError, IndexError, TypeError):
            return None
    return params


def _is_template(value: Any) -> bool:
    return isinstance(value, str) and "{{" in value
