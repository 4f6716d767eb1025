"""Start-up: `bedrock-ft --help`, `validate` and `generate` load neither boto3 nor the job, review or sandbox modules.

Each case runs in a fresh interpreter (a subprocess), through the console script's entry point, and lists what is in
``sys.modules`` afterwards.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("boto3", "botocore", "bedrock_ft.job", "bedrock_ft.review", "bedrock_ft.sandbox", "bedrock_ft.lifecycle")

SCRIPT = """
import json, sys
from bedrock_ft.cli import main
code = main(json.loads(sys.argv[1]))
heavy = tuple(json.loads(sys.argv[2]))
loaded = sorted(m for m in sys.modules if any(m == h or m.startswith(h + ".") for h in heavy))
sys.stderr.write(json.dumps({"code": code, "loaded": loaded}) + "\\n")
"""


def loaded_after(argv: list[str], cwd: Path, heavy: tuple[str, ...] = HEAVY) -> tuple[int, list[str]]:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(argv), json.dumps(heavy)],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
        timeout=120,
    )
    report = json.loads(result.stderr.strip().splitlines()[-1])
    return int(report["code"]), list(report["loaded"])


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()  # no bedrock-ft.toml above the test's folder is read
    (tmp_path / "qa.jsonl").write_text('{"q": "What?", "a": "That."}\n' * 3, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["validate", "--help"],
        ["generate", "--help"],
        ["review", "--help"],
    ],
    ids=" ".join,
)
def test_help_loads_no_aws_sdk_and_no_job_review_or_sandbox_module(argv: list[str], dataset: Path) -> None:
    code, loaded = loaded_after(argv, dataset)
    assert code == 0
    assert loaded == []


def test_generate_and_validate_run_without_loading_them(dataset: Path) -> None:
    generate = ["generate", "--source", "qa.jsonl", "--base-model", "amazon.titan-text-express-v1"]
    generate += ["--prompt-template", "{q}", "--response-template", "{a}", "--out", "out"]
    assert loaded_after(generate, dataset) == (0, [])
    assert loaded_after(["validate", "out/train.jsonl"], dataset) == (0, [])


def test_validate_loads_neither_the_generator_nor_pillow(dataset: Path) -> None:
    turns = [{"role": "user", "content": [{"text": "What?"}]}, {"role": "assistant", "content": [{"text": "That."}]}]
    record = {"schemaVersion": "bedrock-conversation-2024", "messages": turns}
    (dataset / "train.jsonl").write_text((json.dumps(record) + "\n") * 10, encoding="utf-8")
    argv = ["validate", "train.jsonl", "--base-model", "amazon.nova-lite-v1:0"]
    assert loaded_after(argv, dataset, ("bedrock_ft.data.generate", "bedrock_ft.data.images", "PIL")) == (0, [])


def test_the_check_can_see_a_heavy_import(dataset: Path) -> None:
    """The same probe reports boto3 when a command does load it, so the tests above can fail."""
    _, loaded = loaded_after(["status", "x", "--tf-outputs", "missing.json"], dataset)
    assert "bedrock_ft.job" in loaded


def test_review_offers_the_reviewers_severities_lowest_first() -> None:
    from bedrock_ft.cli.review_command import SEVERITIES
    from bedrock_ft.review.findings import Severity

    assert [s.value for s in (Severity.LOW, Severity.MEDIUM, Severity.HIGH)] == SEVERITIES
    assert set(SEVERITIES) <= {s.value for s in Severity}


def test_every_registered_command_loads_under_its_name() -> None:
    import click

    from bedrock_ft.cli import COMMANDS, cli

    ctx = click.Context(cli)
    for name in COMMANDS:
        command = cli.get_command(ctx, name)
        assert command is not None and command.name == name, name


def test_an_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    from bedrock_ft.cli import main

    assert main(["no-such-command"]) == 2
    assert "No such command" in capsys.readouterr().err
