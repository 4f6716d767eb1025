"""checkov on the whole repository finds no failed check (inline suppressions only).

checkov runs from its own virtual environment (its hcl2 differs from python-hcl2 8.x); see
tests/conftest.checkov_or_skip for how it is found and when its absence fails rather than skips.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path


def test_checkov_reports_no_failed_checks(tf_root: Path, checkov_executable: str) -> None:
    checkov = checkov_executable
    result = subprocess.run(
        [
            checkov,
            "-d",
            str(tf_root),
            "--framework",
            "terraform",
            "--skip-download",
            "--quiet",
            "--compact",
            "--output",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.stdout.strip(), result.stderr
    reports = json.loads(result.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    failed = [
        f"{c['check_id']} {c['resource']} ({c['file_path']}:{c['file_line_range']})"
        for report in reports
        for c in report.get("results", {}).get("failed_checks", [])
    ]
    assert failed == []
    assert sum(r.get("summary", {}).get("passed", 0) for r in reports) > 100
