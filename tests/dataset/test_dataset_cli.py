"""The generate and validate commands through click's CliRunner, and exit codes through bedrock_ft.cli.main."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from bedrock_ft.cli import cli, main
from helpers.dataset_helpers import BUCKET, NOVA, OWNER, TITAN

JSON = ("--output", "json")
IMAGES_TO_BUCKET = ("--bucket", BUCKET, "--bucket-owner", OWNER)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def preset_args(preset: Path, out: Path, *extra: str) -> list[str]:
    """generate with a preset, writing to ``out``."""
    return ["generate", "--preset", str(preset), "--out", str(out), *extra]


def source_args(source: Path, out: Path, *extra: str, model: str = TITAN, prompt: str = "{q}") -> list[str]:
    """generate ``source`` (records with q and a) into ``out``: the prompt is {q}, the response {a}."""
    return [
        "generate",
        "--source",
        str(source),
        "--base-model",
        model,
        "--prompt-template",
        prompt,
        "--response-template",
        "{a}",
        "--out",
        str(out),
        *extra,
    ]


def test_generate_qa_sample_prints_a_summary(runner: CliRunner, qa_dir: Path, tmp_path: Path) -> None:
    result = runner.invoke(cli, preset_args(qa_dir / "preset-prompt-completion.toml", tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert "43 training and 5 validation records" in result.output and "OK: 0 errors" in result.output


def test_generate_json_output_is_the_result_document(runner: CliRunner, qa_dir: Path, tmp_path: Path) -> None:
    result = runner.invoke(cli, preset_args(qa_dir / "preset-prompt-completion.toml", tmp_path / "out", *JSON))
    document = json.loads(result.output)
    assert document["ok"] is True and document["manifest"]["counts"]["train"] == 43


def test_generate_flags_override_the_preset(runner: CliRunner, qa_dir: Path, tmp_path: Path) -> None:
    extra = ("--base-model", "cohere.command-light-text-v14", "--validation-split", "0.25", *JSON)
    result = runner.invoke(cli, preset_args(qa_dir / "preset-prompt-completion.toml", tmp_path / "out", *extra))
    manifest = json.loads(result.output)["manifest"]
    assert (manifest["family"], manifest["counts"]["validation"]) == ("cohere-command-light", 12)


def test_generate_system_from_a_file(runner: CliRunner, qa_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "sys.txt").write_text("Answer briefly.")
    system = ("--system", f"@{tmp_path / 'sys.txt'}")
    result = runner.invoke(cli, preset_args(qa_dir / "preset-prompt-completion.toml", tmp_path / "out", *system))
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
    extra = ("--tf-outputs", str(outputs), *JSON)
    result = runner.invoke(cli, preset_args(accessibility_dir / "preset-nova.toml", tmp_path / "out", *extra))
    assert result.exit_code == 0, result.output
    manifest = json.loads(result.output)["manifest"]
    assert (manifest["bucket"], manifest["bucket_owner"], manifest["prefix"]) == (
        BUCKET,
        OWNER,
        f"training/accessibility/{manifest['digest'][:16]}",
    )


def test_validate_generated_accessibility_data(runner: CliRunner, accessibility_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    runner.invoke(cli, preset_args(accessibility_dir / "preset-nova.toml", out, *IMAGES_TO_BUCKET))
    result = runner.invoke(cli, ["validate", str(out / "train.jsonl"), str(out / "validation.jsonl")])
    assert result.exit_code == 0, result.output
    assert "OK: 0 errors" in result.output


def test_validate_reports_problems_with_file_line_and_field(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "train.jsonl"
    path.write_text('{"prompt": "Q", "completion": 5}\n')
    result = runner.invoke(cli, ["validate", str(path), "--base-model", TITAN])
    assert result.exit_code == 1
    assert f"{path}:1: error: key-types [completion]" in result.output


def test_validate_json_output(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "train.jsonl"
    path.write_text('{"prompt": "Q", "completion": "A"}\n')
    result = runner.invoke(cli, ["validate", str(path), "--base-model", TITAN, *JSON])
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


# A user mistake: (source file name, its bytes or None for no file, more options, model, prompt template)
# -> the exit code and a piece of the one-line message.
USER_MISTAKES = {
    "missing source": ("none.jsonl", None, (), TITAN, "{q}", 3, "none.jsonl does not exist"),
    "bad record": ("d.jsonl", b'{"q": "x"}\n', (), TITAN, "{q}", 3, "d.jsonl line 1, field 'a'"),
    "images without a bucket": (
        "d.jsonl",
        b'{"q": "x", "a": "y", "img": "a.png"}\n',
        ("--image-column", "img"),
        NOVA,
        "{q}",
        4,
        "bucket",
    ),
    "unclosed brace": ("d.jsonl", b'{"q": "x"}\n', (), TITAN, "{q", 3, "unmatched"),
    "system file missing": ("d.jsonl", b'{"q": "x"}\n', ("--system", "@no-such.txt"), TITAN, "{q}", 3, "no-such.txt"),
    "validation split of 1": ("d.jsonl", b'{"q": "x"}\n', ("--validation-split", "1"), TITAN, "{q}", 2, "between 0"),
    "missing preset": ("d.jsonl", b'{"q": "x"}\n', ("--preset", "no-such.toml"), TITAN, "{q}", 3, "no-such.toml"),
    "CSV not in UTF-8": ("d.csv", b"q,a\n\xff\xfe,b\n", (), TITAN, "{q}", 3, "d.csv line 2"),
    "JSONL not in UTF-8": ("d.jsonl", b'{"q": "\xff", "a": "b"}\n', (), TITAN, "{q}", 3, "d.jsonl line 1"),
}


@pytest.mark.parametrize(
    ("name", "content", "extra", "model", "prompt", "code", "message"),
    list(USER_MISTAKES.values()),
    ids=list(USER_MISTAKES),
)
def test_main_user_mistake_is_one_line_with_its_exit_code(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    content: bytes | None,
    extra: tuple[str, ...],
    model: str,
    prompt: str,
    code: int,
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    if content is not None:
        (tmp_path / name).write_bytes(content)
    result = main(source_args(tmp_path / name, tmp_path / "out", *extra, model=model, prompt=prompt))
    err = capsys.readouterr().err
    assert (result, err.count("\n")) == (code, 1), err
    assert err.startswith("Error: ") and message in err
    assert "Traceback" not in err


def test_main_out_folder_that_cannot_be_created(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "d.jsonl").write_text('{"q": "x", "a": "y"}\n')
    (tmp_path / "file").write_text("not a folder")
    assert main(source_args(tmp_path / "d.jsonl", tmp_path / "file" / "out")) == 2
    err = capsys.readouterr().err
    assert err.startswith("Error: the output folder") and "(--out)" in err and "Traceback" not in err


def test_main_skip_invalid_turns_the_bad_record_into_a_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "d.jsonl").write_text('{"q": "x"}\n{"q": "y", "a": "z"}\n')
    code = main(source_args(tmp_path / "d.jsonl", tmp_path / "out", "--skip-invalid"))
    assert code == 0 and "1 record skipped:" in capsys.readouterr().out


def test_main_exit_code_when_generated_data_fails_validation(
    accessibility_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(preset_args(accessibility_dir / "preset-llama32-vision.toml", tmp_path / "out", *IMAGES_TO_BUCKET))
    captured = capsys.readouterr()
    assert code == 1 and "needs at least 100" in captured.out
    assert (tmp_path / "out" / "manifest.json").is_file()


def test_commands_are_registered() -> None:
    assert {"generate", "validate"} <= set(cli.list_commands(click.Context(cli)))


ENVELOPE_KEYS = {"ok", "command", "schema_version"}  # docs/output.md; tests/cli/test_output_contract.py checks it
GENERATE_JSON_KEYS = ENVELOPE_KEYS | {
    "out_dir",
    "manifest_path",
    "manifest",
    "skipped",
    "conversions",
    "notes",
    "validation",
}
VALIDATE_JSON_KEYS = ENVELOPE_KEYS | {
    "errors",
    "warnings",
    "record_format",
    "base_model",
    "family",
    "files",
    "images_checked",
    "by_rule",
    "problems",
    "problems_omitted",
    "notes",
}


def test_json_documents_have_the_documented_keys(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "d.jsonl").write_text('{"q": "x"}\n{"q": "y", "a": "z"}\n')
    generated = json.loads(
        runner.invoke(cli, source_args(tmp_path / "d.jsonl", tmp_path / "out", "--skip-invalid", *JSON)).output
    )
    validated = json.loads(runner.invoke(cli, ["validate", str(tmp_path / "out" / "train.jsonl"), *JSON]).output)
    assert set(generated) == GENERATE_JSON_KEYS and set(validated) == VALIDATE_JSON_KEYS
    assert generated["validation"] == {k: v for k, v in validated.items() if k not in ENVELOPE_KEYS - {"ok"}}
    assert set(generated["skipped"][0]) == {"record", "field", "reason"}
    assert set(validated["files"][0]) == {"path", "role", "records", "lines"}
    for command in ("generate", "validate"):
        help_text = runner.invoke(cli, [command, "--help"]).output
        assert "--output json prints one document" in help_text


def test_generate_media_root_admits_images_in_a_named_folder(
    runner: CliRunner, tmp_path: Path, make_image, write_jsonl
) -> None:
    shared = make_image("shared/pics/a.png")
    source = write_jsonl("src/data.jsonl", [{"q": f"Q{i}", "a": f"A{i}", "image": str(shared)} for i in range(8)])
    args = source_args(source, tmp_path / "out", "--image-column", "image", *IMAGES_TO_BUCKET, model=NOVA)
    refused = runner.invoke(cli, args)
    assert refused.exit_code != 0 and "is outside the dataset folder" in str(refused.exception)
    admitted = runner.invoke(cli, [*args, "--media-root", str(tmp_path / "shared"), *JSON])
    assert admitted.exit_code == 0, admitted.output
    assert json.loads(admitted.output)["manifest"]["counts"]["images"] == 1
