"""What data checks find: one ``Finding`` per problem, gathered in a ``CheckReport``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from mlgate.errors import DataError

__all__ = ["CheckReport", "Finding", "apply_severity"]

Severity = Literal["error", "warn"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem: which check and rule, how bad, the sentence, and the evidence."""

    check: str
    rule: str
    severity: Severity
    message: str
    column: str | None = None
    expected: str | None = None
    found: str | None = None
    count: int = 0
    examples: tuple[Any, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "check": self.check,
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "column": self.column,
            "expected": self.expected,
            "found": self.found,
            "count": self.count,
            "examples": [str(e) for e in self.examples],
        }


def apply_severity(findings: Iterable[Finding], severity: str) -> list[Finding]:
    """The check's severity from the spec: ``off`` drops, ``warn`` downgrades errors."""
    if severity == "off":
        return []
    if severity == "warn":
        return [replace(f, severity="warn") for f in findings]
    return list(findings)


@dataclass(frozen=True)
class CheckReport:
    """All findings of a data check, errors first."""

    findings: tuple[Finding, ...] = field(default_factory=tuple)
    rows: int = 0
    columns: int = 0

    @property
    def errors(self) -> tuple[Finding, ...]:
        """Findings that block a run."""
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        """Findings that go into the run report."""
        return tuple(f for f in self.findings if f.severity == "warn")

    @property
    def ok(self) -> bool:
        """No errors."""
        return not self.errors

    def raise_for_errors(self, *, where: str) -> None:
        """DataError (exit 3) naming every error, if there is one."""
        errors = self.errors
        if not errors:
            return
        lines = "\n".join(f"  - {f.message}" for f in errors)
        raise DataError(
            f"the data failed {len(errors)} check(s):\n{lines}",
            where=where,
            hint="Fix the data (or the contract, data.schema) and snapshot it again; "
            "a check can be set to warn or off under data.checks in mlgate.yaml.",
        )
