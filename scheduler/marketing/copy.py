"""Generated copy, checked: written (model or template), the required warnings added, then the compliance check.

Nothing a step writes for customers leaves this module unchecked: the draft it becomes carries its
compliance result and a status, `flagged` when it failed, and only a draft that passes may be put
to approval, approved (scheduler.services.approvals) or sent (`assert_sendable`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from scheduler.marketing.compliance import ComplianceResult, Finding, check, with_warnings
from scheduler.marketing.writer import TextRequest, TextWriter, clip

# Draft statuses (kept in Draft.data["status"]): flagged drafts never go further.
FLAGGED, DRAFT, PENDING_APPROVAL, APPROVED, REJECTED = "flagged", "draft", "pending_approval", "approved", "rejected"


class DraftNotSendable(Exception):
    """A draft that may not go out: not approved, or failing the compliance check."""


@dataclass(frozen=True)
class CheckedCopy:
    """A text ready to store: who wrote it, what it cost, and its compliance result."""

    text: str
    source: str
    compliance: ComplianceResult
    tokens: int = 0
    cost_usd: float = 0.0

    @property
    def flagged(self) -> bool:
        """True when the text failed the compliance check."""
        return not self.compliance.passed

    def draft_data(self, **extra: Any) -> dict[str, Any]:
        """What a stored draft of this text keeps: status, compliance result, source, and the step's own data."""
        return {"status": FLAGGED if self.flagged else DRAFT, "compliance": self.compliance.model_dump(),
                "source": self.source, **extra}


class CopyMade(BaseModel):
    """A drafted text as a step's output shows it."""

    draft_id: str | None = None
    title: str = ""
    text: str
    flagged: bool
    findings: list[Finding]


async def write_checked(writer: TextWriter, request: TextRequest, jurisdiction: str = "default",
                        warnings: bool = True) -> CheckedCopy:
    """Write the text, add the warnings it lacks (advertising; not a reply to a review), and check it."""
    written = await writer.write(request)
    text = clip(written.text.strip() or request.template, request.max_chars)
    if warnings:
        text = with_warnings(text, jurisdiction)
    return CheckedCopy(text, written.source, check(text, jurisdiction, require_warnings=warnings), written.tokens,
                       written.cost_usd)


def assert_sendable(body: str, data: dict[str, Any]) -> None:
    """Refuse a draft that is not approved or that fails the compliance check now (the rules may have changed)."""
    stored = data.get("compliance") or {}
    result = check(body, str(stored.get("jurisdiction") or "default"), bool(stored.get("warnings_required", True)))
    if not result.passed:
        raise DraftNotSendable(f"the draft fails the compliance check: {result.line()}")
    if data.get("status") != APPROVED:
        raise DraftNotSendable(f"the draft is {data.get('status') or 'not approved'}; it needs an approval first")
