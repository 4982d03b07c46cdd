"""Text templates as data, never code: Jinja's immutable sandbox with strict undefineds.

Field access on mappings goes to keys first. Values from the context (web pages,
model output) are inserted as data: they are never parsed as templates.
"""

from __future__ import annotations

import ast
import copy
import functools
import re
import time
from collections import deque
from collections.abc import Mapping
from contextvars import ContextVar
from functools import lru_cache
from typing import Any, NamedTuple

import jinja2
from jinja2 import meta, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from jinja2.utils import missing

from scheduler.expressions.conditions import Evaluator
from scheduler.expressions.core import (
    ExpressionError,
    is_number,
    missing_field_message,
    parse_python,
    short_text,
    type_name,
    unknown_name_message,
)

__all__ = ["MAX_TEMPLATE_LENGTH", "literal", "render_value", "template_names"]

# Limits keep a hostile or runaway template from costing more than a moment.
MAX_TEMPLATE_LENGTH = 100_000
_MAX_REPEAT = 100_000  # longest str/list a template may build with *
_MAX_EXPONENT = 100
_MAX_INT_BITS = 10_000  # a template may not grow integers past ~3000 digits

_MAX_RANGE_TOTAL = 100_000  # items all range() calls of one render may produce together
MAX_OUTPUT = 1_000_000  # characters one template may render, and any text or list a filter or method builds
_MAX_RENDER_SECONDS = 10.0  # a render with no deadline of its own (a step's timeout is usually shorter)
_MAX_LOOP_DEPTH = 2

_RENDER_CONTEXT: ContextVar[Mapping[str, Any] | None] = ContextVar("_render_context", default=None)
_RANGE_LEFT: ContextVar[list[int] | None] = ContextVar("_range_left", default=None)
_DEADLINE: ContextVar[float | None] = ContextVar("_deadline", default=None)
_FORMAT_NUMBER = re.compile(r"\d+")
_MAPPING_METHODS = frozenset({"items", "keys", "values", "get"})
_IDENT = re.compile(r"[A-Za-z_]\w*\Z")


def _path_in(target: Any, context: Mapping[str, Any] | None, budget: int = 5_000) -> str | None:
    """Find where an object sits in the context, only to name it in an error message."""
    if context is None:
        return None
    queue = deque((value, str(key)) for key, value in context.items())
    seen_ids: set[int] = set()
    while queue and budget > 0:
        value, path = queue.popleft()
        budget -= 1
        if value is target:
            return path
        if id(value) in seen_ids or len(queue) > budget:
            continue  # already walked, or enough queued to spend the budget on
        seen_ids.add(id(value))
        if isinstance(value, Mapping):
            for key, child in value.items():
                step = f".{key}" if isinstance(key, str) and _IDENT.match(key) else f"[{key!r}]"
                queue.append((child, path + step))
        elif isinstance(value, (list, tuple)):
            queue.extend((child, f"{path}[{i}]") for i, child in enumerate(value))
    return None


class _Undefined(jinja2.StrictUndefined):
    """Strict, with our wording: "unknown name 'x'", "'y' is not a field of 'x'"."""

    __slots__ = ()

    @property
    def _undefined_message(self) -> str:
        if self._undefined_hint:
            return self._undefined_hint
        obj, name = self._undefined_obj, self._undefined_name
        if obj is missing:
            return unknown_name_message(str(name), _RENDER_CONTEXT.get() or {})
        if isinstance(obj, Mapping):
            return missing_field_message(name, obj, _path_in(obj, _RENDER_CONTEXT.get()))
        return super()._undefined_message


def _check_time() -> None:
    deadline = _DEADLINE.get()
    if deadline is not None and time.monotonic() > deadline:
        raise SecurityError("rendering took too long")


# Methods of text whose numbers are sizes; any other method's numbers are just values (a revenue of 2,500,000).
_SIZING_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs"})


def _check_args(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    # Widths, counts and lengths are what turn a short text into a huge one ('x'.center(10**9), indent, wordwrap).
    for value in (*args, *kwargs.values()):
        if is_number(value) and abs(value) > MAX_OUTPUT:
            raise SecurityError(f"{name}: {value!r} is over the limit of {MAX_OUTPUT}")


def _check_format(name: str, text: Any) -> None:
    # A format's widths are written in the format text: '%01000000000d', '{:>1000000000}'.
    if isinstance(text, str) and any(len(n) > 7 or int(n) > MAX_OUTPUT for n in _FORMAT_NUMBER.findall(text)):
        raise SecurityError(f"{name}: a width in the format is over the limit of {MAX_OUTPUT}")


def _check_replace(name: str, args: tuple[Any, ...]) -> None:
    # replace multiplies: each occurrence of `old` grows by len(new) - len(old).
    if name == "replace" and len(args) >= 3 and all(isinstance(a, str) for a in args[:3]):
        text, old, new = args[:3]
        grown = len(text) + (text.count(old) if old else len(text) + 1) * max(len(new) - len(old), 0)
        if grown > MAX_OUTPUT:
            raise SecurityError(f"replace would build text of {grown} characters (the limit is {MAX_OUTPUT})")


def _check_join(items: Any, separator: Any) -> None:
    # join multiplies too: a long separator between many items.
    if isinstance(items, (list, tuple)) and isinstance(separator, str):
        grown = len(separator) * max(len(items) - 1, 0) + sum(len(i) if isinstance(i, str) else 20 for i in items)
        if grown > MAX_OUTPUT:
            raise SecurityError(f"join would build text of {grown} characters (the limit is {MAX_OUTPUT})")


def _check_result(name: str, result: Any) -> Any:
    if isinstance(result, (str, list, tuple)) and len(result) > MAX_OUTPUT:
        raise SecurityError(f"{name} built {len(result)} items (the limit is {MAX_OUTPUT})")
    return result


def _bounded_filter(name: str, func: Any) -> Any:
    @functools.wraps(func)  # keeps jinja_pass_arg: context-passing filters still get their context
    def bounded(*args: Any, **kwargs: Any) -> Any:
        _check_time()
        # The value being filtered comes first (after the context Jinja passes to some); the numbers after it
        # are sizes (width, count, length), except for format, whose arguments are values to format.
        subject_at = 1 if getattr(func, "jinja_pass_arg", None) is not None else 0
        subject = args[subject_at] if len(args) > subject_at else None
        if name == "format":
            _check_format(name, subject)
        else:
            _check_args(name, args[subject_at + 1:], kwargs)
        _check_replace(name, tuple(a for a in args if isinstance(a, str))[-3:])  # past the context Jinja may pass first
        if name == "join":
            values = [a for a in args if isinstance(a, (list, tuple, str))]
            if len(values) >= 2:
                _check_join(values[0], values[1])
        return _check_result(name, func(*args, **kwargs))

    return bounded


class _Environment(ImmutableSandboxedEnvironment):
    """Immutable sandbox, keys before attributes on mappings, bounded * ** and %, filters and methods bounded in size and time."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 (Jinja's signature)
        """A call in a template: no argument past the size limit, no result past it, no call past the deadline."""
        _check_time()
        name = getattr(__obj, "__name__", "call")
        if name in _SIZING_METHODS:
            _check_args(name, args, kwargs)
        if name == "replace" and isinstance(getattr(__obj, "__self__", None), str):
            _check_replace(name, (__obj.__self__, *args))
        if name == "join" and isinstance(getattr(__obj, "__self__", None), str) and args:
            _check_join(list(args[0]) if isinstance(args[0], (list, tuple)) else args[0], __obj.__self__)
        return _check_result(name, super().call(__context, __obj, *args, **kwargs))

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, Mapping):
            # Step outputs are data: a field called "items" is the field, not dict.items.
            if attribute in obj or attribute not in _MAPPING_METHODS:
                return self.getitem(obj, attribute)
        elif isinstance(obj, str) and attribute in ("format", "format_map"):
            _check_format(attribute, obj)
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if isinstance(obj, Mapping):
            try:
                return obj[argument]
            except (KeyError, TypeError):
                return self.undefined(obj=obj, name=argument)
        return super().getitem(obj, argument)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if is_number(left) and is_number(right):
            both_int = isinstance(left, int) and isinstance(right, int)
            if operator == "**" and (abs(right) > _MAX_EXPONENT or (
                both_int and left.bit_length() * abs(right) > _MAX_INT_BITS
            )):
                raise SecurityError(f"{short_text(repr(left), 30)} ** {right!r} is too large")
            if operator == "*" and both_int and left.bit_length() + right.bit_length() > _MAX_INT_BITS:
                raise SecurityError("the product is too large")
        elif operator == "%" and isinstance(left, str):
            # printf-style formatting: '%01000000000d' % 1 and '%*s' % (10**9, 'x') are widths too.
            _check_format("%", left)
            if "*" in left:  # '%*s' % (10**9, 'x'): the width is an argument
                _check_args("%", right if isinstance(right, tuple) else (right,), {})
        elif operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(times, int):
                    if len(seq) * times > _MAX_REPEAT:
                        raise SecurityError(f"repeating would build more than {_MAX_REPEAT} items")
        return super().call_binop(context, operator, left, right)


def _budgeted_range(*args: int) -> range:
    # The sandbox caps each range; nested loops multiply, so one render shares one budget.
    _check_time()
    produced = range(*args)
    left = _RANGE_LEFT.get()
    if left is not None:
        left[0] -= len(produced)
        if left[0] < 0:
            raise SecurityError(f"loops would produce more than {_MAX_RANGE_TOTAL} items")
    return produced


_ENV = _Environment(undefined=_Undefined, autoescape=False, keep_trailing_newline=True)
for _name in ("lipsum", "cycler", "joiner"):
    _ENV.globals.pop(_name, None)
_ENV.globals["range"] = _budgeted_range
_ENV.filters = {name: _bounded_filter(name, func) for name, func in _ENV.filters.items()}
_FORBIDDEN_TAGS = (nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)


class _Template(NamedTuple):
    template: jinja2.Template
    names: frozenset[str]


@lru_cache(maxsize=512)
def _compile_template(text: str) -> _Template:
    if len(text) > MAX_TEMPLATE_LENGTH:
        raise ExpressionError(
            f"template is too long ({len(text)} characters, the limit is {MAX_TEMPLATE_LENGTH})"
        )
    try:
        parsed = _ENV.parse(text)
        for tag in _FORBIDDEN_TAGS:
            if parsed.find(tag) is not None:
                raise ExpressionError(
                    f"{tag.__name__.lower()} is not allowed in template {short_text(text)!r}"
                )
        if _loop_depth(parsed) > _MAX_LOOP_DEPTH:
            raise ExpressionError(
                f"loops nested more than {_MAX_LOOP_DEPTH} deep in template {short_text(text)!r}"
            )
        names = meta.find_undeclared_variables(parsed) - set(_ENV.globals)
        # Compiling here too catches unknown filters and tests when a playbook is saved.
        template = _ENV.from_string(parsed)
    except jinja2.TemplateSyntaxError as exc:
        raise ExpressionError(
            f"syntax error in template {short_text(text)!r}: {exc.message} (line {exc.lineno})"
        ) from None
    except (RecursionError, MemoryError) as exc:
        raise ExpressionError(f"cannot parse template {short_text(text)!r}: {exc}") from None
    return _Template(template, frozenset(names))


def _loop_depth(node: nodes.Node) -> int:
    inner = max((_loop_depth(child) for child in node.iter_child_nodes()), default=0)
    return inner + 1 if isinstance(node, nodes.For) else inner


def template_names(text: str) -> set[str]:
    """Return the root names a text template references; raise ExpressionError if it is invalid."""
    if not isinstance(text, str):
        raise ExpressionError(f"a template must be text, not {type_name(text)}")
    if "{{" not in text and "{%" not in text:
        return set()
    return set(_compile_template(text).names)


_SINGLE = re.compile(r"\s*\{\{(?P<inner>(?:(?!\{\{|\}\}|\{%).)*)\}\}\s*", re.DOTALL)
_JINJA_LITERALS = frozenset({"true", "false", "none", "True", "False", "None"})


def _single_reference(text: str) -> ast.expr | None:
    """The path in a string that is exactly ``{{ a.b[0] }}``, or None for anything richer."""
    match = _SINGLE.fullmatch(text)
    if not match:
        return None
    try:
        node = parse_python(match["inner"].strip()).body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    current = node
    while isinstance(current, (ast.Attribute, ast.Subscript)):
        if isinstance(current, ast.Subscript) and not isinstance(current.slice, ast.Constant):
            return None
        if isinstance(current, ast.Attribute) and current.attr.startswith("__"):
            return None
        current = current.value
    if not isinstance(current, ast.Name) or current.id in _JINJA_LITERALS:
        return None
    if current.id in _ENV.globals or current.id.startswith("__"):
        return None
    return node


def _render_text(text: str, context: Mapping[str, Any]) -> Any:
    if "{{" not in text and "{%" not in text:
        return text
    reference = _single_reference(text)
    if reference is not None:
        # Typed passthrough: "{{ a.items }}" hands the step the list itself, not its repr.
        # The condition evaluator reads the path so both report misses in the same words.
        try:
            return copy.deepcopy(Evaluator(text, context).resolve(reference))
        except ExpressionError as exc:
            raise ExpressionError(f"{exc} in template {short_text(text)!r}") from None
    compiled = _compile_template(text)
    token = _RENDER_CONTEXT.set(context)
    budget = _RANGE_LEFT.set([_MAX_RANGE_TOTAL])
    try:
        return _generate(compiled.template, context)
    except jinja2.UndefinedError as exc:
        raise ExpressionError(f"{exc.message} in template {short_text(text)!r}") from None
    except SecurityError as exc:
        raise ExpressionError(f"not allowed in template {short_text(text)!r}: {exc}") from None
    except (jinja2.TemplateError, TypeError, ValueError, ArithmeticError, LookupError,
            AttributeError, RecursionError) as exc:
        raise ExpressionError(f"cannot render template {short_text(text)!r}: {exc}") from None
    finally:
        _RANGE_LEFT.reset(budget)
        _RENDER_CONTEXT.reset(token)


def _generate(template: jinja2.Template, context: Mapping[str, Any]) -> str:
    # Piece by piece, so a loop that writes too much stops at the limit instead of filling memory first.
    out, size = [], 0
    for piece in template.generate(dict(context)):
        size += len(piece)
        if size > MAX_OUTPUT:
            raise SecurityError(f"the output is over {MAX_OUTPUT} characters")
        _check_time()
        out.append(piece)
    return "".join(out)


def render_value(value: Any, context: Mapping[str, Any], deadline: float | None = None) -> Any:
    """Render templates inside strings, dicts and lists against the context; other values pass.

    `deadline` is in seconds for the whole value (a step's timeout); past it the render stops with an ExpressionError.
    """
    if _DEADLINE.get() is not None:
        return _render_any(value, context)
    token = _DEADLINE.set(time.monotonic() + (deadline if deadline is not None else _MAX_RENDER_SECONDS))
    try:
        return _render_any(value, context)
    finally:
        _DEADLINE.reset(token)


def has_templates(value: Any) -> bool:
    """Whether any string inside `value` (dicts, lists) holds template marks: rendering it is more than a copy."""
    if isinstance(value, str):
        return "{{" in value or "{%" in value
    if isinstance(value, Mapping):
        return any(has_templates(item) for item in value.values())
    if isinstance(value, (list, tuple)):
        return any(has_templates(item) for item in value)
    return False


def _render_any(value: Any, context: Mapping[str, Any]) -> Any:
    if isinstance(value, str):
        return _render_text(value, context)
    if isinstance(value, Mapping):
        return {key: _render_any(item, context) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_render_any(item, context) for item in value)
    return value


def literal(words: str) -> str:
    """Text placed in a stored template so that it renders exactly as written ("check {{ 7*7 }}" stays that)."""
    if not re.search(r"[{}]", words):
        return words
    if "endraw" not in words.lower():
        return "{% raw %}" + words + "{% endraw %}"
    # Text that could close a raw block: every brace becomes a string literal instead.
    return re.sub(r"[{}]", lambda m: "{{ '" + m.group(0) + "' }}", words)
