"""Findings and the report that holds them, with their text, JSON and SARIF 2.1.0 renderings.

A finding says which rule (``BFT...`` for this project's own rules, ``CKV_...`` for checkov, ``parliament/...``
for the IAM linter), how bad it is, where it is (file and line for HCL, the statement's Sid or index for JSON),
what is wrong and how to fix it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bedrock_ft import __version__

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
INFORMATION_URI = "https://github.com/bedrock-ft/bedrock-ft/blob/main/docs/security.md"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return {"low": 1, "medium": 2, "high": 3}[self.value]

    @property
    def sarif_level(self) -> str:
        return {"low": "note", "medium": "warning", "high": "error"}[self.value]


@dataclass(frozen=True)
class Location:
    """Where a finding is: a file (relative path) and line, and for a policy document its name and statement."""

    file: str | None = None
    line: int | None = None
    document: str | None = None  # e.g. "data.aws_iam_policy_document.trust", "aws_iam_role.service (trust)"
    sid: str | None = None
    index: int | None = None  # the statement's position in the document, from 0

    @property
    def statement(self) -> str | None:
        if self.sid:
            return f"Sid {self.sid}"
        if self.index is not None:
            return f"statement {self.index}"
        return None

    def __str__(self) -> str:
        parts: list[str] = []
        if self.file:
            parts.append(f"{self.file}:{self.line}" if self.line else self.file)
        if self.document and not (self.file and self.file.endswith(self.document)):
            parts.append(self.document)
        if self.statement:
            parts.append(self.statement)
        return ", ".join(parts) or "(no location)"


@dataclass(frozen=True)
class Finding:
    rule_id: str
    severity: Severity
    message: str
    fix: str
    location: Location = field(default_factory=Location)
    tool: str = "bedrock-ft"  # bedrock-ft | checkov | parliament
    rule_name: str = ""

    def sort_key(self) -> tuple[Any, ...]:
        loc = self.location
        return (
            -self.severity.rank,
            loc.file or "",
            loc.line or 0,
            loc.document or "",
            loc.index if loc.index is not None else -1,
            self.rule_id,
            self.message,
        )

    def to_dict(self) -> dict[str, Any]:
        loc = self.location
        return {
            "rule_id": self.rule_id,
            "rule_name": self.rule_name,
            "tool": self.tool,
            "severity": self.severity.value,
            "message": self.message,
            "fix": self.fix,
            "location": {
                "file": loc.file,
                "line": loc.line,
                "document": loc.document,
                "sid": loc.sid,
                "index": loc.index,
            },
        }


class ScannerState(StrEnum):
    RAN = "ran"
    SKIPPED = "skip"  # it applied to what was given but did not run: its findings are missing
    NOT_APPLICABLE = "not_applicable"  # nothing given is of a kind it reads (e.g. checkov on policy files only)


@dataclass(frozen=True)
class Scanner:
    """One scanner of the review (checkov, parliament, the project's rules): did it run, which program, and why."""

    name: str
    state: ScannerState
    reason: str  # why it ran with this program, or why it did not
    executable: str | None = None
    source: str | None = None  # for checkov: explicit | environment | path | installation
    refused: tuple[str, ...] = ()  # programs found but not run, with the reason

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "state": self.state.value,
            "reason": self.reason,
            "executable": self.executable,
            "source": self.source,
            "refused": list(self.refused),
        }

    def __str__(self) -> str:
        if self.state is ScannerState.RAN:
            text = f"{self.name}: ran" + (f" {self.executable}" if self.executable else "") + f" ({self.reason})"
        elif self.state is ScannerState.SKIPPED:
            text = f"{self.name}: SKIPPED, its checks did not run: {self.reason}"
        else:
            text = f"{self.name}: not applicable ({self.reason})"
        return text + "".join(f"; {r}" for r in self.refused)


@dataclass
class Report:
    """What a review found, what it looked at, which scanners ran (and which were skipped, and why)."""

    findings: list[Finding] = field(default_factory=list)
    reviewed: list[str] = field(default_factory=list)  # one line per thing reviewed
    notices: list[str] = field(default_factory=list)  # remarks that are not findings
    scanners: list[Scanner] = field(default_factory=list)

    def scanner(self, name: str) -> Scanner | None:
        return next((s for s in self.scanners if s.name == name), None)

    def skipped(self) -> list[Scanner]:
        return [s for s in self.scanners if s.state is ScannerState.SKIPPED]

    def add(self, findings: Iterable[Finding]) -> None:
        seen = {_identity(f) for f in self.findings}
        for finding in findings:
            key = _identity(finding)
            if key not in seen:
                seen.add(key)
                self.findings.append(finding)

    def sorted_findings(self) -> list[Finding]:
        return sorted(self.findings, key=Finding.sort_key)

    def at_or_above(self, threshold: Severity | str) -> list[Finding]:
        rank = Severity(threshold).rank
        return [f for f in self.sorted_findings() if f.severity.rank >= rank]

    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in (Severity.HIGH, Severity.MEDIUM, Severity.LOW)}
        for finding in self.findings:
            out[finding.severity.value] += 1
        return out


def _identity(finding: Finding) -> tuple[Any, ...]:
    loc = finding.location
    return (finding.rule_id, loc.file, loc.line, loc.document, loc.sid, loc.index, finding.message)


# ---------------------------------------------------------------- renderings


def render_text(report: Report) -> str:
    lines: list[str] = []
    for item in report.reviewed:
        lines.append(f"reviewed: {item}")
    for scanner in report.scanners:
        lines.append(f"scanner: {scanner}")
    for notice in report.notices:
        lines.append(f"note: {notice}")
    if lines:
        lines.append("")
    findings = report.sorted_findings()
    for finding in findings:
        lines.append(f"{finding.severity.value.upper():<6} {finding.rule_id}  {finding.location}")
        lines.append(f"       {finding.message}")
        lines.append(f"       fix: {finding.fix}")
    counts = report.counts()
    if findings:
        lines.append("")
        lines.append(
            f"{len(findings)} finding{'s' if len(findings) != 1 else ''}: "
            f"{counts['high']} high, {counts['medium']} medium, {counts['low']} low"
        )
    else:
        lines.append("no findings")
    skipped = report.skipped()
    if skipped:
        lines[-1] += f" from the scanners that ran; SKIPPED (not checked): {', '.join(s.name for s in skipped)}"
    return "\n".join(lines)


def render_json(report: Report) -> dict[str, Any]:
    return {
        "reviewed": list(report.reviewed),
        "notices": list(report.notices),
        "scanners": [s.to_dict() for s in report.scanners],
        "skipped": [s.name for s in report.skipped()],
        "counts": report.counts(),
        "findings": [f.to_dict() for f in report.sorted_findings()],
    }


def render_sarif(report: Report) -> dict[str, Any]:
    """A SARIF 2.1.0 log with one run: every rule that produced a finding, and one result per finding."""
    findings = report.sorted_findings()
    rules: list[dict[str, Any]] = []
    rule_index: dict[str, int] = {}
    for finding in findings:
        if finding.rule_id in rule_index:
            continue
        rule_index[finding.rule_id] = len(rules)
        rules.append(
            {
                "id": finding.rule_id,
                "name": _rule_name(finding),
                "shortDescription": {"text": finding.rule_name or finding.rule_id},
                "help": {"text": finding.fix},
                "defaultConfiguration": {"level": finding.severity.sarif_level},
                "properties": {"tool": finding.tool, "security-severity": _security_severity(finding.severity)},
            }
        )
    results = []
    for finding in findings:
        result: dict[str, Any] = {
            "ruleId": finding.rule_id,
            "ruleIndex": rule_index[finding.rule_id],
            "level": finding.severity.sarif_level,
            "message": {"text": f"{finding.message} Fix: {finding.fix}"},
            "locations": [_sarif_location(finding.location)],
            "properties": {"severity": finding.severity.value, "tool": finding.tool},
        }
        results.append(result)
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "bedrock-ft review",
                        "version": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": rules,
                    }
                },
                "results": results,
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "toolExecutionNotifications": [
                            {
                                "message": {"text": f"scanner {s}"},
                                "level": "warning" if s.state is ScannerState.SKIPPED else "note",
                            }
                            for s in report.scanners
                        ]
                        + [{"message": {"text": n}, "level": "note"} for n in report.notices],
                    }
                ],
                "properties": {
                    "scanners": [s.to_dict() for s in report.scanners],
                    "skipped": [s.name for s in report.skipped()],
                },
            }
        ],
    }


def _rule_name(finding: Finding) -> str:
    words = "".join(c if c.isalnum() else " " for c in (finding.rule_name or finding.rule_id)).split()
    return "".join(w[:1].upper() + w[1:] for w in words) or finding.rule_id


def _security_severity(severity: Severity) -> str:
    return {"low": "3.0", "medium": "5.5", "high": "8.0"}[severity.value]


def _sarif_location(location: Location) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": location.file or location.document or "policy"}}
    if location.file and location.line:
        physical["region"] = {"startLine": location.line}
    out: dict[str, Any] = {"physicalLocation": physical}
    logical = [name for name in (location.document, location.statement) if name]
    if logical:
        out["logicalLocations"] = [{"fullyQualifiedName": " / ".join(logical)}]
    return out
