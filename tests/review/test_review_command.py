"""`bedrock-ft review`: exit codes, text, JSON and SARIF output, the missing-checkov notice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bedrock_ft.cli import main
from bedrock_ft.review import checkov_runner
from bedrock_ft.review.checkov_runner import INSTALL_HINT

from .conftest import BAD_POLICIES, GOOD_POLICIES

BAD_BUCKET = str(BAD_POLICIES / "bft003-s3-any-bucket.json")  # one high finding
NO_TLS = str(BAD_POLICIES / "bft009-bucket-policy-no-tls.json")  # one medium finding


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["review", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_high_finding_fails_at_medium(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--policy", BAD_BUCKET, "--fail-on", "medium")
    assert code == 1
    assert err.strip().startswith("Error:") and "Traceback" not in err


def test_medium_finding_passes_at_high(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run(capsys, "--policy", NO_TLS, "--fail-on", "high")
    assert code == 0


def test_medium_finding_fails_at_low(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run(capsys, NO_TLS, "--fail-on", "low")
    assert code == 1


def test_clean_policy_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(GOOD_POLICIES / "trust.json"), "--fail-on", "low")
    assert code == 0 and "no findings" in out


def test_text_output_names_severity_rule_location_and_fix(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "--policy", BAD_BUCKET)
    line = next(x for x in out.splitlines() if x.startswith("HIGH"))
    assert "BFT003" in line and "Sid ReadAnyBucket" in line
    assert "fix: use the data bucket's ARN" in out
    assert "1 high" in out.splitlines()[-1]


def test_json_output_lists_findings(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "--policy", BAD_BUCKET, "--output", "json")
    document = json.loads(out)
    assert document["counts"]["high"] == 1
    assert document["findings"][0]["location"]["sid"] == "ReadAnyBucket"


def test_sarif_output_is_structurally_valid(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "--policy", BAD_BUCKET, "--policy", NO_TLS, "--output", "sarif")
    sarif = json.loads(out)
    assert sarif["version"] == "2.1.0"
    assert "sarif-2.1.0" in sarif["$schema"]
    run_ = sarif["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    rule_ids = [r["id"] for r in rules]
    assert len(rule_ids) == len(set(rule_ids)) and {"BFT003", "BFT009"} <= set(rule_ids)
    for result in run_["results"]:
        assert result["ruleId"] in rule_ids
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("note", "warning", "error")
        assert result["message"]["text"]
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uri"]
    levels = {r["ruleId"]: r["level"] for r in run_["results"]}
    assert levels["BFT003"] == "error" and levels["BFT009"] == "warning"


def test_missing_checkov_is_reported_as_skipped_with_install_command(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("BEDROCK_FT_CHECKOV", raising=False)
    monkeypatch.delenv("BEDROCK_FT_REQUIRE_CHECKOV", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(checkov_runner, "installation_candidates", lambda: [])
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "data" {\n  bucket = "x"\n}\n')
    code, out, _ = run(capsys, str(tmp_path), "--fail-on", "medium")
    assert code == 0
    assert "scanner: checkov: SKIPPED" in out and INSTALL_HINT in out


def test_checkov_path_that_does_not_exist_is_a_config_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "data" {\n  bucket = "x"\n}\n')
    code, _, err = run(capsys, str(tmp_path), "--checkov", str(tmp_path / "nope"))
    assert code == 4 and "does not exist" in err and "Traceback" not in err
