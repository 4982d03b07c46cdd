"""compliance_check (Craig): marketing copy against the cannabis advertising rules; findings quote the offending phrase."""
from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field, field_validator

from scheduler.marketing.compliance import Finding, check, jurisdiction
from scheduler.steps.base import Step, StepContext, StepOutput, StepParams

MAX_TEXT = 20_000


class ComplianceParams(StepParams):
    text: str | None = Field(None, max_length=MAX_TEXT)  # none: the `content` of this run's earlier steps
    jurisdiction: str = "default"
    require_warnings: bool = True  # a missing age or children warning is a finding

    @field_validator("jurisdiction")
    @classmethod
    def _known(cls, value: str) -> str:
        return jurisdiction(value).code


class ComplianceOutput(StepOutput):
    passed: bool
    jurisdiction: str
    findings: list[Finding]
    finding_count: int
    categories: list[str]  # the kinds of problem found, e.g. health_claim, appeals_to_minors
    checked_chars: int


class ComplianceCheck(Step):
    """Check copy against the advertising rules (scheduler.marketing.rules): health claims, appeals to minors,
    overconsumption, price inducements where restricted, required warnings.

    Checks `text`, or else the drafted `content` of the earlier steps of this run. A later step can stop
    on `{{compliance_check.passed}}`; the drafting steps run the same check on everything they write.
    """

    name = "compliance_check"
    Params = ComplianceParams
    Output = ComplianceOutput
    example: ClassVar[dict[str, Any]] = {
        "text": "Our new gummies cure anxiety! Perfect for back to school. For adults 21+. Keep out of reach of children."}

    async def run(self, params: ComplianceParams, ctx: StepContext) -> ComplianceOutput:
        text = params.text
        if text is None:
            text = "\n\n".join(str(p["content"]) for p in ctx.previous
                               if isinstance(p, dict) and isinstance(p.get("content"), str) and p["content"])[:MAX_TEXT]
        if not text.strip():
            return ComplianceOutput(passed=True, jurisdiction=params.jurisdiction, findings=[], finding_count=0,
                                    categories=[], checked_chars=0, summary="Nothing to check: no copy was given.")
        result = check(text, params.jurisdiction, params.require_warnings)
        categories = sorted({f.category for f in result.findings})
        return ComplianceOutput(passed=result.passed, jurisdiction=result.jurisdiction, findings=result.findings,
                                finding_count=result.finding_count, categories=categories, checked_chars=len(text),
                                summary=result.line())
