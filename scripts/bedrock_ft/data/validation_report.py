"""What validation found: problems (file, line, field, rule, message), per-file counts, a summary, a JSON document."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from bedrock_ft.core.wording import plural

ERROR = "error"
WARNING = "warning"
# Problems kept per rule; the rest are only counted, so a huge bad file does not fill memory.
KEEP_PER_RULE = 1000


@dataclass(frozen=True)
class Problem:
    rule: str  # the rule's id, e.g. "roles", "token-limit"
    severity: str  # error | warning
    file: str
    line: int | None  # 1-based; None for a problem with the whole file or dataset
    field: str | None  # e.g. messages[1].content[0].image.format
    message: str

    def text(self) -> str:
        where = self.file + (f":{self.line}" if self.line is not None else "")
        field_text = f" [{self.field}]" if self.field else ""
        return f"{where}: {self.severity}: {self.rule}{field_text}: {self.message}"


@dataclass
class FileSummary:
    path: str
    role: str  # train | validation
    records: int = 0
    lines: int = 0


@dataclass
class ValidationReport:
    record_format: str
    base_model: str | None = None
    family: str | None = None
    files: list[FileSummary] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)  # (rule, severity) -> number found
    images_checked: int = 0
    notes: list[str] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        key = (problem.rule, problem.severity)
        self.counts[key] += 1
        if self.counts[key] <= KEEP_PER_RULE:
            self.problems.append(problem)

    @property
    def errors(self) -> int:
        return sum(n for (_, severity), n in self.counts.items() if severity == ERROR)

    @property
    def warnings(self) -> int:
        return sum(n for (_, severity), n in self.counts.items() if severity == WARNING)

    @property
    def ok(self) -> bool:
        return self.errors == 0

    def by_rule(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for (rule, severity), n in sorted(self.counts.items()):
            out.setdefault(rule, {})[severity] = n
        return out

    def summary(self) -> str:
        records = ", ".join(f"{f.path} ({f.role}): {plural(f.records, 'record')}" for f in self.files) or "no files"
        model = f"{self.family} ({self.base_model})" if self.family else self.record_format
        verdict = "OK" if self.ok else "FAILED"
        return f"{verdict}: {plural(self.errors, 'error')}, {plural(self.warnings, 'warning')} for {model}; {records}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "errors": self.errors,
            "warnings": self.warnings,
            "record_format": self.record_format,
            "base_model": self.base_model,
            "family": self.family,
            "files": [asdict(f) for f in self.files],
            "images_checked": self.images_checked,
            "by_rule": self.by_rule(),
            "problems": [asdict(p) for p in self.problems],
            "problems_omitted": sum(self.counts.values()) - len(self.problems),
            "notes": list(self.notes),
        }
