"""checkov on the whole repository finds no failed check (inline suppressions only).

Runs when BEDROCK_FT_CHECKOV names a checkov executable (its own virtual environment: checkov's hcl2 differs
from python-hcl2 8.x). Without it the test is skipped, unless BEDROCK_FT_REQUIRE_CHECKOV=1, which makes a missing
checkov a failure (CI sets both).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

ENV_CHECKOV = "BEDROCK_FT_CHECKOV"
ENV_REQUIRE = "BEDROCK_FT_REQUIRE_CHECKOV"


def checkov_executable() -> str | None:
    path = os.environ.get(ENV_CHECKOV)
    if path and Path(path).is_file() and os.access(path, os.X_OK):
        return path
    message = (
        f"{ENV_CHECKOV} does not name a checkov executable (install: python3 -m venv .venv-checkov && "
        ".venv-checkov/bin/pip install 'checkov>=3.2,<4')"
    )
    if os.environ.get(ENV_REQUIRE) == "1":
        pytest.fail(message)
    pytest.skip(message)
    return None


def test_checkov_reports_no_failed_checks(tf_root: Path) -> None:
    checkov = checkov_executable()
    assert checkov is not None
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
