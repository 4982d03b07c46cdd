"""Check marketing copy against the advertising rules (scheduler.marketing.rules): findings quote the offending phrase."""
from __future__ import annotations

import re
from functools import lru_cache

from pydantic import BaseModel

from scheduler.marketing.rules import JURISDICTIONS, RULES, WARNINGS, Jurisdiction, Rule

MAX_FINDINGS = 50  # a wall of findings helps nobody; the count says how many there were


class Finding(BaseModel):
    """One problem in a text: the rule broken, its category, the words that broke it, and where."""

    rule: str
    category: str
    phrase: str  # the copy's own words ("" for a missing warning)
    message: str
    start: int = -1
    end: int = -1


class ComplianceResult(BaseModel):
    """Whether a text may go out, and every finding (at most MAX_FINDINGS; `finding_count` counts all)."""

    passed: bool
    jurisdiction: str
    findings: list[Finding]
    finding_count: int
    warnings_required: bool = True

    def line(self) -> str:
        """One line for a summary: passed, or the categories and phrases that failed."""
        if self.passed:
            return "Compliance check passed."
        quoted = "; ".join(f"{f.category}: \"{f.phrase}\"" if f.phrase else f"{f.category}: {f.message}"
                           for f in self.findings[:5])
        return f"Compliance check failed ({self.finding_count} finding{'s' if self.finding_count != 1 else ''}): {quoted}"


def jurisdiction(code: str) -> Jurisdiction:
    """The jurisdiction of a code (case-insensitive); a clear error naming the known ones otherwise."""
    found = JURISDICTIONS.get(code.upper() if code.lower() != "default" else "default")
    if found is None:
        raise ValueError(f"unknown jurisdiction {code!r} (known: {', '.join(JURISDICTIONS)})")
    return found


@lru_cache(maxsize=64)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _applies(rule: Rule, where: Jurisdiction) -> bool:
    return rule.only_where is None or rule.only_where in where.restricts


def check(text: str, code: str = "default", require_warnings: bool = True) -> ComplianceResult:
    """Every rule of the jurisdiction against `text`; missing required warnings are findings too."""
    where = jurisdiction(code)
    low = text.lower()
    findings: list[Finding] = []
    masked = low
    for warning_id in where.warnings:
        warning = WARNINGS[warning_id]
        spans = [m.span() for p in warning.patterns for m in _compiled(p).finditer(low)]
        # The warning's own words ("children") must not read as an appeal to minors.
        for start, end in spans:
            masked = masked[:start] + " " * (end - start) + masked[end:]
        if not spans and require_warnings:
            findings.append(Finding(rule=f"warning.{warning_id}", category="missing_warning", phrase="",
                                    message=f"Required warning missing: \"{warning.text}\""))
    taken: list[tuple[int, int]] = []
    for rule in RULES:
        if not _applies(rule, where):
            continue
        for pattern in rule.patterns:
            for match in _compiled(pattern).finditer(masked):
                start, end = match.span()
                if any(start < e and s < end for s, e in taken):
                    continue  # one finding per stretch of words
                taken.append((start, end))
                findings.append(Finding(rule=rule.id, category=rule.category, phrase=text[start:end],
                                        message=rule.message, start=start, end=end))
    findings.sort(key=lambda f: (f.start, f.rule))
    return ComplianceResult(passed=not findings, jurisdiction=where.code, findings=findings[:MAX_FINDINGS],
                            finding_count=len(findings), warnings_required=require_warnings)


def with_warnings(text: str, code: str = "default") -> str:
    """`text` with every required warning it lacks appended, as one closing line."""
    where = jurisdiction(code)
    low = text.lower()
    missing = [WARNINGS[w].text for w in where.warnings
               if not any(_compiled(p).search(low) for p in WARNINGS[w].patterns)]
    return f"{text.rstrip()}\n{' '.join(missing)}" if missing else text
