"""One exit-code table (docs/output.md), shown in --help and applied the same way by every command; Ctrl-C exits 130
saying what was done, what keeps running and how to resume."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from bedrock_ft.cli import main, output
from bedrock_ft.core.errors import (
    AwsError,
    BedrockFtError,
    ChecksFailed,
    ConfigError,
    InputError,
    Interrupted,
    JobFailed,
    UsageError,
)
from bedrock_ft.core.tf_outputs import to_terraform_json

REPO_ROOT = Path(__file__).resolve().parents[2]
VALUES = {"region": "us-east-1", "bucket_name": "b", "subnet_ids": ["subnet-1"], "kms_key_arn": None}


@pytest.fixture
def outputs_file(tmp_path: Path) -> Path:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(to_terraform_json(VALUES)), encoding="utf-8")
    return path


def documented_table() -> dict[int, str]:
    text = (REPO_ROOT / "docs" / "output.md").read_text(encoding="utf-8")
    return {int(code): kind for code, kind in re.findall(r"^\| (\d+) \| `([a-z_]+)` \|", text, re.MULTILINE)}


def test_the_table_in_the_code_is_the_one_in_docs_output_md() -> None:
    assert {code: kind for code, kind, _ in output.EXIT_CODES} == documented_table()


def test_the_readme_shows_the_same_table() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    rows = {int(code): kind for code, kind in re.findall(r"^\| (\d+) \| `([a-z_]+)` \|", readme, re.MULTILINE)}
    assert rows == documented_table()


def test_the_group_help_shows_every_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    help_text = capsys.readouterr().out
    for code, kind, _ in output.EXIT_CODES:
        assert re.search(rf"^\s+{code}\s+{kind}\s", help_text, re.MULTILINE), (code, kind)


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (ChecksFailed("x"), "checks_failed"),
        (UsageError("x"), "usage"),
        (InputError("x"), "input"),
        (ConfigError("x"), "config"),
        (AwsError("x"), "aws"),
        (JobFailed("x"), "job_failed"),
        (Interrupted("x"), "interrupted"),
    ],
)
def test_each_error_class_carries_the_kind_of_its_exit_code(error: BedrockFtError, kind: str) -> None:
    assert (error.kind, output.KIND_OF_CODE[error.exit_code]) == (kind, kind)


# -- a missing input is 3 in every command ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["validate", "{missing}"],
        ["review", "{missing}"],
        ["review", "--policy", "{missing}"],
        ["review", "--plan", "{missing}"],
        ["upload", "{missing}"],
        ["preflight", "--data", "{missing}"],
        ["submit", "--data", "{missing}"],
        ["run", "--data", "{missing}"],
        [
            "generate",
            "--source",
            "{missing}",
            "--base-model",
            "amazon.titan-text-express-v1",
            "--prompt-template",
            "q",
            "--response-template",
            "a",
        ],
        ["generate", "--preset", "{missing}"],
    ],
    ids=lambda argv: " ".join(a for a in argv if a != "{missing}"),
)
def test_a_missing_input_is_exit_3(
    argv: list[str], tmp_path: Path, outputs_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = str(tmp_path / "no-such-thing")
    args = [missing if a == "{missing}" else a for a in argv]
    if argv[0] in ("upload", "preflight", "submit", "run"):
        args += ["--tf-outputs", str(outputs_file)]
    assert main([*args, "--out", str(tmp_path / "o")] if argv[0] == "generate" else args) == 3
    assert "no-such-thing" in capsys.readouterr().err


def test_an_unknown_flag_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "x.jsonl", "--no-such-flag"]) == 2
    assert "No such option" in capsys.readouterr().err


def test_missing_terraform_outputs_are_exit_4(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["upload", str(REPO_ROOT)]) == 4
    assert "no Terraform outputs given" in capsys.readouterr().err


# -- Ctrl-C --------------------------------------------------------------------------------------------------------


def interrupt(*_: Any, **__: Any) -> Any:
    raise KeyboardInterrupt


def test_ctrl_c_while_waiting_says_the_job_keeps_running_and_how_to_resume(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("bedrock_ft.job.jobs.wait_for_job", interrupt)
    assert main(["wait", "my-job"]) == 130
    err = capsys.readouterr().err
    assert "keeps running" in err and "bedrock-ft wait my-job" in err and "bedrock-ft stop my-job" in err


def test_ctrl_c_during_upload_counts_what_was_sent_and_how_to_send_the_rest(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], outputs_file: Path, tmp_path: Path
) -> None:
    def two_files_then_interrupt(*_: Any, progress: Any, **__: Any) -> Any:
        progress.advance()
        progress.advance()
        raise KeyboardInterrupt

    monkeypatch.setattr("bedrock_ft.job.upload.upload_dataset", two_files_then_interrupt)
    assert main(["upload", str(tmp_path), "--tf-outputs", str(outputs_file)]) == 130
    err = capsys.readouterr().err
    assert "after 2 files" in err and "run the same upload again" in err


def test_ctrl_c_during_submit_says_a_rerun_starts_no_second_job(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], outputs_file: Path
) -> None:
    monkeypatch.setattr("bedrock_ft.cli.job_commands.submit_job", interrupt)
    code = main(["submit", "--base-model", "m", "--training-data", "s3://b/t.jsonl", "--tf-outputs", str(outputs_file)])
    assert code == 130
    err = capsys.readouterr().err
    assert "keeps running" in err and "run the same submit again" in err


def test_ctrl_c_during_run_names_the_work_folder_to_continue_from(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], outputs_file: Path, tmp_path: Path
) -> None:
    monkeypatch.setattr("bedrock_ft.job.run.run_pipeline", interrupt)
    work = tmp_path / "w"
    code = main(["run", "--data", str(tmp_path), "--work-dir", str(work), "--tf-outputs", str(outputs_file)])
    assert code == 130
    err = capsys.readouterr().err
    assert str(work) in err and "run the same command again" in err


def test_ctrl_c_elsewhere_still_says_what_happened_not_just_aborted(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setattr("bedrock_ft.data.validate.validate_files", interrupt)
    (tmp_path / "t.jsonl").write_text("{}\n", encoding="utf-8")
    assert main(["validate", str(tmp_path / "t.jsonl")]) == 130
    err = capsys.readouterr().err
    assert "bedrock-ft validate stopped before it finished" in err and "Aborted" not in err


def test_ctrl_c_in_json_mode_is_an_interrupted_error_document(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("bedrock_ft.job.jobs.wait_for_job", interrupt)
    assert main(["wait", "my-job", "--output", "json"]) == 130
    error = json.loads(capsys.readouterr().out)["error"]
    assert (error["kind"], error["exit_code"]) == ("interrupted", 130)
    assert "bedrock-ft wait my-job" in error["message"]


def test_a_library_interrupted_error_keeps_its_own_message(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def deploy_interrupted(*_: Any, **__: Any) -> Any:
        raise Interrupted("stopped waiting: the deployment d keeps being created (and billed)")

    monkeypatch.setattr("bedrock_ft.job.jobs.wait_for_job", deploy_interrupted)
    assert main(["wait", "my-job"]) == 130
    assert "the deployment d keeps being created" in capsys.readouterr().err
