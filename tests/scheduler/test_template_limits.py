"""Templates are bounded in output size and time, filters and methods included; a hostile one fails its step clearly."""
from __future__ import annotations

import pytest

from scheduler.expressions import ExpressionError, render_value
from scheduler.expressions.templates import MAX_OUTPUT
from scheduler.runs.history import get_execution
from tests.conftest import run_now, running

HOSTILE = [
    ("{{ ('x'*10)|center(1000000000)|length }}", "center"),
    ("{{ 'x'.center(1000000000) }}", "center"),
    ("{{ 'x'.ljust(10**9) }}", "ljust"),
    ("{{ x|indent(1000000000) }}", "indent"),
    ("{{ x|wordwrap(5, wrapstring='y'*1000000000) }}", "wordwrap"),
    ("{{ '%01000000000d' % 1 }}", "width"),
    ("{{ '%*s' % (1000000000, 'x') }}", "limit"),
    ("{{ '{:>1000000000}'.format('x') }}", "width"),
    ("{{ ('x'*100000)|replace('x', 'x'*100000)|length }}", "replace"),
    ("{{ ('x'*100000).replace('x', 'x'*100000) }}", "replace"),
    ("{{ (['x']*100000)|join('y'*100000) }}", "join"),
    ("{{ ('y'*100000).join(['x']*100000) }}", "join"),
    ("{% for i in range(1000) %}{{ 'y'*10000 }}{% endfor %}", "output"),
    ("{{ 'x' * 1000000000 }}", "repeating"),
]


@pytest.mark.parametrize(("template", "named"), HOSTILE)
def test_a_template_that_would_build_too_much_fails_fast_and_says_why(template, named):
    with pytest.raises(ExpressionError) as refused:
        render_value(template, {"x": "hello world"})
    message = str(refused.value)
    assert "not allowed in template" in message and named in message, message


@pytest.mark.parametrize(("template", "expected"), [
    ("{{ 'ab'|center(6) }}", "  ab  "),
    ("{{ x|replace('o', '0') }}", "hell0 w0rld"),
    ("{{ [1, 2]|join(', ') }}", "1, 2"),
    ("{{ ', '.join(['a', 'b']) }}", "a, b"),
    ("{{ '%5.1f' % 3.14159 }}", "  3.1"),
    ("{{ '{:>4}'.format(7) }}", "   7"),
    ("{{ x|indent(2, first=True) }}", "  hello world"),
    ("{% for i in range(3) %}{{ i }}{% endfor %}", "012"),
])
def test_ordinary_templates_still_render(template, expected):
    assert render_value(template, {"x": "hello world"}) == expected


def test_the_output_limit_is_the_limit():
    assert len(render_value("{{ 'x' * 100000 }}" * (MAX_OUTPUT // 100000), {})) == MAX_OUTPUT
    with pytest.raises(ExpressionError, match="output is over"):
        render_value("{{ 'x' * 100000 }}" * (MAX_OUTPUT // 100000 + 1), {})


def test_a_render_past_its_deadline_stops():
    with pytest.raises(ExpressionError, match="took too long"):
        render_value("{% for i in range(10) %}{{ i }}{% endfor %}", {}, deadline=0.0)
    assert render_value("{% for i in range(10) %}{{ i }}{% endfor %}", {}, deadline=60.0) == "0123456789"


async def test_a_hostile_template_fails_its_step_and_the_run_names_it(settings):
    async with running(settings) as runtime:
        playbook = runtime.playbooks.create("demo", {
            "name": "Big", "agent": "pops", "triggers": [{"type": "manual"}],
            "steps": [{"action": "notify", "params": {"message": "{{ ('x'*10)|center(1000000000)|length }}"}}]})
        run = get_execution(runtime.engine, "demo", await run_now(runtime, playbook))
    assert run["status"] == "failed"
    assert "center: 1000000000 is over the limit" in run["stepResults"][0]["error"]
    assert "steps[0] (notify)" in run["error"]


@pytest.mark.parametrize(("template", "expected"), [
    ("{{ revenue|int }}", "2500000"),
    ("{{ revenue|round(2) }}", "2500000"),
    ("{{ '%d' % revenue }}", "2500000"),
    ("{{ '{:,}'.format(revenue) }}", "2,500,000"),
    ("{{ '%s orders'|format(revenue) }}", "2500000 orders"),
    ("{{ [revenue, 1]|max }}", "2500000"),
    ("{{ revenue * 2 }}", "5000000"),
])
def test_big_numbers_are_values_not_sizes(template, expected):
    assert str(render_value(template, {"revenue": 2_500_000})) in (expected, expected + ".0")
