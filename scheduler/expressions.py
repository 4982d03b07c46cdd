"""Conditions and templates as data, never code: the one import for both.

Conditions (``{{analyze_pricing.price_gap}} > 10``) are read by a small
whitelisted grammar over Python's ``ast`` (``scheduler.conditions``); text
templates render in Jinja's immutable sandbox (``scheduler.templates``). The
error type and the plain-data lookup they share live in
``scheduler.expression_core``. Callers import from here so the split stays an
implementation detail.
"""

from __future__ import annotations

# The limits were importable from here before the split; the redundant aliases
# keep them so (an explicit re-export) without widening `import *`.
from scheduler.conditions import MAX_CONDITION_LENGTH as MAX_CONDITION_LENGTH
from scheduler.conditions import ConditionOutcome, condition_names, evaluate_condition
from scheduler.expression_core import ExpressionError
from scheduler.templates import MAX_TEMPLATE_LENGTH as MAX_TEMPLATE_LENGTH
from scheduler.templates import render_value, template_names

__all__ = [
    "ConditionOutcome",
    "ExpressionError",
    "condition_names",
    "evaluate_condition",
    "render_value",
    "template_names",
]
