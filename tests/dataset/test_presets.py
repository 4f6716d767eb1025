"""Presets: TOML and JSON, @file system prompts, unknown keys, and flags overriding preset values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bedrock_ft.core.errors import InputError
from bedrock_ft.data.generate import GenerateSettings
from bedrock_ft.data.presets import load_preset, resolve_text


def test_toml_preset_loads(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text('base_model = "amazon.nova-lite-v1:0"\nprompt_template = "{q}"\nvalidation_split = 0.2\nseed = 3\n')
    preset = load_preset(path)
    assert (preset.base_model, preset.prompt_template, preset.validation_split, preset.seed) == (
        "amazon.nova-lite-v1:0",
        "{q}",
        0.2,
        3,
    )


def test_json_preset_loads(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"response_template": "{a}", "image_column": "img"}))
    preset = load_preset(path)
    assert (preset.response_template, preset.image_column) == ("{a}", "img")


def test_system_at_file_is_read_relative_to_the_preset(tmp_path: Path) -> None:
    (tmp_path / "sys.txt").write_text("Be brief.\n")
    path = tmp_path / "p.toml"
    path.write_text('system = "@sys.txt"\n')
    assert load_preset(path).system == "Be brief."


def test_source_is_resolved_relative_to_the_preset(tmp_path: Path) -> None:
    (tmp_path / "data.jsonl").write_text("{}\n")
    path = tmp_path / "p.toml"
    path.write_text('source = "data.jsonl"\n')
    assert load_preset(path).source == str(tmp_path / "data.jsonl")


def test_unknown_key_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text('prompt = "x"\n')
    with pytest.raises(InputError, match=r"unknown key.*prompt"):
        load_preset(path)


def test_wrong_type_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text("prompt_template = 3\n")
    with pytest.raises(InputError, match="prompt_template must be a string"):
        load_preset(path)


def test_broken_toml_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text("prompt_template = \n")
    with pytest.raises(InputError, match="not valid TOML"):
        load_preset(path)


def test_missing_preset_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        load_preset(tmp_path / "nope.toml")


def test_flags_override_preset_values(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text('base_model = "amazon.nova-lite-v1:0"\nprompt_template = "{q}"\nformat = "prompt-completion"\n')
    settings = GenerateSettings(base_model="meta.llama3-1-8b-instruct-v1:0").with_preset(load_preset(path))
    assert settings.base_model == "meta.llama3-1-8b-instruct-v1:0"
    assert settings.prompt_template == "{q}"
    assert settings.record_format == "prompt-completion"
    assert settings.preset == str(path)


def test_resolve_text_reads_at_file(tmp_path: Path) -> None:
    (tmp_path / "s.txt").write_text("hello")
    assert resolve_text(f"@{tmp_path / 's.txt'}") == "hello"


def test_resolve_text_keeps_plain_text() -> None:
    assert resolve_text("plain") == "plain"


def test_resolve_text_double_at_escapes() -> None:
    assert resolve_text("@@handle") == "@handle"


def test_resolve_text_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        resolve_text(f"@{tmp_path / 'none.txt'}")
