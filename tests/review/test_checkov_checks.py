"""The custom checkov checks (scripts/bedrock_ft/review/checkov_checks/, shipped in the package), each against a good
and a bad Terraform snippet, in one checkov run; where they are found from; and checkov's findings as review
findings."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from bedrock_ft.review import checkov_runner, review
from bedrock_ft.review.checkov_runner import checks_dir

from .conftest import TERRAFORM

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
        [
            executable,
            "-d",
            str(root),
            "--framework",
            "terraform",
            "--skip-download",
            "--quiet",
            "-o",
            "json",
            "--external-checks-dir",
            str(checks_dir()),
            "--check",
            ",".join(CHECKS),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
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


def test_checks_folder_is_found_through_the_package_from_any_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no checks/ folder here, and not the repository
    folder = checks_dir()
    assert folder is not None and folder.is_dir() and folder.is_absolute()
    assert not folder.is_relative_to(tmp_path)
    assert folder.parent == Path(checkov_runner.__file__).resolve().parent  # inside the installed package
    assert checkov_runner.custom_check_ids(folder) == set(CHECKS)
    assert {p.stem for p in folder.glob("Bft*.py")} == {
        "BftJobSecurityGroupSelfOnly",
        "BftTrustConfusedDeputy",
        "BftNetworkInterfaceConditions",
        "BftNoWildcardBucket",
        "BftEndpointPolicyScoped",
        "BftBucketPolicyTlsOnly",
    }
    assert checkov_runner.custom_checks_notice(folder) is None
    assert checkov_runner.custom_checks_description(folder).startswith("with 6 custom checks (CKV_BFT_1, ")


def test_missing_custom_checks_are_reported_never_silent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    notice = checkov_runner.custom_checks_notice(None)
    assert notice is not None and "WITHOUT" in notice and all(c in notice for c in CHECKS)
    partial = tmp_path / "checks"
    partial.mkdir()
    shutil.copy(checks_dir() / "BftNoWildcardBucket.py", partial)
    assert checkov_runner.custom_checks_notice(partial) == (
        f"checkov ran without custom checks {', '.join(c for c in CHECKS if c != 'CKV_BFT_4')}: not found in {partial}"
    )
    # and the review puts it in the report, with a checkov that finds nothing
    fake = tmp_path / "checkov"
    fake.write_text("#!/bin/sh\necho '{}'\n")
    fake.chmod(0o755)
    monkeypatch.setattr(checkov_runner, "checks_dir", lambda: None)
    module = tmp_path / "module"
    module.mkdir()
    shutil.copy(TERRAFORM / "ckv_bft_5_good.tf.fixture", module / "main.tf")
    report = review([module], checkov=str(fake), use_parliament=False)
    assert notice in report.notices
    assert any("without this project's custom checks" in line for line in report.reviewed)


@pytest.mark.parametrize("check_id", CHECKS)
def test_custom_check_fails_its_bad_snippet(checkov_results: dict[str, set[str]], check_id: str) -> None:
    assert check_id in checkov_results[f"{check_id.lower()}_bad"]


@pytest.mark.parametrize("check_id", CHECKS)
def test_custom_check_passes_its_good_snippet(checkov_results: dict[str, set[str]], check_id: str) -> None:
    assert checkov_results[f"{check_id.lower()}_good"] == set()


def test_module_with_checkov_has_no_finding_at_medium_or_above(checkov_executable: str, module_copy: Path) -> None:
    # a copy, since the review refuses a checkov inside the folder it reviews (a .venv-checkov in the repository)
    report = review([module_copy], checkov=checkov_executable)
    assert any("checkov" in line and "with 6 custom checks" in line for line in report.reviewed), report.reviewed
    assert not [n for n in report.notices if "custom check" in n], report.notices
    assert report.at_or_above("medium") == [], [f"{f.rule_id} {f.location}" for f in report.at_or_above("medium")]


def test_checkov_failure_becomes_a_finding_with_file_and_line(tmp_path: Path, checkov_executable: str) -> None:
    executable = checkov_executable
    shutil.copy(TERRAFORM / "ckv_bft_5_bad.tf.fixture", tmp_path / "main.tf")
    report = review([tmp_path], checkov=executable, use_parliament=False)
    finding = next(f for f in report.findings if f.rule_id == "CKV_BFT_5")
    assert finding.severity.value == "high" and finding.tool == "checkov"
    assert finding.location.file.endswith("main.tf") and finding.location.line == 1


def test_a_custom_check_checkov_cannot_load_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, checkov_executable: str
) -> None:
    folder = tmp_path / "checks"
    shutil.copytree(checks_dir(), folder, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "BftBroken.py").write_text("import a_module_that_does_not_exist\n")
    monkeypatch.setattr(checkov_runner, "checks_dir", lambda: folder)
    module = tmp_path / "module"
    module.mkdir()
    shutil.copy(TERRAFORM / "ckv_bft_5_good.tf.fixture", module / "main.tf")
    report = review([module], checkov=checkov_executable, use_parliament=False)
    assert f"checkov could not load custom check BftBroken from {folder}: those checks did not run" in report.notices
