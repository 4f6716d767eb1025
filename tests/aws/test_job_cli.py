"""The AWS commands through click: options, JSON output and exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bedrock_ft.cli import cli, main
from bedrock_ft.core.errors import ChecksFailed, JobFailed
from helpers.aws_fixtures import MODEL, Account, set_status, write_manifest

Invoke = Callable[..., Result]
Main = Callable[..., int]


@pytest.fixture
def bedrock_ft(outputs_file: Path) -> Invoke:
    """Run `bedrock-ft COMMAND ARGS... --tf-outputs FILE` through click's runner (exceptions kept for inspection)."""
    runner = CliRunner()

    def invoke(command: str, *args: str) -> Result:
        return runner.invoke(cli, [command, *args, "--tf-outputs", str(outputs_file)])

    return invoke


@pytest.fixture
def bedrock_ft_main(outputs_file: Path) -> Main:
    """The same through the console script's `main`, which maps errors to exit codes and one-line messages."""

    def run(command: str, *args: str) -> int:
        return main([command, *args, "--tf-outputs", str(outputs_file)])

    return run


def job_args(account: Account, *extra: str, training: str | None = None) -> list[str]:
    """--base-model and --training-data (the account's training data unless given), then ``extra``."""
    return ["--base-model", MODEL, "--training-data", training or account.training_uri, *extra]


def submit_json(bedrock_ft: Invoke, account: Account, *extra: str) -> dict[str, object]:
    submitted = bedrock_ft("submit", *job_args(account, *extra, "--output", "json"))
    assert submitted.exit_code == 0, submitted.output
    return dict(json.loads(submitted.stdout))


def test_submit_dry_run_prints_the_exact_request_and_starts_nothing(account: Account, bedrock_ft: Invoke) -> None:
    request = submit_json(bedrock_ft, account, "--hp", "epochCount=3", "--dry-run", "--skip-preflight")["request"]
    assert isinstance(request, dict)
    assert request["hyperParameters"]["epochCount"] == "3"
    assert request["vpcConfig"]["subnetIds"] == account.values["subnet_ids"]
    assert account.client("bedrock").list_model_customization_jobs()["modelCustomizationJobSummaries"] == []


def test_submit_then_status_shows_the_job(account: Account, bedrock_ft: Invoke) -> None:
    arn = submit_json(bedrock_ft, account, "--validation-data", account.validation_uri)["job_arn"]
    status = bedrock_ft("status", str(arn), "--output", "json")
    assert json.loads(status.stdout)["status"] == "InProgress"


def test_preflight_failure_exits_non_zero(account: Account, bedrock_ft: Invoke) -> None:
    result = bedrock_ft("preflight", *job_args(account, training=f"s3://{account.bucket}/data/missing.jsonl"))
    assert isinstance(result.exception, ChecksFailed)
    assert "FAIL  training-data" in result.stdout


def test_preflight_json_lists_every_check(account: Account, bedrock_ft: Invoke) -> None:
    result = bedrock_ft("preflight", *job_args(account, "--output", "json"))
    assert result.exit_code == 0, result.output
    names = {c["name"] for c in json.loads(result.stdout)["checks"]}
    assert {"subnets-cover-zones", "security-group-self-rules", "images", "role-network-interfaces"} <= names


def test_a_bad_hp_option_is_a_usage_error_with_exit_code_2(account: Account, bedrock_ft_main: Main, capsys) -> None:
    assert bedrock_ft_main("submit", *job_args(account, "--hp", "epochCount", "--dry-run")) == 2
    assert "hyperparameter 'epochCount' is not key=value" in capsys.readouterr().err


def test_missing_outputs_exit_with_the_config_code(capsys) -> None:
    code = main(["preflight", "--base-model", MODEL, "--training-data", "s3://b/k"])
    assert code == 4
    assert "no Terraform outputs given" in capsys.readouterr().err


def test_data_in_another_bucket_is_a_usage_error_not_a_traceback(
    account: Account, bedrock_ft_main: Main, capsys
) -> None:
    code = bedrock_ft_main("submit", *job_args(account, "--dry-run", training="s3://elsewhere/train.jsonl"))
    assert code == 2
    assert "is not in the module's bucket" in capsys.readouterr().err


def test_an_unknown_job_is_a_message_not_a_traceback(account: Account, bedrock_ft_main: Main, capsys) -> None:
    assert bedrock_ft_main("status", "no-such-job") == 5
    assert "no customization job no-such-job" in capsys.readouterr().err


def _out_folder(account: Account, tmp_path: Path, record: str = "{}") -> Path:
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    (out / "train.jsonl").write_text(record + "\n")
    write_manifest(out, account.bucket, base="data/cli", data_prefix="data")
    return out


def _training_uri(account: Account, out: Path) -> str:
    return f"s3://{account.bucket}/{json.loads((out / 'manifest.json').read_text())['prefix']}/train.jsonl"


def test_upload_prints_the_data_uris(account: Account, bedrock_ft: Invoke, tmp_path: Path) -> None:
    out = _out_folder(account, tmp_path)
    result = bedrock_ft("upload", str(out), "--workers", "2")
    assert result.exit_code == 0, result.output
    assert _training_uri(account, out) in result.stdout
    assert "/data/cli/" in _training_uri(account, out)


def test_upload_json_names_the_data_uris(account: Account, bedrock_ft: Invoke, tmp_path: Path) -> None:
    out = _out_folder(account, tmp_path)
    result = bedrock_ft("upload", str(out), "--output", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["training_data"] == _training_uri(account, out)


def test_upload_refuses_other_content_at_a_key_and_force_replaces_it(
    account: Account, bedrock_ft_main: Main, tmp_path: Path, capsys
) -> None:
    out = _out_folder(account, tmp_path)
    assert bedrock_ft_main("upload", str(out)) == 0
    key = _training_uri(account, out).split("/", 3)[3]
    account.client("s3").put_object(Bucket=account.bucket, Key=key, Body=b"[]\n")
    assert bedrock_ft_main("upload", str(out)) == 5
    assert "other content" in capsys.readouterr().err
    assert bedrock_ft_main("upload", str(out), "--force") == 0
    assert account.client("s3").get_object(Bucket=account.bucket, Key=key)["Body"].read() == b"{}\n"


def test_submit_takes_the_uploaded_folder(account: Account, bedrock_ft: Invoke, tmp_path: Path) -> None:
    out = _out_folder(account, tmp_path)
    assert bedrock_ft("upload", str(out)).exit_code == 0
    result = bedrock_ft("submit", "--data", str(out), "--dry-run", "--skip-preflight", "--output", "json")
    assert result.exit_code == 0, result.output
    request = json.loads(result.stdout)["request"]
    assert request["trainingDataConfig"]["s3Uri"] == _training_uri(account, out)
    assert request["baseModelIdentifier"] == MODEL  # from the manifest


def test_submit_takes_the_manifest_file_too(account: Account, bedrock_ft: Invoke, tmp_path: Path) -> None:
    out = _out_folder(account, tmp_path)
    folder = bedrock_ft("submit", "--data", str(out), "--dry-run", "--skip-preflight", "--output", "json")
    file = bedrock_ft(
        "submit", "--data", str(out / "manifest.json"), "--dry-run", "--skip-preflight", "--output", "json"
    )
    assert json.loads(folder.stdout)["request"] == json.loads(file.stdout)["request"]


def test_submit_data_and_training_data_together_is_a_usage_error(
    account: Account, bedrock_ft_main: Main, tmp_path: Path, capsys
) -> None:
    out = _out_folder(account, tmp_path)
    assert bedrock_ft_main("submit", "--data", str(out), "--training-data", account.training_uri) == 2
    assert "either a dataset folder or data URIs, not both (--data, --training-data" in capsys.readouterr().err


def test_submit_without_any_data_is_a_usage_error(account: Account, bedrock_ft_main: Main, capsys) -> None:
    assert bedrock_ft_main("submit", "--base-model", MODEL, "--dry-run") == 2
    assert "no training data given (--data, --training-data, --invocation-logs)" in capsys.readouterr().err


def test_submit_regenerated_data_is_a_new_job_and_the_same_data_the_same_job(
    account: Account, bedrock_ft: Invoke, tmp_path: Path
) -> None:
    def upload_and_submit(record: str) -> dict[str, object]:
        out = _out_folder(account, tmp_path, record)
        assert bedrock_ft("upload", str(out)).exit_code == 0
        submitted = bedrock_ft("submit", "--data", str(out), "--skip-preflight", "--output", "json")
        assert submitted.exit_code == 0, submitted.output
        return dict(json.loads(submitted.stdout))

    first = upload_and_submit('{"seed": 1}')
    changed = upload_and_submit('{"seed": 2}')
    again = upload_and_submit('{"seed": 1}')
    assert changed["job_arn"] != first["job_arn"] and not changed["already_submitted"]
    assert again["job_arn"] == first["job_arn"] and again["already_submitted"]


def test_upload_shows_no_progress_bar_when_stderr_is_not_a_terminal(
    account: Account, bedrock_ft: Invoke, tmp_path: Path
) -> None:
    result = bedrock_ft("upload", str(_out_folder(account, tmp_path)))
    assert result.exit_code == 0, result.output
    assert result.stderr == ""


def test_a_missing_out_folder_is_an_input_error(bedrock_ft_main: Main, tmp_path: Path, capsys) -> None:
    assert bedrock_ft_main("upload", str(tmp_path / "nowhere")) == 3
    assert "does not exist" in capsys.readouterr().err


def test_list_and_stop(account: Account, bedrock_ft: Invoke) -> None:
    name = submit_json(bedrock_ft, account, "--skip-preflight")["job_name"]
    listed = bedrock_ft("list", "--output", "json")
    assert [j["job_name"] for j in json.loads(listed.stdout)["jobs"]] == [name]
    stopped = bedrock_ft("stop", str(name))
    assert "Stopped" in stopped.stdout


def test_stop_on_a_finished_job_says_it_had_ended_and_exits_0(
    account: Account, bedrock_ft: Invoke, bedrock_ft_main: Main, capsys
) -> None:
    name = str(submit_json(bedrock_ft, account, "--skip-preflight")["job_name"])
    set_status(name, "Completed")
    assert bedrock_ft_main("stop", name) == 0
    assert f"job {name} had already ended Completed; nothing to stop" in capsys.readouterr().out


def test_stop_on_a_finished_job_in_json_says_already_ended(account: Account, bedrock_ft: Invoke) -> None:
    name = str(submit_json(bedrock_ft, account, "--skip-preflight")["job_name"])
    set_status(name, "Failed", "bad data")
    result = bedrock_ft("stop", name, "--output", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert (document["ok"], document["already_ended"], document["status"]) == (True, True, "Failed")


def test_wait_exits_0_when_the_job_completes(account: Account, bedrock_ft: Invoke, bedrock_ft_main: Main) -> None:
    name = str(submit_json(bedrock_ft, account, "--skip-preflight")["job_name"])
    set_status(name, "Completed")
    assert bedrock_ft_main("wait", name, "--interval", "0.01") == 0


@pytest.mark.parametrize("status", ["Failed", "Stopped"])
def test_wait_exits_non_zero_with_the_failure_message(
    account: Account, bedrock_ft: Invoke, bedrock_ft_main: Main, capsys, status: str
) -> None:
    name = str(submit_json(bedrock_ft, account, "--skip-preflight")["job_name"])
    set_status(name, status, "Could not validate GetObject permissions")
    assert bedrock_ft_main("wait", name, "--interval", "0.01") == 6
    assert f"ended {status}: Could not validate GetObject permissions" in capsys.readouterr().err


def test_wait_exits_non_zero_at_the_timeout(
    account: Account, bedrock_ft: Invoke, bedrock_ft_main: Main, capsys
) -> None:
    name = str(submit_json(bedrock_ft, account, "--skip-preflight")["job_name"])
    assert bedrock_ft_main("wait", name, "--interval", "0.01", "--timeout", "0") == 6
    assert "is still InProgress" in capsys.readouterr().err


def test_wait_json_still_prints_the_job_when_it_fails(account: Account, bedrock_ft: Invoke) -> None:
    name = str(submit_json(bedrock_ft, account, "--skip-preflight")["job_name"])
    set_status(name, "Failed", "Input size exceeded")
    result = bedrock_ft("wait", name, "--interval", "0.01", "--output", "json")
    assert isinstance(result.exception, JobFailed)
    document = json.loads(result.stdout)
    assert document["status"] == "Failed" and document["failure_message"] == "Input size exceeded"


def _run_args(account: Account, tmp_path: Path, *extra: str) -> list[str]:
    from bedrock_ft.data.samples.accessibility import render_sample

    sample = tmp_path / "sample"
    if not sample.exists():
        render_sample(sample, count=10)
    return [
        "--source",
        str(sample),
        "--base-model",
        MODEL,
        "--image-column",
        "image",
        "--prompt-template",
        "Review {html}",
        "--response-template",
        "{outputs.plan}",
        "--validation-split",
        "0.2",
        "--work-dir",
        str(tmp_path / "work"),
        "--output",
        "json",
        *extra,
    ]


def test_run_wait_json_still_prints_the_result_when_the_job_fails(
    account: Account, bedrock_ft: Invoke, tmp_path: Path
) -> None:
    first = bedrock_ft("run", *_run_args(account, tmp_path))
    assert first.exit_code == 0, first.output
    job_arn = json.loads(first.stdout)["steps"]["submit"]["job_arn"]
    set_status(job_arn.rsplit("/", 1)[-1], "Failed", "Input size exceeded")

    again = bedrock_ft("run", *_run_args(account, tmp_path, "--wait"))
    assert isinstance(again.exception, JobFailed)
    assert again.exit_code != 0
    document = json.loads(again.stdout)
    assert document["resumed"] == ["generate", "upload", "preflight", "submit"]
    assert document["job"]["status"] == "Failed"
    assert document["job"]["failure_message"] == "Input size exceeded"


def test_run_wait_exits_with_the_job_failed_code(
    account: Account, bedrock_ft: Invoke, bedrock_ft_main: Main, tmp_path: Path, capsys
) -> None:
    first = bedrock_ft("run", *_run_args(account, tmp_path))
    assert first.exit_code == 0, first.output
    set_status(json.loads(first.stdout)["steps"]["submit"]["job_name"], "Stopped", "stopped by hand")
    assert bedrock_ft_main("run", *_run_args(account, tmp_path, "--wait")) == 6
    captured = capsys.readouterr()
    assert json.loads(captured.out)["job"]["status"] == "Stopped"
    assert "ended Stopped: stopped by hand" in captured.err


def test_run_takes_the_template_options_generate_takes() -> None:
    from bedrock_ft.cli.dataset_commands import generate
    from bedrock_ft.cli.job_commands import run

    names = ("system", "prompt_template", "response_template", "image_column")
    generate_options = {p.name: p for p in generate.params if p.name in names}
    run_options = {p.name: p for p in run.params if p.name in names}
    assert set(run_options) == set(names)
    for name in names:
        ours, theirs = run_options[name], generate_options[name]
        assert (ours.opts, ours.help, ours.metavar) == (theirs.opts, theirs.help, theirs.metavar), name


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


@pytest.mark.parametrize("command", ["upload", "preflight", "submit", "status", "wait", "stop", "list", "run"])
def test_every_aws_command_offers_json_output(command: str) -> None:
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "--output [text|json]" in result.stdout
    assert "--tf-outputs" in result.stdout and "--tf-dir" in result.stdout


def test_regenerating_with_another_seed_then_upload_and_submit_starts_a_new_job(
    account: Account, bedrock_ft: Invoke, tmp_path: Path, repo_root: Path
) -> None:
    """The bug of issue 8: after regenerating with another --seed, submit answered "already submitted"."""

    def generate_upload_submit(seed: str) -> dict[str, object]:
        out = tmp_path / f"out-{seed}"
        preset = str(repo_root / "dataset" / "qa" / "preset-prompt-completion.toml")
        generated = bedrock_ft(
            "generate",
            "--preset",
            preset,
            "--base-model",
            MODEL,
            "--validation-split",
            "0.2",
            "--seed",
            seed,
            "--out",
            str(out),
        )
        assert generated.exit_code == 0, generated.output
        assert bedrock_ft("upload", str(out)).exit_code == 0
        submitted = bedrock_ft("submit", "--data", str(out), "--skip-preflight", "--output", "json")
        assert submitted.exit_code == 0, submitted.output
        return dict(json.loads(submitted.stdout))

    first = generate_upload_submit("1")
    reseeded = generate_upload_submit("2")
    same = generate_upload_submit("1")
    assert reseeded["job_arn"] != first["job_arn"] and not reseeded["already_submitted"]
    assert same["job_arn"] == first["job_arn"] and same["already_submitted"]
