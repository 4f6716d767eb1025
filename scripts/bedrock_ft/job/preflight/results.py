"""What preflight reports: each check's result, the whole report, and the error a failed preflight raises."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bedrock_ft.core.errors import ChecksFailed


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    SKIPPED = "skip"


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: Status
    message: str
    hint: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "status": str(self.status), "message": self.message, "hint": self.hint}


@dataclass
class PreflightReport:
    results: list[CheckResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def failures(self) -> list[CheckResult]:
        return [r for r in self.results if r.status is Status.FAIL]

    @property
    def warnings(self) -> list[CheckResult]:
        return [r for r in self.results if r.status is Status.WARN]

    def result(self, name: str) -> CheckResult:
        for r in self.results:
            if r.name == name:
                return r
        raise KeyError(name)

    def counts(self) -> dict[str, int]:
        return {str(s): sum(1 for r in self.results if r.status is s) for s in Status}

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "counts": self.counts(), "checks": [r.to_dict() for r in self.results]}


class PreflightFailed(ChecksFailed):
    """Preflight found failures; the message lists them."""

    def __init__(self, report: PreflightReport) -> None:
        lines = [f"{r.name}: {r.message}" + (f" -> {r.hint}" if r.hint else "") for r in report.failures]
        super().__init__(
            f"preflight failed {len(lines)} check(s):\n  " + "\n  ".join(lines),
            hint="fix them and run again, or skip preflight to submit anyway",
        )
        self.report = report


def passed(name: str, message: str) -> CheckResult:
    return CheckResult(name, Status.PASS, message)


def failed(name: str, message: str, hint: str) -> CheckResult:
    return CheckResult(name, Status.FAIL, message, hint)


def warned(name: str, message: str, hint: str) -> CheckResult:
    return CheckResult(name, Status.WARN, message, hint)


def skipped(name: str, message: str, hint: str | None = None) -> CheckResult:
    return CheckResult(name, Status.SKIPPED, message, hint)
