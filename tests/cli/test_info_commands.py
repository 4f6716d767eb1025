"""`bedrock-ft models` lists the model table; `bedrock-ft doctor` says what is ready and what to fix."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber
from moto import mock_aws

from bedrock_ft import cli as cli_module
from bedrock_ft.core.models import MODELS
from bedrock_ft.job.doctor import DoctorReport, DoctorRequest, run_doctor
from bedrock_ft.job.session import AwsSession, make_session
from helpers.output_contract import assert_documented

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli_module.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    code, out, _ = run(capsys, *argv, "--output", "json")
    return code, json.loads(out)


# -- models --------------------------------------------------------------------------------------------------------


def test_models_lists_every_model_of_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "models")
    assert code == 0
    for spec in MODELS:
        assert spec.display_name in out and spec.model_ids[0] in out


def test_models_json_has_the_envelope_and_one_row_per_model(capsys: pytest.CaptureFixture[str]) -> None:
    code, document = run_json(capsys, "models")
    assert code == 0
    assert (document["ok"], document["command"], document["schema_version"]) == (True, "models", 1)
    assert_documented(document, "models")
    assert [row["family"] for row in document["models"]] == [spec.family for spec in MODELS]


def test_models_region_filter_keeps_only_models_offered_there(capsys: pytest.CaptureFixture[str]) -> None:
    _, document = run_json(capsys, "models", "--region", "us-west-2")
    families = {row["family"] for row in document["models"]}
    assert "claude-3-haiku" in families and "nova-lite" not in families
    assert document["region"] == "us-west-2"


def test_models_customization_type_filter_is_case_insensitive(capsys: pytest.CaptureFixture[str]) -> None:
    _, document = run_json(capsys, "models", "--customization-type", "reinforcement_fine_tuning")
    assert [row["family"] for row in document["models"]] == ["nova-2-lite"]
    assert document["customization_type"] == "REINFORCEMENT_FINE_TUNING"


def test_models_with_filters_matching_nothing_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "models", "--region", "eu-west-1")
    assert code == 0 and "no model" in out and "eu-west-1" in out


def test_models_detail_shows_rft_ranges_as_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    _, document = run_json(capsys, "models", "--model", "amazon.nova-2-lite-v1:0:256k")
    (row,) = document["models"]
    rft = next(c for c in row["customizations"] if c["customization_type"] == "REINFORCEMENT_FINE_TUNING")
    batch = next(hp for hp in rft["hyperparameters"] if hp["name"] == "batchSize")
    assert (batch["minimum"], batch["maximum"], batch["numeric_in_api"]) == (16, 512, True)
    assert rft["accepts_validation"] is False and rft["max_records"] == 20_000


def test_models_detail_text_names_the_teachers_of_a_distillation_student(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "models", "--model", "amazon.nova-micro-v1:0:128k")
    assert code == 0
    assert "distillation teacher" in out and "us.amazon.nova-premier-v1:0" in out


def test_models_detail_of_a_legacy_model_warns(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "models", "--model", "amazon.titan-text-express-v1")
    assert code == 0 and "[LEGACY]" in out and "warning:" in out


def test_models_detail_of_an_unknown_model_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "models", "--model", "acme.nothing-v1")
    assert code == 2 and out == ""
    assert "acme.nothing-v1" in err and "bedrock-ft models" in err and "Traceback" not in err


def test_models_unknown_customization_type_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "models", "--customization-type", "IMPORTED")
    assert code == 2 and "IMPORTED" in err


# -- doctor --------------------------------------------------------------------------------------------------------

OUTPUT_VALUES: dict[str, Any] = {
    "region": REGION,
    "account_id": ACCOUNT,
    "vpc_id": "vpc-1",
    "subnet_ids": ["subnet-1", "subnet-2"],
    "availability_zones": ["us-east-1a", "us-east-1b"],
    "security_group_ids": ["sg-1"],
    "bucket_name": "data-bucket",
    "bucket_arn": "arn:aws:s3:::data-bucket",
    "role_arn": f"arn:aws:iam::{ACCOUNT}:role/bedrock-ft",
    "kms_key_arn": None,
    "s3_endpoint_id": "vpce-1",
    "operator_policy_arn": None,
    "data_prefix": "data",
    "output_prefix": "output",
}


def write_outputs(folder: Path, **changes: Any) -> Path:
    values = {**OUTPUT_VALUES, **changes}
    path = folder / "outputs.json"
    path.write_text(json.dumps({k: {"value": v} for k, v in values.items()}), encoding="utf-8")
    return path


def fake_program(folder: Path, name: str, stdout: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"#!/bin/sh\ncat <<'EOF'\n{stdout}\nEOF\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture
def tools(tmp_path: Path) -> dict[str, str]:
    """An environment with a Terraform 1.9.5 and a checkov of its own, and nothing else on PATH."""
    bin_dir = tmp_path / "bin"
    fake_program(bin_dir, "terraform", json.dumps({"terraform_version": "1.9.5"}))
    checkov = fake_program(tmp_path / "checkov-env", "checkov", "3.2.0")
    return {"PATH": str(bin_dir), "BEDROCK_FT_CHECKOV": str(checkov), "AWS_REGION": REGION}


@pytest.fixture
def session() -> Iterator[AwsSession]:
    with mock_aws():
        yield make_session(REGION)


def doctor(session: AwsSession, environ: dict[str, str], **request: Any) -> DoctorReport:
    return run_doctor(DoctorRequest(**request), environ=environ, session_factory=lambda _region: session)


def status(report: DoctorReport, name: str) -> str:
    return next(check.status for check in report.checks if check.name == name)


def check(report: DoctorReport, name: str) -> Any:
    return next(c for c in report.checks if c.name == name)


def foundation_model(session: AwsSession, **details: Any) -> Stubber:
    """GetFoundationModel answered by botocore's Stubber (moto lacks it), checked against the service model."""
    client = session.client("bedrock", probe=True)
    stubber = Stubber(client)
    model_id = details.pop("model_id", "amazon.nova-lite-v1:0:300k")
    stubber.add_response(
        "get_foundation_model",
        {
            "modelDetails": {
                "modelArn": f"arn:aws:bedrock:{REGION}::foundation-model/{model_id}",
                "modelId": model_id,
                "customizationsSupported": details.pop("customizations", ["FINE_TUNING"]),
                "modelLifecycle": {"status": details.pop("lifecycle", "ACTIVE")},
            }
        },
        {"modelIdentifier": model_id},
    )
    stubber.activate()
    return stubber


def test_doctor_passes_everything_on_a_ready_machine(
    session: AwsSession, tools: dict[str, str], tmp_path: Path
) -> None:
    stubber = foundation_model(session)
    report = doctor(session, tools, outputs_file=str(write_outputs(tmp_path)), base_model="amazon.nova-lite-v1:0:300k")
    stubber.assert_no_pending_responses()
    assert [(c.name, c.status) for c in report.checks] == [
        ("region", "pass"),
        ("credentials", "pass"),
        ("terraform", "pass"),
        ("checkov", "pass"),
        ("tf-outputs", "pass"),
        ("base-model", "pass"),
    ]
    assert report.ok and report.account_id == ACCOUNT and report.region == REGION


def test_doctor_region_comes_from_the_outputs_before_the_environment(
    session: AwsSession, tools: dict[str, str], tmp_path: Path
) -> None:
    report = doctor(session, {**tools, "AWS_REGION": "eu-west-1"}, outputs_file=str(write_outputs(tmp_path)))
    assert report.region == REGION and "Terraform outputs" in check(report, "region").message


def test_doctor_warns_when_the_given_region_is_not_the_outputs(
    session: AwsSession, tools: dict[str, str], tmp_path: Path
) -> None:
    report = doctor(session, tools, region="us-west-2", outputs_file=str(write_outputs(tmp_path)))
    assert status(report, "region") == "warn" and "us-east-1" in (check(report, "region").hint or "")


def test_doctor_fails_a_region_that_is_not_a_region_name(session: AwsSession, tools: dict[str, str]) -> None:
    report = doctor(session, tools, region="mars")
    assert status(report, "region") == "fail" and not report.ok


def test_doctor_warns_when_the_credentials_are_for_another_account(
    session: AwsSession, tools: dict[str, str], tmp_path: Path
) -> None:
    report = doctor(session, tools, outputs_file=str(write_outputs(tmp_path, account_id="999999999999")))
    assert status(report, "credentials") == "warn" and "999999999999" in check(report, "credentials").message


def test_doctor_fails_without_credentials(tools: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SECURITY_TOKEN", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    session = make_session(REGION)
    report = doctor(session, tools)
    credentials = check(report, "credentials")
    assert credentials.status == "fail" and "no AWS credentials" in credentials.message
    assert credentials.hint and "aws configure" in credentials.hint


def test_doctor_fails_credentials_when_the_profile_does_not_exist(
    tools: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    report = run_doctor(DoctorRequest(base_model="amazon.nova-lite-v1:0:300k"), environ=tools)
    credentials = check(report, "credentials")
    assert credentials.status == "fail" and "no-such-profile" in credentials.message
    assert status(report, "base-model") == "pass"  # the table still answers


def test_doctor_fails_when_sts_refuses(session: AwsSession, tools: dict[str, str]) -> None:
    with Stubber(session.client("sts", probe=True)) as stubber:
        stubber.add_client_error("get_caller_identity", "ExpiredToken", "The security token has expired")
        report = doctor(session, tools)
    assert status(report, "credentials") == "fail" and "ExpiredToken" in check(report, "credentials").message


def test_doctor_fails_a_missing_terraform_unless_an_outputs_file_is_given(
    session: AwsSession, tools: dict[str, str], tmp_path: Path
) -> None:
    no_terraform = {**tools, "PATH": str(tmp_path / "empty")}
    assert status(doctor(session, no_terraform), "terraform") == "fail"
    with_file = doctor(session, no_terraform, outputs_file=str(write_outputs(tmp_path)))
    assert status(with_file, "terraform") == "warn"


def test_doctor_fails_a_terraform_older_than_the_module_needs(
    session: AwsSession, tools: dict[str, str], tmp_path: Path
) -> None:
    fake_program(tmp_path / "old", "terraform", json.dumps({"terraform_version": "1.4.7"}))
    report = doctor(session, {**tools, "PATH": str(tmp_path / "old")})
    terraform = check(report, "terraform")
    assert terraform.status == "fail" and "1.4.7" in terraform.message and "1.5" in terraform.message


def test_doctor_reads_the_version_line_of_an_old_terraform(
    session: AwsSession, tools: dict[str, str], tmp_path: Path
) -> None:
    fake_program(tmp_path / "plain", "terraform", "Terraform v1.6.2\non linux_amd64")
    report = doctor(session, {**tools, "PATH": str(tmp_path / "plain")})
    assert status(report, "terraform") == "pass" and "1.6.2" in check(report, "terraform").message


def test_doctor_warns_without_checkov(
    session: AwsSession, tools: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from bedrock_ft.review import checkov_runner

    monkeypatch.setattr(checkov_runner, "installation_candidates", lambda: [])
    without = {k: v for k, v in tools.items() if k != "BEDROCK_FT_CHECKOV"}
    checkov = check(doctor(session, without), "checkov")
    assert checkov.status == "warn" and checkov.hint and "pip install checkov" in checkov.hint


def test_doctor_fails_a_checkov_path_that_does_not_exist(session: AwsSession, tools: dict[str, str]) -> None:
    report = doctor(session, {**tools, "BEDROCK_FT_CHECKOV": "/nonexistent/checkov"})
    assert status(report, "checkov") == "fail"


def test_doctor_skips_the_outputs_when_none_are_given(session: AwsSession, tools: dict[str, str]) -> None:
    assert status(doctor(session, tools), "tf-outputs") == "skip"


def test_doctor_fails_unreadable_outputs(session: AwsSession, tools: dict[str, str], tmp_path: Path) -> None:
    broken = tmp_path / "outputs.json"
    broken.write_text("{not json", encoding="utf-8")
    report = doctor(session, tools, outputs_file=str(broken))
    assert status(report, "tf-outputs") == "fail" and not report.ok


def test_doctor_fails_incomplete_outputs_naming_what_is_missing(
    session: AwsSession, tools: dict[str, str], tmp_path: Path
) -> None:
    path = write_outputs(tmp_path)
    document = json.loads(path.read_text())
    del document["role_arn"], document["subnet_ids"]
    path.write_text(json.dumps(document))
    outputs = check(doctor(session, tools, outputs_file=str(path)), "tf-outputs")
    assert outputs.status == "fail" and "role_arn" in outputs.message and "subnet_ids" in outputs.message


def test_doctor_skips_the_model_when_none_is_named(session: AwsSession, tools: dict[str, str]) -> None:
    assert status(doctor(session, tools), "base-model") == "skip"


def test_doctor_fails_a_model_whose_customizations_lack_the_type(session: AwsSession, tools: dict[str, str]) -> None:
    foundation_model(session, customizations=["FINE_TUNING"])
    report = doctor(
        session, tools, base_model="amazon.nova-lite-v1:0:300k", customization_type="CONTINUED_PRE_TRAINING"
    )
    model = check(report, "base-model")
    assert model.status == "fail" and "CONTINUED_PRE_TRAINING" in model.message


def test_doctor_warns_about_a_legacy_model_from_get_foundation_model(
    session: AwsSession, tools: dict[str, str]
) -> None:
    foundation_model(session, lifecycle="LEGACY")
    report = doctor(session, tools, base_model="amazon.nova-lite-v1:0:300k")
    assert status(report, "base-model") == "warn" and "LEGACY" in check(report, "base-model").message


def test_doctor_fails_a_model_the_region_does_not_have(session: AwsSession, tools: dict[str, str]) -> None:
    with Stubber(session.client("bedrock", probe=True)) as stubber:
        stubber.add_client_error("get_foundation_model", "ResourceNotFoundException", "no such model")
        report = doctor(session, tools, base_model="meta.llama3-2-11b-instruct-v1:0:128k")
    assert status(report, "base-model") == "fail"


def test_doctor_falls_back_to_the_table_when_the_endpoint_cannot_answer(
    session: AwsSession, tools: dict[str, str]
) -> None:
    # moto has no GetFoundationModel: the table says Llama 3.2 is customized in us-west-2 only.
    report = doctor(session, tools, base_model="meta.llama3-2-11b-instruct-v1:0:128k")
    model = check(report, "base-model")
    assert model.status == "fail" and "us-west-2" in model.message and "table" in model.message


def test_doctor_table_fallback_passes_a_model_offered_in_the_region(session: AwsSession, tools: dict[str, str]) -> None:
    report = doctor(session, tools, base_model="amazon.nova-2-lite-v1:0:256k")
    assert status(report, "base-model") == "pass"


def test_doctor_table_fallback_warns_about_a_legacy_model(session: AwsSession, tools: dict[str, str]) -> None:
    report = doctor(session, tools, base_model="amazon.titan-text-express-v1:0:8k")
    assert status(report, "base-model") == "warn" and "legacy" in check(report, "base-model").message


def test_doctor_warns_about_a_model_it_does_not_know(session: AwsSession, tools: dict[str, str]) -> None:
    report = doctor(session, tools, base_model="acme.unknown-v1:0")
    assert status(report, "base-model") == "warn"


def test_doctor_command_exits_1_and_prints_each_check_with_its_fix(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with mock_aws():
        code, out, err = run(capsys, "doctor", "--region", REGION)
    assert code == 1
    assert "fail  terraform" in out and "fix: install Terraform" in out
    assert "pass  credentials" in out and "doctor check(s) failed" in err


def test_doctor_command_json_follows_the_contract(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with mock_aws():
        code, document = run_json(capsys, "doctor", "--region", REGION)
    assert code == 1
    assert (document["ok"], document["command"], document["schema_version"]) == (False, "doctor", 1)
    assert_documented(document, "doctor")
    assert {c["status"] for c in document["checks"]} <= {"pass", "fail", "warn", "skip"}
    assert document["counts"]["fail"] >= 1 and document["account_id"] == ACCOUNT
