"""What conditions and templates share: the error type and plain-data lookup.

Both read step outputs as data, and both must say the same thing when a path is
wrong ("unknown name 'x'", "'y' is not a field of 'x'"), so the wording lives
here once.
"""

from __future__ import annotations

import ast
import difflib
import warnings
from collections.abc import Mapping
from typing import Any

__all__ = [
    "ExpressionError",
    "get_field",
    "is_number",
    "kind_of",
    "lookup_root",
    "missing_field_message",
    "parse_python",
    "short_text",
    "type_name",
    "unknown_name_message",
]


class ExpressionError(ValueError):
    """A condition or template that cannot be parsed or evaluated; the message says why."""


def short_text(text: str, limit: int = 80) -> str:
    """Cut text to `limit` characters, ending in '...' when it was longer."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def kind_of(value: Any) -> str:
    """Name the kind of a value in plain words ("a number", "a list"), for messages."""
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


def type_name(value: Any) -> str:
    """Return the Python type name of a value, or "None"."""
    return "None" if value is None else type(value).__name__


def is_number(value: Any) -> bool:
    """Tell whether a value is an int or float (booleans are not numbers here)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def missing_field_message(key: Any, parent: Mapping, path: str | None) -> str:
    """Say that `key` is not a field of the object at `path`, listing the fields it has."""
    where = repr(path) if path else "this object"
    message = f"{key!r} is not a field of {where}"
    keys = [str(k) for k in list(parent)[:10]]
    if keys:
        # Listing the real fields lets a model fix its own typo in one turn.
        message += f" (its fields: {', '.join(keys)}{', ...' if len(parent) > 10 else ''})"
    return message


def unknown_name_message(name: str, context: Mapping[str, Any]) -> str:
    """Say that `name` is not in the context, suggesting the closest name there is."""
    message = f"unknown name {name!r}"
    close = difflib.get_close_matches(name, [str(k) for k in context], n=1)
    if close:
        message += f" (did you mean {close[0]!r}?)"
    elif name in ("true", "false", "null", "none"):
        message += " (write True, False or None)"
    return message


def lookup_root(context: Mapping[str, Any], name: str) -> Any:
    """Return the context entry `name`; raise ExpressionError if there is none."""
    try:
        return context[name]
    except KeyError:
        raise ExpressionError(unknown_name_message(name, context)) from None


def get_field(parent: Any, key: Any, path: str) -> Any:
    """Step outputs are plain data, so a.b means a["b"] and a[0] means list index 0."""
    if isinstance(parent, Mapping):
        try:
            return parent[key]
        except (KeyError, TypeError):
            raise ExpressionError(missing_field_message(key, parent, path)) from None
    if isinstance(parent, (list, tuple, str)):
        if not isinstance(key, int) or isinstance(key, bool):
            raise ExpressionError(
                f"{path!r} is {kind_of(parent)}, so it has no field {key!r}"
                " (use a whole-number index like [0])"
            )
        try:
            return parent[key]
        except IndexError:
            raise ExpressionError(
                f"index {key} is out of range for {path!r} ({len(parent)} items)"
            ) from None
    raise ExpressionError(f"{path!r} is {kind_of(parent)}, so it has no field {key!r}")


def parse_python(source: str) -> ast.Expression:
    """Parse one Python expression with parse-time warnings silenced."""
    # Invalid escapes and `is` with literals warn at parse time; with -W error a
    # warning would escape as something other than ExpressionError.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(source, mode="eval")
