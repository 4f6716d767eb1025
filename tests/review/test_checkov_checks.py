"""The custom checkov checks (checks/checkov/), each against a good and a bad Terraform snippet, in one checkov run;
and checkov's findings as review findings."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from bedrock_ft.review import review
from bedrock_ft.review.checkov_runner import checks_dir

from .conftest import REPO, TERRAFORM

CHECKS = [f"CKV_BFT_{n}" for n in range(1, 7)]


@pytest.fixture(scope="module")
def checkov_results(tmp_path_factory: pytest.TempPathFactory, checkov_executable: str) -> dict[str, set[str]]:
    """{case folder: ids of the CKV_BFT checks that failed there}."""
    executable = checkov_executable
    root = tmp_path_factory.mktemp("snippets")
    for fixture in TERRAFORM.glob("*.tf.fixture"):
        folder = root / fixture.name.removesuffix(".tf.fixture")
        folder.mkdir()
        shutil.copy(fixture, folder / "main.tf")
    completed = subprocess.run(
        [executable, "-d", str(root), "--framework", "terraform", "--skip-download", "--quiet", "-o", "json",
         "--external-checks-dir", str(checks_dir()), "--check", ",".join(CHECKS)],
        capture_output=True, text=True, check=False, timeout=300,
    )
    assert completed.returncode in (0, 1), completed.stderr[-2000:]
    document = json.loads(completed.stdout)
    failed: dict[str, set[str]] = {p.name: set() for p in root.iterdir()}
    for result in document["results"]["failed_checks"]:
        failed[Path(result["file_path"]).parent.name].add(result["check_id"])
    return failed


def test_checks_folder_is_importable_by_checkov() -> None:
    folder = checks_dir()
    assert folder is not None and (folder / "__init__.py").is_file()
    sources = "".join(p.read_text() for p in folder.glob("*.py"))
    assert not re.search(r"^\s*(from|import) bedrock_ft", sources, re.MULTILINE)


@pytest.mark.parametrize("check_id", CHECKS)
def test_custom_check_fails_its_bad_snippet(checkov_results: dict[str, set[str]], check_id: str) -> None:
    assert check_id in checkov_results[f"{check_id.lower()}_bad"]


@pytest.mark.parametrize("check_id", CHECKS)
def test_custom_check_passes_its_good_snippet(checkov_results: dict[str, set[str]], check_id: str) -> None:
    assert checkov_results[f"{check_id.lower()}_good"] == set()


def test_module_with_checkov_has_no_finding_at_medium_or_above(checkov_executable: str) -> None:
    report = review([REPO], checkov=checkov_executable)
    assert any("checkov" in line for line in report.reviewed)
    assert report.at_or_above("medium") == [], [f"{f.rule_id} {f.location}" for f in report.at_or_above("medium")]


def test_checkov_failure_becomes_a_finding_with_file_and_line(tmp_path: Path, checkov_executable: str) -> None:
    executable = checkov_executable
    shutil.copy(TERRAFORM / "ckv_bft_5_bad.tf.fixture", tmp_path / "main.tf")
    report = review([tmp_path], checkov=executable, use_parliament=False)
    finding = next(f for f in report.findings if f.rule_id == "CKV_BFT_5")
    assert finding.severity.value == "high" and finding.tool == "checkov"
    assert finding.location.file.endswith("main.tf") and finding.location.line == 1
