"""Conditions as data, never code: a small whitelisted grammar over Python's ``ast``.

Conditions (``{{analyze_pricing.price_gap}} > 10``) go through a small grammar of
our own. simpleeval was the other candidate, but it resolves ``a.b`` with
``getattr`` first (so a step output field named ``items`` or ``count`` would come
back as a dict method), reports misses with its own six exception types, and has
no hook to record what each path resolved to; bending it to our rules meant
overriding most of it. The grammar below is a whitelist: names from the run
context, dotted and [index] access into plain data, comparisons, and/or/not,
+ - * / // % on numbers, and literals. No calls, no dunders, no lambdas or
comprehensions, no ``**`` (a cheap memory bomb).
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

from scheduler.expressions.core import (
    ExpressionError,
    get_field,
    is_number,
    kind_of,
    lookup_root,
    parse_python,
    short_text,
    type_name,
)

__all__ = [
    "MAX_CONDITION_LENGTH",
    "ConditionOutcome",
    "Evaluator",
    "condition_names",
    "evaluate_condition",
]

# Limits keep a hostile or runaway expression from costing more than a moment.
MAX_CONDITION_LENGTH = 2_000
_MAX_DEPTH = 50


@dataclass(frozen=True)
class ConditionOutcome:
    """The result of a condition and every path it looked at, as written, with its value."""

    result: bool
    seen: dict[str, Any] = field(default_factory=dict)


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
        return ExpressionError(f"{reason} in condition {short_text(self.expr)!r}")

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
            for op, left, right in zip(node.ops, operands, operands[1:], strict=False):
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


def _compile_condition(expr: str) -> _Compiled:
    # Checked before the cache, which would raise TypeError on an unhashable value.
    if not isinstance(expr, str):
        raise ExpressionError(f"a condition must be text, not {type_name(expr)}")
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
        tree = parse_python(expr.strip())
    except SyntaxError as exc:
        raise ExpressionError(f"syntax error in condition {short_text(expr)!r}: {exc.msg}") from None
    except (ValueError, RecursionError, MemoryError, OverflowError) as exc:
        raise ExpressionError(f"syntax error in condition {short_text(expr)!r}: {exc}") from None
    checker = _Checker(expr)
    checker.check(tree.body)
    return _Compiled(tree.body, frozenset(checker.names))


def condition_names(expr: str) -> set[str]:
    """Return the root names a condition references; raise ExpressionError if it is invalid."""
    return set(_compile_condition(expr).names)


def _source(node: ast.AST) -> str:
    inner = _placeholder(node)
    return ast.unparse(inner if inner is not None else node)


class Evaluator:
    """Evaluates a checked condition tree against plain data, recording what it read."""

    def __init__(self, expr: str, context: Mapping[str, Any]) -> None:
        self.expr = expr
        self.context = context
        self.seen: dict[str, Any] = {}

    def fail(self, reason: str) -> ExpressionError:
        """Build the error for `reason`, naming the condition it happened in."""
        return ExpressionError(f"{reason} in condition {short_text(self.expr)!r}")

    def evaluate_node(self, node: ast.AST) -> Any:
        """Return the value of a checked node, recording every path it reads."""
        inner = _placeholder(node)
        if inner is not None:
            return self.evaluate_node(inner)
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
                value = self.evaluate_node(operand)
                if bool(value) != is_and:
                    return value
            return value
        if isinstance(node, ast.UnaryOp):
            operand = self.evaluate_node(node.operand)
            if isinstance(node.op, ast.Not):
                return not operand
            if not is_number(operand):
                raise self.fail(f"{_source(node.operand)} is {kind_of(operand)}, not a number")
            return -operand if isinstance(node.op, ast.USub) else +operand
        if isinstance(node, ast.BinOp):
            return self.arithmetic(node)
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.Tuple):
            return tuple(self.evaluate_node(element) for element in node.elts)
        if isinstance(node, ast.List):
            return [self.evaluate_node(element) for element in node.elts]
        raise self.fail(f"{type(node).__name__} is not allowed")  # unreachable after _Checker

    def resolve(self, node: ast.AST) -> Any:
        """Return the value a name, field or index path points to in the context."""
        inner = _placeholder(node)
        if inner is not None:
            return self.resolve(inner)
        if isinstance(node, ast.Name):
            return lookup_root(self.context, node.id)
        if isinstance(node, ast.Attribute):
            return get_field(self.resolve(node.value), node.attr, _source(node.value))
        assert isinstance(node, ast.Subscript)
        parent = self.resolve(node.value)
        return get_field(parent, self.evaluate_node(node.slice), _source(node.value))

    def arithmetic(self, node: ast.BinOp) -> Any:
        """Apply + - * / // % to two numbers; anything else is an ExpressionError."""
        symbol, apply = _BIN_OPS[type(node.op)]
        left, right = self.evaluate_node(node.left), self.evaluate_node(node.right)
        for side, value in ((node.left, left), (node.right, right)):
            if not is_number(value):
                raise self.fail(
                    f"{symbol} needs numbers, but {_source(side)} is {kind_of(value)} ({short_text(repr(value), 40)})"
                )
        try:
            return apply(left, right)
        except ArithmeticError as exc:
            raise self.fail(f"cannot compute {left!r} {symbol} {right!r}: {exc}") from None

    def compare(self, node: ast.Compare) -> bool:
        """Evaluate a (possibly chained) comparison the way Python does."""
        left = self.evaluate_node(node.left)
        for op, right_node in zip(node.ops, node.comparators, strict=False):
            right = self.evaluate_node(right_node)
            symbol, apply = _CMP_OPS[type(op)]
            try:
                ok = bool(apply(left, right))
            except TypeError:
                raise self.fail(
                    f"cannot compare {short_text(repr(left), 40)} {symbol} {short_text(repr(right), 40)}"
                    f" ({type_name(left)} and {type_name(right)})"
                ) from None
            if not ok:
                return False
            left = right
        return True


def evaluate_condition(expr: str, context: Mapping[str, Any]) -> ConditionOutcome:
    """Evaluate a condition against the run context; raise ExpressionError on any problem."""
    compiled = _compile_condition(expr)
    evaluator = Evaluator(expr, context)
    try:
        value = evaluator.evaluate_node(compiled.tree)
        return ConditionOutcome(result=bool(value), seen=evaluator.seen)
    except RecursionError:
        raise evaluator.fail("a value is nested too deeply") from None
