"""README's "what can be customized how and where" block is the model table's rendering."""

from __future__ import annotations

from pathlib import Path

import pytest

from bedrock_ft.core.errors import InputError
from bedrock_ft.core.model_table import BEGIN_MARKER, END_MARKER, block, current_block, markdown_table, rewrite
from bedrock_ft.core.models import MODELS

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_model_table_matches_the_model_table() -> None:
    found = current_block(README.read_text(encoding="utf-8"))
    assert found is not None, f"README.md has lost the markers {BEGIN_MARKER} / {END_MARKER}"
    assert found == block(), "README.md's model table is stale: run python -m bedrock_ft.core.model_table README.md"


def test_every_model_and_identifier_is_in_the_rendering() -> None:
    table = markdown_table()
    for spec in MODELS:
        assert spec.display_name in table
        for model_id in spec.model_ids:
            assert f"`{model_id}`" in table


def test_legacy_models_are_marked_in_the_rendering() -> None:
    rows = [line for line in markdown_table().splitlines() if "Titan Text" in line and "LEGACY" in line]
    assert rows


def test_every_table_row_has_as_many_cells_as_its_header() -> None:
    for section in markdown_table().split("\n\n"):
        lines = section.strip().splitlines()
        widths = {line.replace("\\|", "").count("|") for line in lines}
        assert len(widths) == 1, lines[0]


def test_rewrite_replaces_a_stale_block_and_keeps_the_rest(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"before\n{BEGIN_MARKER}\nSTALE-ROW\n{END_MARKER}\nafter\n", encoding="utf-8")
    assert rewrite(readme) is True
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("before\n") and text.endswith("\nafter\n") and "STALE-ROW" not in text
    assert rewrite(readme) is False


def test_rewrite_refuses_a_file_without_markers(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("no markers\n", encoding="utf-8")
    with pytest.raises(InputError, match="markers"):
        rewrite(readme)
