"""Conditions and templates as data, never code: the one import for both.

Conditions (``{{analyze_pricing.price_gap}} > 10``) are read by a small
whitelisted grammar over Python's ``ast`` (``scheduler.expressions.conditions``); text
templates render in Jinja's immutable sandbox (``scheduler.expressions.templates``). The
error type and the plain-data lookup they share live in
``scheduler.expressions.core``. Callers import from here so the split stays an
implementation detail.
"""

from __future__ import annotations

# The limits were importable from here before the split; the redundant aliases
# keep them so (an explicit re-export) without widening `import *`.
from scheduler.expressions.conditions import MAX_CONDITION_LENGTH as MAX_CONDITION_LENGTH
from scheduler.expressions.conditions import ConditionOutcome, condition_names, evaluate_condition
from scheduler.expressions.core import ExpressionError
from scheduler.expressions.templates import MAX_TEMPLATE_LENGTH as MAX_TEMPLATE_LENGTH
from scheduler.expressions.templates import has_templates, render_value, template_names

__all__ = [
    "ConditionOutcome",
    "ExpressionError",
    "condition_names",
    "evaluate_condition",
    "has_templates",
    "render_value",
    "template_names",
]
