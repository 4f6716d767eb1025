"""The library's errors speak of settings, not flags; the command line adds the flag of each setting an error names."""

from __future__ import annotations

import ast
from pathlib import Path

import click
import pytest

from bedrock_ft.cli import main, output
from bedrock_ft.core.errors import BedrockFtError, UsageError

PACKAGE = Path(__file__).resolve().parents[2] / "scripts" / "bedrock_ft"
ERROR_CLASSES = {"BedrockFtError", "ChecksFailed", "UsageError", "InputError", "ConfigError", "AwsError", "JobFailed"}


def flag_texts(group: str) -> list[str]:
    """Strings naming a flag (``--x``) inside calls that build errors or notes, in the group's modules."""
    found = []
    for path in sorted((PACKAGE / group).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            if name not in ERROR_CLASSES and not name.endswith(("Error", "Failed")) and name != "append":
                continue
            for inner in ast.walk(node):
                if isinstance(inner, ast.Constant) and isinstance(inner.value, str) and "--" in inner.value:
                    text = inner.value
                    if any(f"--{c}" in text for c in "abcdefghijklmnopqrstuvwxyz"):
                        found.append(f"{path.relative_to(PACKAGE)}:{inner.lineno}: {text.strip()[:70]}")
    return found


@pytest.mark.parametrize(
    "group",
    [
        "core",
        "data",
        "review",
        "sandbox",
        "lifecycle",
        "job",
    ],
)
def test_library_errors_and_notes_name_no_flag(group: str) -> None:
    assert flag_texts(group) == []


def test_the_scan_finds_a_flag_in_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "m.py").write_text('raise UsageError("x", hint="pass --out DIR")\n', encoding="utf-8")
    monkeypatch.setattr(f"{__name__}.PACKAGE", tmp_path)
    assert flag_texts("bad") == ["bad/m.py:1: pass --out DIR"]


def test_an_error_lists_the_settings_it_is_about_first_the_main_one() -> None:
    error = UsageError("m", setting="base_model", settings=("data", "base_model"))
    assert error.settings == ("base_model", "data")


def test_an_error_about_no_setting_has_none() -> None:
    assert BedrockFtError("m").settings == ()


@click.command()
@click.argument("files", nargs=-1)
@click.option("--out", "out_dir")
@click.option("--format", "record_format")
@click.option("--hp", "hp", multiple=True)
def example(files: tuple[str, ...], out_dir: str, record_format: str, hp: tuple[str, ...]) -> None:
    """A command with options whose flags differ from their settings' names."""


@pytest.mark.parametrize(
    ("settings", "flags"),
    [
        (("out_dir",), ["--out"]),
        (("record_format",), ["--format"]),
        (("hyperparameters",), ["--hp"]),
        (("files",), ["FILES"]),
        (("out_dir", "no_such_setting", "record_format"), ["--out", "--format"]),
        ((), []),
    ],
)
def test_each_setting_becomes_the_flag_of_the_command_that_ran(settings: tuple[str, ...], flags: list[str]) -> None:
    assert output.flags_for(example, settings) == flags


def test_the_flags_are_appended_to_the_message_once() -> None:
    assert output.message_with_flags("no base model given", ["--base-model"]) == "no base model given (--base-model)"
    assert output.message_with_flags("--out x is a file", ["--out"]) == "--out x is a file"
    assert output.message_with_flags("m", []) == "m"


def test_a_library_error_on_the_command_line_names_the_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "d.jsonl").write_text('{"q": "x", "a": "y"}\n', encoding="utf-8")
    args = ["generate", "--source", str(tmp_path / "d.jsonl"), "--base-model", "amazon.titan-text-express-v1"]
    args += ["--prompt-template", "{q}", "--response-template", "{a}", "--out", str(tmp_path / "out")]
    assert main([*args, "--validation-split", "1.5"]) == 2
    assert capsys.readouterr().err == (
        "Error: validation_split 1.5 must be a fraction between 0 (none) and 1 (e.g. 0.1) (--validation-split)\n"
    )


def test_the_same_error_from_python_names_no_flag(tmp_path: Path) -> None:
    from bedrock_ft.data.generate import GenerateSettings, generate_dataset

    (tmp_path / "d.jsonl").write_text('{"q": "x", "a": "y"}\n', encoding="utf-8")
    settings = GenerateSettings(
        source=str(tmp_path / "d.jsonl"),
        base_model="amazon.titan-text-express-v1",
        prompt_template="{q}",
        response_template="{a}",
        out_dir=tmp_path / "out",
        validation_split=1.5,
    )
    with pytest.raises(UsageError) as caught:
        generate_dataset(settings)
    assert "--" not in str(caught.value) and caught.value.settings == ("validation_split",)


@click.group()
def outer() -> None:
    """A group holding a group, as `bedrock-ft sandbox up`."""


@outer.group()
def sandbox() -> None:
    """The inner group."""


@sandbox.command()
@click.option("--port", "port")
def up(port: str) -> None:
    """The inner command."""


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["sandbox", "up", "--port", "1"], "sandbox up"),
        (["sandbox", "--help"], "sandbox"),
        (["nothing"], ""),
        ([], ""),
    ],
)
def test_the_command_words_are_read_from_the_arguments(argv: list[str], words: str) -> None:
    assert output.resolve(outer, argv)[0] == words


def test_the_flag_of_a_setting_is_found_in_a_nested_command() -> None:
    _, command = output.resolve(outer, ["sandbox", "up"])
    assert output.flags_for(command, ["port"]) == ["--port"]
