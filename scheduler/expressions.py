"""Conditions and templates as data, never code.

Conditions (``{{analyze_pricing.price_gap}} > 10``) go through a small grammar of
our own over Python's ``ast`` module. simpleeval was the other candidate, but it
resolves ``a.b`` with ``getattr`` first (so a step output field named ``items``
or ``count`` would come back as a dict method), reports misses with its own six
exception types, and has no hook to record what each path resolved to; bending
it to our rules meant overriding most of it. The grammar below is a whitelist:
names from the run context, dotted and [index] access into plain data,
comparisons, and/or/not, + - * / // % on numbers, and literals. No calls, no
dunders, no lambdas or comprehensions, no ``**`` (a cheap memory bomb).

Text templates use Jinja's immutable sandbox with strict undefineds, with field
access on mappings going to keys first. Values from the context (web pages,
model output) are inserted as data: they are never parsed as templates.
"""

from __future__ import annotations

import ast
import copy
import difflib
import operator
import re
import warnings
from collections import deque
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

import jinja2
from jinja2 import meta, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from jinja2.utils import missing

__all__ = [
    "ConditionOutcome",
    "ExpressionError",
    "condition_names",
    "evaluate_condition",
    "render_value",
    "template_names",
]

# Limits keep a hostile or runaway expression from costing more than a moment.
MAX_CONDITION_LENGTH = 2_000
MAX_TEMPLATE_LENGTH = 100_000
_MAX_DEPTH = 50
_MAX_REPEAT = 100_000  # longest str/list a template may build with *
_MAX_EXPONENT = 100
_MAX_INT_BITS = 10_000  # a template may not grow integers past ~3000 digits


class ExpressionError(ValueError):
    """A condition or template that cannot be parsed or evaluated; the message says why."""


@dataclass(frozen=True)
class ConditionOutcome:
    """The result of a condition and every path it looked at, as written, with its value."""

    result: bool
    seen: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------- shared lookup


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _kind(value: Any) -> str:
    if value is None:
        return "None"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "a list"
    return f"a {type(value).__name__}"


def _type_name(value: Any) -> str:
    return "None" if value is None else type(value).__name__


def _missing_field(key: Any, parent: Mapping, path: str | None) -> str:
    where = repr(path) if path else "this object"
    message = f"{key!r} is not a field of {where}"
    keys = [str(k) for k in list(parent)[:10]]
    if keys:
        # Listing the real fields lets a model fix its own typo in one turn.
        message += f" (its fields: {', '.join(keys)}{', ...' if len(parent) > 10 else ''})"
    return message


def _unknown_name(name: str, context: Mapping[str, Any]) -> str:
    message = f"unknown name {name!r}"
    close = difflib.get_close_matches(name, [str(k) for k in context], n=1)
    if close:
        message += f" (did you mean {close[0]!r}?)"
    elif name in ("true", "false", "null", "none"):
        message += " (write True, False or None)"
    return message


def _lookup_root(context: Mapping[str, Any], name: str) -> Any:
    try:
        return context[name]
    except KeyError:
        raise ExpressionError(_unknown_name(name, context)) from None


def _field(parent: Any, key: Any, path: str) -> Any:
    """Step outputs are plain data, so a.b means a["b"] and a[0] means list index 0."""
    if isinstance(parent, Mapping):
        try:
            return parent[key]
        except (KeyError, TypeError):
            raise ExpressionError(_missing_field(key, parent, path)) from None
    if isinstance(parent, (list, tuple, str)):
        if not isinstance(key, int) or isinstance(key, bool):
            raise ExpressionError(
                f"{path!r} is {_kind(parent)}, so it has no field {key!r}"
                " (use a whole-number index like [0])"
            )
        try:
            return parent[key]
        except IndexError:
            raise ExpressionError(
                f"index {key} is out of range for {path!r} ({len(parent)} items)"
            ) from None
    raise ExpressionError(f"{path!r} is {_kind(parent)}, so it has no field {key!r}")


# ------------------------------------------------------------------ conditions

_REF_NODES = (ast.Name, ast.Attribute, ast.Subscript)
_BOOL_OPS = {ast.And: "and", ast.Or: "or"}
_BIN_OPS = {
    ast.Add: ("+", operator.add),
    ast.Sub: ("-", operator.sub),
    ast.Mult: ("*", operator.mul),
    ast.Div: ("/", operator.truediv),
    ast.FloorDiv: ("//", operator.floordiv),
    ast.Mod: ("%", operator.mod),
}
_CMP_OPS = {
    ast.Eq: ("==", operator.eq),
    ast.NotEq: ("!=", operator.ne),
    ast.Lt: ("<", operator.lt),
    ast.LtE: ("<=", operator.le),
    ast.Gt: (">", operator.gt),
    ast.GtE: (">=", operator.ge),
    ast.In: ("in", lambda a, b: a in b),
    ast.NotIn: ("not in", lambda a, b: a not in b),
    ast.Is: ("is", operator.is_),
    ast.IsNot: ("is not", operator.is_not),
}
_FORBIDDEN = {
    ast.Call: "function calls",
    ast.Lambda: "lambdas",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions",
    ast.IfExp: "if/else expressions",
    ast.NamedExpr: "assignments",
    ast.JoinedStr: "f-strings",
    ast.Dict: "dict literals",
    ast.Set: "set literals",
    ast.Slice: "slices",
    ast.Starred: "starred expressions",
}


def _placeholder(node: ast.AST) -> ast.expr | None:
    """``{{x}}`` parses as a set holding a set holding x; reading it off the AST keeps
    braces inside string literals untouched, which a text substitution would not."""
    if (
        isinstance(node, ast.Set)
        and len(node.elts) == 1
        and isinstance(node.elts[0], ast.Set)
        and len(node.elts[0].elts) == 1
    ):
        return node.elts[0].elts[0]
    return None


def _is_literal_singleton(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and (node.value is None or isinstance(node.value, bool))


class _Checker:
    """Walks a parsed condition once at compile time: whitelist, depth, root names."""

    def __init__(self, expr: str) -> None:
        self.expr = expr
        self.names: set[str] = set()

    def fail(self, reason: str) -> ExpressionError:
        return ExpressionError(f"{reason} in condition {_short(self.expr)!r}")

    def check(self, node: ast.AST, depth: int = 0) -> None:
        if depth > _MAX_DEPTH:
            raise self.fail("too deeply nested")
        inner = _placeholder(node)
        if inner is not None:
            return self.check(inner, depth + 1)
        nxt = depth + 1
        if isinstance(node, ast.Constant):
            if node.value is not None and not isinstance(node.value, (bool, int, float, str)):
                raise self.fail(f"the literal {ast.unparse(node)} is not allowed")
        elif isinstance(node, ast.Name):
            if node.id.startswith("__"):
                raise self.fail(f"the name {node.id!r} is not allowed")
            self.names.add(node.id)
        elif isinstance(node, ast.Attribute):
            if node.attr.startswith("__"):
                raise self.fail(f"the field {node.attr!r} is not allowed")
            self.check_ref_base(node.value, nxt)
        elif isinstance(node, ast.Subscript):
            self.check_ref_base(node.value, nxt)
            self.check(node.slice, nxt)
        elif isinstance(node, ast.BoolOp) and type(node.op) in _BOOL_OPS:
            for value in node.values:
                self.check(value, nxt)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Not, ast.USub, ast.UAdd)):
            self.check(node.operand, nxt)
        elif isinstance(node, ast.BinOp):
            if type(node.op) not in _BIN_OPS:
                symbol = {ast.Pow: "**", ast.BitOr: "|", ast.BitAnd: "&"}.get(type(node.op))
                hint = " (filters are for templates, not conditions)" if symbol == "|" else ""
                raise self.fail(f"the operator {symbol or type(node.op).__name__} is not allowed{hint}")
            self.check(node.left, nxt)
            self.check(node.right, nxt)
        elif isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            for op, left, right in zip(node.ops, operands, operands[1:]):
                # Identity of numbers and strings is an implementation detail.
                if isinstance(op, (ast.Is, ast.IsNot)) and not (
                    _is_literal_singleton(left) or _is_literal_singleton(right)
                ):
                    raise self.fail("'is' only compares with None, True or False (use ==)")
            for operand in operands:
                self.check(operand, nxt)
        elif isinstance(node, (ast.List, ast.Tuple)):
            for element in node.elts:
                self.check(element, nxt)
        else:
            what = _FORBIDDEN.get(type(node), f"{type(node).__name__} expressions")
            raise self.fail(f"{what} are not allowed")

    def check_ref_base(self, node: ast.AST, depth: int) -> None:
        inner = _placeholder(node)
        if not isinstance(inner or node, _REF_NODES):
            raise self.fail("fields can only be read from names, like step.field")
        self.check(node, depth)


class _Compiled(NamedTuple):
    tree: ast.expr
    names: frozenset[str]


def _parse_python(source: str) -> ast.Expression:
    # Invalid escapes and `is` with literals warn at parse time; with -W error a
    # warning would escape as something other than ExpressionError.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(source, mode="eval")


def _compile_condition(expr: str) -> _Compiled:
    # Checked before the cache, which would raise TypeError on an unhashable value.
    if not isinstance(expr, str):
        raise ExpressionError(f"a condition must be text, not {_type_name(expr)}")
    return _compile_condition_text(expr)


@lru_cache(maxsize=512)
def _compile_condition_text(expr: str) -> _Compiled:
    if not expr.strip():
        raise ExpressionError("empty condition")
    if len(expr) > MAX_CONDITION_LENGTH:
        raise ExpressionError(
            f"condition is too long ({len(expr)} characters, the limit is {MAX_CONDITION_LENGTH})"
        )
    try:
        tree = _parse_python(expr.strip())
    except SyntaxError as exc:
        raise ExpressionError(f"syntax error in condition {_short(expr)!r}: {exc.msg}") from None
    except (ValueError, RecursionError, MemoryError, OverflowError) as exc:
        raise ExpressionError(f"syntax error in condition {_short(expr)!r}: {exc}") from None
    checker = _Checker(expr)
    checker.check(tree.body)
    return _Compiled(tree.body, frozenset(checker.names))


def condition_names(expr: str) -> set[str]:
    """Return the root names a condition references; raise ExpressionError if it is invalid."""
    return set(_compile_condition(expr).names)


def _source(node: ast.AST) -> str:
    inner = _placeholder(node)
    return ast.unparse(inner if inner is not None else node)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class _Evaluator:
    """Evaluates a checked condition tree against plain data, recording what it read."""

    def __init__(self, expr: str, context: Mapping[str, Any]) -> None:
        self.expr = expr
        self.context = context
        self.seen: dict[str, Any] = {}

    def fail(self, reason: str) -> ExpressionError:
        return ExpressionError(f"{reason} in condition {_short(self.expr)!r}")

    def eval(self, node: ast.AST) -> Any:
        inner = _placeholder(node)
        if inner is not None:
            return self.eval(inner)
        if isinstance(node, _REF_NODES):
            # Record the whole path (a.b.c), not each prefix of it.
            value = self.resolve(node)
            self.seen.setdefault(_source(node), value)
            return value
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.BoolOp):
            # Short-circuit like Python, so `x != None and x.y > 1` guards work.
            is_and = isinstance(node.op, ast.And)
            value: Any = None
            for operand in node.values:
                value = self.eval(operand)
                if bool(value) != is_and:
                    return value
            return value
        if isinstance(node, ast.UnaryOp):
            operand = self.eval(node.operand)
            if isinstance(node.op, ast.Not):
                return not operand
            if not _is_number(operand):
                raise self.fail(f"{_source(node.operand)} is {_kind(operand)}, not a number")
            return -operand if isinstance(node.op, ast.USub) else +operand
        if isinstance(node, ast.BinOp):
            return self.arithmetic(node)
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.Tuple):
            return tuple(self.eval(element) for element in node.elts)
        if isinstance(node, ast.List):
            return [self.eval(element) for element in node.elts]
        raise self.fail(f"{type(node).__name__} is not allowed")  # unreachable after _Checker

    def resolve(self, node: ast.AST) -> Any:
        inner = _placeholder(node)
        if inner is not None:
            return self.resolve(inner)
        if isinstance(node, ast.Name):
            return _lookup_root(self.context, node.id)
        if isinstance(node, ast.Attribute):
            return _field(self.resolve(node.value), node.attr, _source(node.value))
        assert isinstance(node, ast.Subscript)
        parent = self.resolve(node.value)
        return _field(parent, self.eval(node.slice), _source(node.value))

    def arithmetic(self, node: ast.BinOp) -> Any:
        symbol, apply = _BIN_OPS[type(node.op)]
        left, right = self.eval(node.left), self.eval(node.right)
        for side, value in ((node.left, left), (node.right, right)):
            if not _is_number(value):
                raise self.fail(
                    f"{symbol} needs numbers, but {_source(side)} is {_kind(value)} ({_short(repr(value), 40)})"
                )
        try:
            return apply(left, right)
        except ArithmeticError as exc:
            raise self.fail(f"cannot compute {left!r} {symbol} {right!r}: {exc}") from None

    def compare(self, node: ast.Compare) -> bool:
        left = self.eval(node.left)
        for op, right_node in zip(node.ops, node.comparators):
            right = self.eval(right_node)
            symbol, apply = _CMP_OPS[type(op)]
            try:
                ok = bool(apply(left, right))
            except TypeError:
                raise self.fail(
                    f"cannot compare {_short(repr(left), 40)} {symbol} {_short(repr(right), 40)}"
                    f" ({_type_name(left)} and {_type_name(right)})"
                ) from None
            if not ok:
                return False
            left = right
        return True


def evaluate_condition(expr: str, context: Mapping[str, Any]) -> ConditionOutcome:
    """Evaluate a condition against the run context; raise ExpressionError on any problem."""
    compiled = _compile_condition(expr)
    evaluator = _Evaluator(expr, context)
    try:
        value = evaluator.eval(compiled.tree)
        return ConditionOutcome(result=bool(value), seen=evaluator.seen)
    except RecursionError:
        raise evaluator.fail("a value is nested too deeply") from None


# ------------------------------------------------------------------- templates

_RENDER_CONTEXT: ContextVar[Mapping[str, Any] | None] = ContextVar("_render_context", default=None)
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
            return _unknown_name(str(name), _RENDER_CONTEXT.get() or {})
        if isinstance(obj, Mapping):
            return _missing_field(name, obj, _path_in(obj, _RENDER_CONTEXT.get()))
        return super()._undefined_message


class _Environment(ImmutableSandboxedEnvironment):
    """Immutable sandbox, keys before attributes on mappings, bounded * and **."""

    intercepted_binops = frozenset({"*", "**"})

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, Mapping):
            # Step outputs are data: a field called "items" is the field, not dict.items.
            if attribute in obj or attribute not in _MAPPING_METHODS:
                return self.getitem(obj, attribute)
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if isinstance(obj, Mapping):
            try:
                return obj[argument]
            except (KeyError, TypeError):
                return self.undefined(obj=obj, name=argument)
        return super().getitem(obj, argument)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if _is_number(left) and _is_number(right):
            both_int = isinstance(left, int) and isinstance(right, int)
            if operator == "**" and (abs(right) > _MAX_EXPONENT or (
                both_int and left.bit_length() * abs(right) > _MAX_INT_BITS
            )):
                raise SecurityError(f"{_short(repr(left), 30)} ** {right!r} is too large")
            if operator == "*" and both_int and left.bit_length() + right.bit_length() > _MAX_INT_BITS:
                raise SecurityError("the product is too large")
        elif operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(times, int):
                    if len(seq) * times > _MAX_REPEAT:
                        raise SecurityError(f"repeating would build more than {_MAX_REPEAT} items")
        return super().call_binop(context, operator, left, right)


_ENV = _Environment(undefined=_Undefined, autoescape=False, keep_trailing_newline=True)
for _name in ("lipsum", "cycler", "joiner"):
    _ENV.globals.pop(_name, None)
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
                    f"{tag.__name__.lower()} is not allowed in template {_short(text)!r}"
                )
        names = meta.find_undeclared_variables(parsed) - set(_ENV.globals)
        # Compiling here too catches unknown filters and tests when a playbook is saved.
        template = _ENV.from_string(parsed)
    except jinja2.TemplateSyntaxError as exc:
        raise ExpressionError(
            f"syntax error in template {_short(text)!r}: {exc.message} (line {exc.lineno})"
        ) from None
    except (RecursionError, MemoryError) as exc:
        raise ExpressionError(f"cannot parse template {_short(text)!r}: {exc}") from None
    return _Template(template, frozenset(names))


def template_names(text: str) -> set[str]:
    """Return the root names a text template references; raise ExpressionError if it is invalid."""
    if not isinstance(text, str):
        raise ExpressionError(f"a template must be text, not {_type_name(text)}")
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
        node = _parse_python(match["inner"].strip()).body
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
        try:
            return copy.deepcopy(_Evaluator(text, context).resolve(reference))
        except ExpressionError as exc:
            raise ExpressionError(f"{exc} in template {_short(text)!r}") from None
    compiled = _compile_template(text)
    token = _RENDER_CONTEXT.set(context)
    try:
        return compiled.template.render(dict(context))
    except jinja2.UndefinedError as exc:
        raise ExpressionError(f"{exc.message} in template {_short(text)!r}") from None
    except SecurityError as exc:
        raise ExpressionError(f"not allowed in template {_short(text)!r}: {exc}") from None
    except (jinja2.TemplateError, TypeError, ValueError, ArithmeticError, LookupError,
            AttributeError, RecursionError) as exc:
        raise ExpressionError(f"cannot render template {_short(text)!r}: {exc}") from None
    finally:
        _RENDER_CONTEXT.reset(token)


def render_value(value: Any, context: Mapping[str, Any]) -> Any:
    """Render templates inside strings, dicts and lists against the context; other values pass."""
    if isinstance(value, str):
        return _render_text(value, context)
    if isinstance(value, Mapping):
        return {key: render_value(item, context) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(render_value(item, context) for item in value)
    return value
