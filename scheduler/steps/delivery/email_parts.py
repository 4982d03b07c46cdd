"""What send_email is given and gives back: params checked as headers, the escaped HTML part, the output."""
from __future__ import annotations

import html
import re
from typing import Literal

from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError

from scheduler.domain.headers import HEADER_BREAK, header_break, literal_text
from scheduler.steps.base import StepOutput, StepParams

MAX_RECIPIENTS = 50
_ADDRESS = re.compile(r"[^@\s<>,;:\"()\[\]\\]+@[^@\s<>,;:\"()\[\]\\]+")  # one @, nothing a header would parse


def _no_break(what: str, value: str) -> None:
    found = header_break(literal_text(value))
    if found is not None:
        raise PydanticCustomError(HEADER_BREAK, "{what} must be one line: it holds {char}; line breaks in a mail header "
                                  "would let the text write headers of its own", {"what": what, "char": found})


class SendEmailParams(StepParams):
    to: list[str] | str  # addresses of the organisation's users; others only once a person approved them
    subject: str = Field(min_length=1, max_length=300)
    body: str = ""  # the text; empty: what the earlier steps found (their summaries)
    html: bool = True  # also an HTML part: the same text, escaped
    # Files earlier steps made (export_csv): None attaches every one; else the names (id or action) of the steps.
    attachments: list[str] | None = Field(None, max_length=20)
    # An address outside the organisation's users: ask a person to approve it (the run waits), or refuse.
    outside_recipients: Literal["ask", "refuse"] = "ask"

    @field_validator("subject")
    @classmethod
    def _one_line(cls, value: str) -> str:
        _no_break("the subject", value)
        return value

    @field_validator("to")
    @classmethod
    def _addresses(cls, value: list[str] | str) -> list[str]:
        raw = value.split(",") if isinstance(value, str) else value
        for item in raw:  # before stripping: a trailing line break is still a line break
            _no_break("a recipient", item)
        items = [v.strip() for v in raw if v.strip()]
        # Templated addresses are checked after rendering, when the executor validates again.
        bad = [a for a in items if "{{" not in a and not _ADDRESS.fullmatch(a)]
        if not items or bad:
            raise ValueError(f"not an email address: {', '.join(bad) or '(empty)'}")
        first: dict[str, str] = {}
        for address in items:  # the same address in another case is the same mailbox: its first spelling stays
            first.setdefault(address.lower(), address)
        unique = list(first.values())
        if len(unique) > MAX_RECIPIENTS:
            raise ValueError(f"at most {MAX_RECIPIENTS} recipients in one email, not {len(unique)}")
        return unique

    @field_validator("attachments")
    @classmethod
    def _step_names(cls, value: list[str] | None) -> list[str] | None:
        bad = [n for n in value or [] if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", n)]
        if bad:
            raise ValueError(f"attachments name earlier steps (their id or action), not {', '.join(map(repr, bad))}")
        return value


class SendEmailOutput(StepOutput):
    to: list[str]
    subject: str
    sent: bool = True
    transport: str = ""
    message_id: str = ""
    attachments: list[str] = Field(default_factory=list)  # file names attached
    # Mail held for a person to approve outside addresses: the approval, then how it was decided.
    approval_id: str | None = None
    outside: list[str] = Field(default_factory=list)
    decision: str | None = None
    approved: bool | None = None
    note: str | None = None


def html_body(subject: str, text: str) -> str:
    """The HTML part: the text escaped (names from the web stay text), line breaks and indents kept."""
    return ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>" + html.escape(subject) + "</title></head>"
            "<body><div style=\"font-family: sans-serif; white-space: pre-wrap\">" + html.escape(text) +
            "</div></body></html>")
