"""The generate and validate commands through click's CliRunner, and exit codes through bedrock_ft.cli.main."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from dataset_helpers import BUCKET, NOVA, OWNER, TITAN

from bedrock_ft.cli import cli, main


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_generate_qa_sample_prints_a_summary(runner: CliRunner, qa_dir: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        cli, ["generate", "--preset", str(qa_dir / "preset-prompt-completion.toml"), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    assert "43 training and 5 validation records" in result.output and "OK: 0 error(s)" in result.output


def test_generate_json_output_is_the_result_document(runner: CliRunner, qa_dir: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        cli,
        [
            "generate",
            "--preset",
            str(qa_dir / "preset-prompt-completion.toml"),
            "--out",
            str(tmp_path / "out"),
            "--output",
            "json",
        ],
    )
    document = json.loads(result.output)
    assert document["ok"] is True and document["manifest"]["counts"]["train"] == 43


def test_generate_flags_override_the_preset(runner: CliRunner, qa_dir: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        cli,
        [
            "generate",
            "--preset",
            str(qa_dir / "preset-prompt-completion.toml"),
            "--out",
            str(tmp_path / "out"),
            "--base-model",
            "cohere.command-light-text-v14",
            "--validation-split",
            "0.25",
            "--output",
            "json",
        ],
    )
    manifest = json.loads(result.output)["manifest"]
    assert (manifest["family"], manifest["counts"]["validation"]) == ("cohere-command-light", 12)


def test_generate_system_from_a_file(runner: CliRunner, qa_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "sys.txt").write_text("Answer briefly.")
    result = runner.invoke(
        cli,
        [
            "generate",
            "--preset",
            str(qa_dir / "preset-prompt-completion.toml"),
            "--out",
            str(tmp_path / "out"),
            "--system",
            f"@{tmp_path / 'sys.txt'}",
        ],
    )
    assert result.exit_code == 0
    first = json.loads((tmp_path / "out" / "train.jsonl").read_text().splitlines()[0])
    assert first["prompt"].startswith("Answer briefly.\n\n")


def test_generate_accessibility_with_terraform_outputs(
    runner: CliRunner, accessibility_dir: Path, tmp_path: Path
) -> None:
    outputs = tmp_path / "outputs.json"
    outputs.write_text(
        json.dumps(
            {"bucket_name": {"value": BUCKET}, "account_id": {"value": OWNER}, "data_prefix": {"value": "training"}}
        )
    )
    result = runner.invoke(
        cli,
        [
            "generate",
            "--preset",
            str(accessibility_dir / "preset-nova.toml"),
            "--tf-outputs",
            str(outputs),
            "--out",
            str(tmp_path / "out"),
            "--output",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads(result.output)["manifest"]
    assert (manifest["bucket"], manifest["bucket_owner"], manifest["prefix"]) == (
        BUCKET,
        OWNER,
        "training/accessibility",
    )


def test_validate_generated_accessibility_data(runner: CliRunner, accessibility_dir: Path, tmp_path: Path) -> None:
    runner.invoke(
        cli,
        [
            "generate",
            "--preset",
            str(accessibility_dir / "preset-nova.toml"),
            "--bucket",
            BUCKET,
            "--bucket-owner",
            OWNER,
            "--out",
            str(tmp_path / "out"),
        ],
    )
    result = runner.invoke(
        cli, ["validate", str(tmp_path / "out" / "train.jsonl"), str(tmp_path / "out" / "validation.jsonl")]
    )
    assert result.exit_code == 0, result.output
    assert "OK: 0 error(s)" in result.output


def test_validate_reports_problems_with_file_line_and_field(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "train.jsonl"
    path.write_text('{"prompt": "Q", "completion": 5}\n')
    result = runner.invoke(cli, ["validate", str(path), "--base-model", TITAN])
    assert result.exit_code == 1
    assert f"{path}:1: error: key-types [completion]" in result.output


def test_validate_json_output(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "train.jsonl"
    path.write_text('{"prompt": "Q", "completion": "A"}\n')
    result = runner.invoke(cli, ["validate", str(path), "--base-model", TITAN, "--output", "json"])
    assert json.loads(result.output)["ok"] is True


def test_main_exit_code_for_validation_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "train.jsonl"
    path.write_text("\n")
    assert main(["validate", str(path), "--base-model", TITAN]) == 1


def test_main_exit_code_for_an_unknown_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "train.jsonl"
    path.write_text('{"prompt": "Q", "completion": "A"}\n')
    assert main(["validate", str(path), "--base-model", "acme.x"]) == 2
    assert "known families" in capsys.readouterr().err


def test_main_exit_code_for_a_missing_source(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "generate",
            "--source",
            str(tmp_path / "none.jsonl"),
            "--base-model",
            TITAN,
            "--prompt-template",
            "{q}",
            "--response-template",
            "{a}",
            "--out",
            str(tmp_path / "out"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 3 and "Traceback" not in err and err.startswith("Error: ")


def test_main_exit_code_for_a_bad_record(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "d.jsonl").write_text('{"q": "x"}\n')
    code = main(
        [
            "generate",
            "--source",
            str(tmp_path / "d.jsonl"),
            "--base-model",
            TITAN,
            "--prompt-template",
            "{q}",
            "--response-template",
            "{a}",
            "--out",
            str(tmp_path / "out"),
        ]
    )
    assert code == 3 and "d.jsonl line 1, field 'a'" in capsys.readouterr().err


def test_main_skip_invalid_turns_the_bad_record_into_a_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "d.jsonl").write_text('{"q": "x"}\n{"q": "y", "a": "z"}\n')
    code = main(
        [
            "generate",
            "--source",
            str(tmp_path / "d.jsonl"),
            "--base-model",
            TITAN,
            "--skip-invalid",
            "--prompt-template",
            "{q}",
            "--response-template",
            "{a}",
            "--out",
            str(tmp_path / "out"),
        ]
    )
    assert code == 0 and "1 records skipped" in capsys.readouterr().out


def test_main_exit_code_for_images_without_a_bucket(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "d.jsonl").write_text('{"q": "x", "a": "y", "img": "a.png"}\n')
    code = main(
        [
            "generate",
            "--source",
            str(tmp_path / "d.jsonl"),
            "--base-model",
            NOVA,
            "--image-column",
            "img",
            "--prompt-template",
            "{q}",
            "--response-template",
            "{a}",
            "--out",
            str(tmp_path / "out"),
        ]
    )
    assert code == 4


def test_main_exit_code_for_a_bad_template(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "d.jsonl").write_text('{"q": "x"}\n')
    code = main(
        [
            "generate",
            "--source",
            str(tmp_path / "d.jsonl"),
            "--base-model",
            TITAN,
            "--prompt-template",
            "{q",
            "--response-template",
            "{a}",
            "--out",
            str(tmp_path / "out"),
        ]
    )
    assert code == 3 and "unmatched" in capsys.readouterr().err


def test_main_exit_code_when_generated_data_fails_validation(
    accessibility_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "generate",
            "--preset",
            str(accessibility_dir / "preset-llama32-vision.toml"),
            "--bucket",
            BUCKET,
            "--bucket-owner",
            OWNER,
            "--out",
            str(tmp_path / "out"),
        ]
    )
    captured = capsys.readouterr()
    assert code == 1 and "needs at least 100" in captured.out
    assert (tmp_path / "out" / "manifest.json").is_file()


def test_commands_are_registered() -> None:
    assert {"generate", "validate"} <= set(cli.commands)
