"""Conditions and templates: data in, data out, and only ExpressionError on the way."""

from __future__ import annotations

import contextlib
import dataclasses
import math
import operator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.expressions import (
    ConditionOutcome,
    ExpressionError,
    condition_names,
    evaluate_condition,
    render_value,
    template_names,
)

CONTEXT = {
    "analyze_pricing": {"price_gap": 12.5, "competitors": ["acme", "globex"], "items": [3, 4]},
    "check_inventory": {"low_stock_count": 0, "rows": [{"sku": "A1", "qty": 2}]},
    "event": {"total": 600, "discount": None},
    "user": {"email": "owner@example.com", "name": "Sam"},
    "web": {"body": "{{ user.email }}", "html": "<b>hi</b> {% if x %}"},
}


def check(expr: str, context: dict | None = None) -> ConditionOutcome:
    return evaluate_condition(expr, CONTEXT if context is None else context)


# ----------------------------------------------------------------- conditions


@pytest.mark.parametrize(
    ("expr", "result", "seen"),
    [
        ("{{analyze_pricing.price_gap}} > 10", True, {"analyze_pricing.price_gap": 12.5}),
        ("{{ analyze_pricing.price_gap }} > 20", False, {"analyze_pricing.price_gap": 12.5}),
        ("analyze_pricing.price_gap > 10", True, {"analyze_pricing.price_gap": 12.5}),
        (
            '{{event.total}} >= 500 and {{user.email}} != ""',
            True,
            {"event.total": 600, "user.email": "owner@example.com"},
        ),
        ("{{check_inventory.low_stock_count}} > 0", False, {"check_inventory.low_stock_count": 0}),
        ("check_inventory.rows[0]['sku'] == 'A1'", True, {"check_inventory.rows[0]['sku']": "A1"}),
        ("check_inventory.rows[-1].qty * 2 == 4", True, {"check_inventory.rows[-1].qty": 2}),
        ("'acme' in analyze_pricing.competitors", True, {"analyze_pricing.competitors": ["acme", "globex"]}),
        ("'initech' not in {{analyze_pricing.competitors}}", True, {"analyze_pricing.competitors": ["acme", "globex"]}),
        ("user.name in ('Sam', 'Alex')", True, {"user.name": "Sam"}),
        ("'example.com' in user.email", True, {"user.email": "owner@example.com"}),
        ("'total' in event", True, {"event": {"total": 600, "discount": None}}),
        ("event.discount is None", True, {"event.discount": None}),
        ("event.discount is not None and event.discount > 5", False, {"event.discount": None}),
        ("not (analyze_pricing.price_gap < 10)", True, {"analyze_pricing.price_gap": 12.5}),
        ("0 < {{analyze_pricing.price_gap}} <= 12.5", True, {"analyze_pricing.price_gap": 12.5}),
        ("(event.total - 100) / 5 == 100 and True", True, {"event.total": 600}),
        ("event.total // 7 % 4 == 0 or False", False, {"event.total": 600}),
        ("-event.total < +1", True, {"event.total": 600}),
        ("analyze_pricing.items[1] == 4", True, {"analyze_pricing.items[1]": 4}),
        ("analyze_pricing.competitors", True, {"analyze_pricing.competitors": ["acme", "globex"]}),
        ("'{{ not a placeholder }}' == '{{ not a placeholder }}'", True, {}),
    ],
)
def test_conditions(expr: str, result: bool, seen: dict) -> None:
    assert check(expr) == ConditionOutcome(result=result, seen=seen)


def test_a_field_called_items_is_the_field_not_the_dict_method() -> None:
    assert check("analyze_pricing.items == [3, 4]").result is True


def test_index_expressions_can_use_references() -> None:
    context = {"a": {"rows": [10, 20, 30], "i": 2}}
    outcome = evaluate_condition("a.rows[a.i] == 30", context)
    assert outcome.seen == {"a.i": 2, "a.rows[a.i]": 30}


def test_outcome_is_frozen() -> None:
    outcome = check("event.total > 1")
    with pytest.raises(dataclasses.FrozenInstanceError):
        outcome.result = False  # type: ignore[misc]


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        ("{{analyze_pricing.price_gap}} > 10", {"analyze_pricing"}),
        ('{{event.total}} >= 500 and {{user.email}} != ""', {"event", "user"}),
        ("a.rows[b.index] > c", {"a", "b", "c"}),
        ("1 < 2", set()),
        ("'{{ x.y }}' == 'z'", set()),
        ("money_mik.total > 1", {"money_mik"}),
    ],
)
def test_condition_names(expr: str, names: set[str]) -> None:
    assert condition_names(expr) == names


@pytest.mark.parametrize(
    ("expr", "context", "message"),
    [
        ("money_mik.total > 1", {"money_mike": {}}, "unknown name 'money_mik' (did you mean 'money_mike'?)"),
        ("analyze_pricing.price_gap > 1", {"analyze_pricing": {"gap": 1}},
         "'price_gap' is not a field of 'analyze_pricing'"),
        ("a.b.c > 1", {"a": {"b": {"d": 1}}}, "'c' is not a field of 'a.b'"),
        ("a.b > 10", {"a": {"b": None}}, "cannot compare None > 10"),
        ("a.b < 'x'", {"a": {"b": 3}}, "cannot compare 3 < 'x'"),
        ("a.b > 1", {"a": {"b": "cheap"}}, "cannot compare 'cheap' > 1"),
        ("1 in a.b", {"a": {"b": "text"}}, "cannot compare 1 in 'text'"),
        ("a.rows[5] > 1", {"a": {"rows": [1]}}, "index 5 is out of range for 'a.rows'"),
        ("a.rows.first > 1", {"a": {"rows": [1]}}, "'a.rows' is a list, so it has no field 'first'"),
        ("a.b.c > 1", {"a": {"b": None}}, "'a.b' is None, so it has no field 'c'"),
        ("a.b / 0 > 1", {"a": {"b": 1}}, "cannot compute 1 / 0"),
        ("a.b + 1 > 1", {"a": {"b": "1"}}, "+ needs numbers, but a.b is text"),
        ("-a.b > 1", {"a": {"b": "1"}}, "a.b is text, not a number"),
        ("true", {}, "unknown name 'true' (write True, False or None)"),
    ],
)
def test_evaluation_errors_are_clear(expr: str, context: dict, message: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        evaluate_condition(expr, context)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("{{a.b}} >", "syntax error in condition '{{a.b}} >': "),
        ("", "empty condition"),
        ("   ", "empty condition"),
        ("len(a.b) > 1", "function calls are not allowed"),
        ("a.b.upper() == 'X'", "function calls are not allowed"),
        ("a.__class__", "the field '__class__' is not allowed"),
        ("__import__", "the name '__import__' is not allowed"),
        ("(lambda: 1) == 1", "lambdas are not allowed"),
        ("[x for x in a.b]", "comprehensions are not allowed"),
        ("any(x for x in a.b)", "function calls are not allowed"),
        ("{x: 1 for x in a}", "comprehensions are not allowed"),
        ("2 ** 1000000", "the operator ** is not allowed"),
        ("{{ a.b | int }} > 1", "filters are for templates, not conditions"),
        ("(x := 1)", "assignments are not allowed"),
        ("f'{a.b}' == ''", "f-strings are not allowed"),
        ("1 if a.b else 2", "if/else expressions are not allowed"),
        ("a.b[1:2] == []", "slices are not allowed"),
        ("{'k': 1} == a.b", "dict literals are not allowed"),
        ("{1, 2} == a.b", "set literals are not allowed"),
        ("a.b is 1", "'is' only compares with None, True or False"),
        ("b'x' == a.b", "the literal b'x' is not allowed"),
        ("1j == a.b", "the literal 1j is not allowed"),
        ("'abc'.upper == 1", "fields can only be read from names"),
        ("[1][0] == 1", "fields can only be read from names"),
        ("[" * 60 + "]" * 60 + " == a.b", "too deeply nested"),
        ("-" * 80 + "1", "too deeply nested"),
        ("1 == 1 " + "and 1 == 1 " * 300, "condition is too long"),
        ("a.b\x00", "syntax error in condition"),
        ("a.b && c.d", "syntax error in condition"),
        ("import os", "syntax error in condition"),
    ],
)
def test_invalid_conditions_are_refused_when_saved(expr: str, message: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        condition_names(expr)
    assert message in str(caught.value)
    with pytest.raises(ExpressionError):
        evaluate_condition(expr, CONTEXT)


def test_a_condition_must_be_text() -> None:
    with pytest.raises(ExpressionError, match="must be text"):
        condition_names(["a"])  # type: ignore[arg-type]


def test_short_circuit_skips_what_is_not_needed() -> None:
    outcome = evaluate_condition("a.x > 1 or missing.y > 1", {"a": {"x": 5}})
    assert outcome == ConditionOutcome(True, {"a.x": 5})
    with pytest.raises(ExpressionError, match="unknown name 'missing'"):
        evaluate_condition("a.x > 9 or missing.y > 1", {"a": {"x": 5}})


def test_error_is_a_value_error() -> None:
    assert issubclass(ExpressionError, ValueError)


# ------------------------------------------------------------------ templates


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Hi {{ user.email }} {{analyze_pricing.price_gap}}", {"user", "analyze_pricing"}),
        ("no template here", set()),
        ("{ braces } but {not} jinja", set()),
        ("{% for row in check_inventory.rows %}{{ row.sku }}{% endfor %}", {"check_inventory"}),
        ("{% set n = 3 %}{{ n }} {{ range(n) | list }} {{ x | default('y') }}", {"x"}),
        ("{{ a['k'][0] }}{{ b.c if d else e }}", {"a", "b", "d", "e"}),
    ],
)
def test_template_names(text: str, names: set[str]) -> None:
    assert template_names(text) == names


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Hi {{ user.email", "syntax error in template 'Hi {{ user.email': "),
        ("{% if x %}open", "syntax error in template"),
        ("{{ x | no_such_filter }}", "No filter named 'no_such_filter'"),
        ("{% include 'secrets.txt' %}", "include is not allowed"),
        ("{% extends 'base' %}", "extends is not allowed"),
        ("{% import 'm' as m %}", "import is not allowed"),
        ("x" * 100_001 + "{{ a }}", "template is too long"),
    ],
)
def test_invalid_templates(text: str, message: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        template_names(text)
    assert message in str(caught.value)
    with pytest.raises(ExpressionError):
        render_value(text, CONTEXT)


@pytest.mark.parametrize(
    ("value", "rendered"),
    [
        ("{{ analyze_pricing.price_gap }}", 12.5),
        ("  {{analyze_pricing.competitors}} ", ["acme", "globex"]),
        ("{{ check_inventory.rows[0] }}", {"sku": "A1", "qty": 2}),
        ("{{ check_inventory.rows[0]['qty'] }}", 2),
        ("{{ event.discount }}", None),
        ("{{ analyze_pricing.items }}", [3, 4]),
        ("Gap: {{ analyze_pricing.price_gap }}%", "Gap: 12.5%"),
        ("{{ analyze_pricing.price_gap }}{{ event.total }}", "12.5600"),
        ("{{ analyze_pricing.price_gap | round | int }}", "12"),
        ("{{ event.missing | default('n/a') }}", "n/a"),
        ("{% for r in check_inventory.rows %}{{ r.sku }}x{{ r.qty }}{% endfor %}", "A1x2"),
        ("{% for k, v in user.items() %}{{ k }};{% endfor %}", "email;name;"),
        ("{{ true }}", "True"),
        ("plain text", "plain text"),
        ("{ not: a template }", "{ not: a template }"),
        ("line\n", "line\n"),
        (42, 42),
        (None, None),
        (3.5, 3.5),
        (True, True),
        (
            {"to": "{{ user.email }}", "n": ["{{ event.total }}", 1, "x{{ event.total }}"]},
            {"to": "owner@example.com", "n": [600, 1, "x600"]},
        ),
        (("{{ event.total }}", "a"), (600, "a")),
    ],
)
def test_render_value(value: object, rendered: object) -> None:
    assert render_value(value, CONTEXT) == rendered


def test_context_values_are_never_templated_twice() -> None:
    assert render_value("{{ web.body }}", CONTEXT) == "{{ user.email }}"
    assert render_value("Page said: {{ web.body }}", CONTEXT) == "Page said: {{ user.email }}"
    assert render_value({"b": ["{{ web.html }}"]}, CONTEXT) == {"b": ["<b>hi</b> {% if x %}"]}


def test_single_reference_returns_a_copy() -> None:
    rows = render_value("{{ check_inventory.rows }}", CONTEXT)
    rows.append("changed")
    assert CONTEXT["check_inventory"]["rows"] == [{"sku": "A1", "qty": 2}]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{{ money_mik.total }}", "unknown name 'money_mik'"),
        ("Hi {{ money_mik.total }}", "unknown name 'money_mik'"),
        ("{{ analyze_pricing.price_gapp }}", "'price_gapp' is not a field of 'analyze_pricing'"),
        ("Gap {{ analyze_pricing.price_gapp }}", "'price_gapp' is not a field of 'analyze_pricing'"),
        ("{{ check_inventory.rows[0].price }} x", "'price' is not a field of 'check_inventory.rows[0]'"),
        ("{{ check_inventory.rows[3] }}", "index 3 is out of range"),
        ("{{ ''.__class__.__mro__ }} x", "not allowed in template"),
        ("{{ event.clear() }} x", "'clear' is not a field of 'event'"),
        ("{{ 'a' * 10000000 }}", "not allowed in template"),
        ("{{ 2 ** 100000 }}", "not allowed in template"),
        ("{{ 1 / 0 }}", "cannot render template"),
    ],
)
def test_render_errors(text: str, message: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        render_value(text, CONTEXT)
    assert message in str(caught.value)


def test_templates_cannot_change_the_context() -> None:
    with pytest.raises(ExpressionError):
        render_value("{{ analyze_pricing.competitors.append('x') }} x", CONTEXT)
    assert CONTEXT["analyze_pricing"]["competitors"] == ["acme", "globex"]


# ----------------------------------------------------------------- properties

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TOKENS = st.sampled_from(
    ["{{", "}}", "{%", "%}", "a", "a.b", "a.c", "[0]", "['k']", "(", ")", " ", ">", "<=", "==",
     "!=", "and", "or", "not", "in", "is", "None", "True", "1", "-2.5", "'s'", "\"t\"", "+", "-",
     "*", "/", "//", "%", "[", "]", ",", ".", "|", "__class__", "x()", "lambda", ":", "for",
     "if", "else", "\\", "\n", "\x00", "1e400", "**"]
)
EXPRESSIONS = st.one_of(st.text(max_size=200), st.lists(TOKENS, max_size=40).map("".join))
FUZZ_CONTEXT = {"a": {"b": 1, "c": [1, "x", None], "k": {"k": 2}}}


@FUZZ
@given(EXPRESSIONS)
def test_condition_names_raise_only_expression_error(text: str) -> None:
    with contextlib.suppress(ExpressionError):
        assert isinstance(condition_names(text), set)


@FUZZ
@given(EXPRESSIONS)
def test_evaluation_raises_only_expression_error(text: str) -> None:
    with contextlib.suppress(ExpressionError):
        assert isinstance(evaluate_condition(text, FUZZ_CONTEXT).result, bool)


@FUZZ
@given(EXPRESSIONS)
def test_template_names_raise_only_expression_error(text: str) -> None:
    with contextlib.suppress(ExpressionError):
        assert isinstance(template_names(text), set)


@FUZZ
@given(EXPRESSIONS)
def test_rendering_raises_only_expression_error(text: str) -> None:
    with contextlib.suppress(ExpressionError):
        render_value(text, FUZZ_CONTEXT)


COMPARISONS = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt,
    ">=": operator.ge, "==": operator.eq, "!=": operator.ne,
}
NUMBERS = st.one_of(st.integers(), st.floats(allow_nan=False, allow_infinity=False))


@settings(max_examples=500, deadline=None)
@given(NUMBERS, st.sampled_from(sorted(COMPARISONS)), NUMBERS)
def test_number_literals_compare_like_python(left: float, op: str, right: float) -> None:
    expr = f"{left!r} {op} {right!r}"
    assert evaluate_condition(expr, {}).result is COMPARISONS[op](left, right)


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.integers(), st.floats()), st.sampled_from(sorted(COMPARISONS)),
       st.one_of(st.integers(), st.floats()))
def test_context_numbers_compare_like_python(left: float, op: str, right: float) -> None:
    outcome = evaluate_condition(f"{{{{a.x}}}} {op} {{{{b.y}}}}", {"a": {"x": left}, "b": {"y": right}})
    assert outcome.result is COMPARISONS[op](left, right)
    assert list(outcome.seen) == ["a.x", "b.y"]
    assert outcome.seen["a.x"] is left and outcome.seen["b.y"] is right


@settings(max_examples=300, deadline=None)
@given(NUMBERS, st.sampled_from(["+", "-", "*"]), NUMBERS, NUMBERS)
def test_arithmetic_matches_python(left: float, op: str, right: float, bound: float) -> None:
    apply = {"+": operator.add, "-": operator.sub, "*": operator.mul}[op]
    expected = apply(left, right)
    context = {"s": {"l": left, "r": right, "b": bound}}
    outcome = evaluate_condition(f"s.l {op} s.r > s.b", context)
    assert outcome.result is (expected > bound) or math.isnan(expected)
