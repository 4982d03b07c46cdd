"""What may go in a mail header: one line, no control characters; the checks validation and send_email share."""
from __future__ import annotations

import re
import unicodedata

# The pydantic error type of a header that holds a line break: known on save even in a templated value's literal
# part, so validation reports it then rather than at the run (scheduler/services/validation.py).
HEADER_BREAK = "header_break"
# Every character Python's str.splitlines() breaks on, and the other C0/C1 controls (tab aside): a mail
# reader or relay may take any of them as the end of a header, and the rest of the text as headers of its own.
_BREAKS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
# Template tags: their output is checked when the step runs, with the values it rendered.
_TAGS = re.compile(r"{{.*?}}|{%.*?%}|{#.*?#}", re.S)


def header_break(value: str) -> str | None:
    """The first line separator or control character in `value`, named ('U+2028 LINE SEPARATOR'), or None."""
    found = _BREAKS.search(value)
    if found is None:
        return None
    char = found.group()
    return f"U+{ord(char):04X} {unicodedata.name(char, _CONTROL_NAMES.get(char, 'CONTROL CHARACTER'))}"


def literal_text(value: str) -> str:
    """A template with its tags removed: the part that is known when the playbook is saved."""
    return _TAGS.sub("", value)


_CONTROL_NAMES = {"\n": "LINE FEED", "\r": "CARRIAGE RETURN", "\v": "LINE TABULATION", "\f": "FORM FEED",
                  "\x85": "NEXT LINE", "\x00": "NULL", "\x1c": "FILE SEPARATOR", "\x1d": "GROUP SEPARATOR",
                  "\x1e": "RECORD SEPARATOR"}
