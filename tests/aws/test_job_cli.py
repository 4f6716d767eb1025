"""The AWS commands through click: options, JSON output and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from aws_fixtures import MODEL, Account
from click.testing import CliRunner

from bedrock_ft.cli import cli, main
from bedrock_ft.errors import ChecksFailed


def test_submit_dry_run_prints_the_exact_request_and_starts_nothing(account: Account, outputs_file: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "submit",
            "--tf-outputs",
            str(outputs_file),
            "--base-model",
            MODEL,
            "--training-data",
            account.training_uri,
            "--hp",
            "epochCount=3",
            "--dry-run",
            "--skip-preflight",
            "--output",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    request = json.loads(result.stdout)["request"]
    assert request["hyperParameters"]["epochCount"] == "3"
    assert request["vpcConfig"]["subnetIds"] == account.values["subnet_ids"]
    assert account.client("bedrock").list_model_customization_jobs()["modelCustomizationJobSummaries"] == []


def test_submit_then_status_shows_the_job(account: Account, outputs_file: Path) -> None:
    runner = CliRunner()
    submitted = runner.invoke(
        cli,
        [
            "submit",
            "--tf-outputs",
            str(outputs_file),
            "--base-model",
            MODEL,
            "--training-data",
            account.training_uri,
            "--validation-data",
            account.validation_uri,
            "--output",
            "json",
        ],
    )
    assert submitted.exit_code == 0, submitted.output
    arn = json.loads(submitted.stdout)["jobArn"]
    status = runner.invoke(cli, ["status", arn, "--tf-outputs", str(outputs_file), "--output", "json"])
    assert json.loads(status.stdout)["status"] == "InProgress"


def test_preflight_failure_exits_non_zero(account: Account, outputs_file: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "preflight",
            "--tf-outputs",
            str(outputs_file),
            "--base-model",
            MODEL,
            "--training-data",
            f"s3://{account.bucket}/data/missing.jsonl",
        ],
    )
    assert isinstance(result.exception, ChecksFailed)
    assert "FAIL  training-data" in result.stdout


def test_preflight_json_lists_every_check(account: Account, outputs_file: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "preflight",
            "--tf-outputs",
            str(outputs_file),
            "--base-model",
            MODEL,
            "--training-data",
            account.training_uri,
            "--output",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    names = {c["name"] for c in json.loads(result.stdout)["checks"]}
    assert {"subnets-cover-zones", "security-group-self-rules", "images", "role-network-interfaces"} <= names


def test_a_bad_hp_option_is_a_usage_error_with_exit_code_2(account: Account, outputs_file: Path, capsys) -> None:
    code = main(
        [
            "submit",
            "--tf-outputs",
            str(outputs_file),
            "--base-model",
            MODEL,
            "--training-data",
            account.training_uri,
            "--hp",
            "epochCount",
            "--dry-run",
        ]
    )
    assert code == 2
    assert "--hp 'epochCount' is not key=value" in capsys.readouterr().err


def test_missing_outputs_exit_with_the_config_code(capsys) -> None:
    code = main(["preflight", "--base-model", MODEL, "--training-data", "s3://b/k"])
    assert code == 4
    assert "no Terraform outputs given" in capsys.readouterr().err


def test_upload_prints_the_data_uris(account: Account, outputs_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "train.jsonl").write_text("{}\n")
    (out / "manifest.json").write_text(json.dumps({"bucket": account.bucket, "prefix": "data/cli"}))
    result = CliRunner().invoke(cli, ["upload", str(out), "--tf-outputs", str(outputs_file), "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert f"s3://{account.bucket}/data/cli/train.jsonl" in result.stdout


def test_list_and_stop(account: Account, outputs_file: Path) -> None:
    runner = CliRunner()
    submitted = runner.invoke(
        cli,
        [
            "submit",
            "--tf-outputs",
            str(outputs_file),
            "--base-model",
            MODEL,
            "--training-data",
            account.training_uri,
            "--skip-preflight",
            "--output",
            "json",
        ],
    )
    name = json.loads(submitted.stdout)["jobName"]
    listed = runner.invoke(cli, ["list", "--tf-outputs", str(outputs_file), "--output", "json"])
    assert [j["jobName"] for j in json.loads(listed.stdout)["jobs"]] == [name]
    stopped = runner.invoke(cli, ["stop", name, "--tf-outputs", str(outputs_file)])
    assert "Stopped" in stopped.stdout


def test_the_module_exports_the_commands() -> None:
    from bedrock_ft.cli import demo_command, job_commands

    assert [c.name for c in job_commands.COMMANDS] == [
        "upload",
        "preflight",
        "submit",
        "status",
        "wait",
        "stop",
        "list",
        "run",
    ]
    assert [c.name for c in demo_command.COMMANDS] == ["demo"]
