"""Deeply nested JSON in the readers outside the data path: a clear error, never a RecursionError traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from bedrock_ft.core.errors import InputError
from bedrock_ft.core.iam_documents import load_document
from bedrock_ft.data.presets import load_preset
from bedrock_ft.job.upload import parse_manifest_bytes

DEEP = "[" * 200_000 + "]" * 200_000


def test_a_deeply_nested_preset_is_an_input_error(tmp_path: Path) -> None:
    preset = tmp_path / "preset.json"
    preset.write_text(DEEP, encoding="utf-8")
    with pytest.raises(InputError, match="not valid JSON"):
        load_preset(preset)


def test_a_preset_with_an_overlong_integer_is_an_input_error(tmp_path: Path) -> None:
    preset = tmp_path / "preset.json"
    preset.write_text('{"seed": ' + "9" * 10_000 + "}", encoding="utf-8")
    with pytest.raises(InputError, match="not valid JSON"):
        load_preset(preset)


def test_a_deeply_nested_policy_document_is_an_input_error() -> None:
    with pytest.raises(InputError, match="not JSON"):
        load_document(DEEP, source="role policy")


def test_a_deeply_nested_manifest_is_an_input_error() -> None:
    with pytest.raises(InputError, match="cannot read"):
        parse_manifest_bytes(DEEP.encode(), "manifest.json")
