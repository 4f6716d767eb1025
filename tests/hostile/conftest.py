"""Fixtures of the hostile-dataset suite; the builders are in helpers/hostile_helpers.py."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from helpers.hostile_helpers import Scene, png_bytes


@pytest.fixture
def scene(tmp_path: Path) -> Scene:
    root = tmp_path / "scene"  # tmp_path also holds the test's private Hugging Face cache
    root.mkdir()
    return Scene(root)


@pytest.fixture
def saved_dataset_with_path(tmp_path: Path) -> Callable[[Path, str], Path]:
    """A save_to_disk folder whose image feature holds {"bytes": None, "path": PATH} (save_to_disk itself would
    embed the bytes, so the struct is saved first and then declared an Image, as a hostile author could)."""

    def make(folder: Path, path: str) -> Path:
        from datasets import Dataset, Features, Value

        rows = 9
        dataset = Dataset.from_dict(
            {
                "image": [{"bytes": png_bytes(), "path": "ok.png"}] * rows + [{"bytes": None, "path": path}],
                "q": [f"Question {i}?" for i in range(rows + 1)],
                "a": [f"Answer {i}." for i in range(rows + 1)],
            },
            features=Features(
                {
                    "image": {"bytes": Value("binary"), "path": Value("string")},
                    "q": Value("string"),
                    "a": Value("string"),
                }
            ),
        )
        dataset.save_to_disk(str(folder))
        info_path = folder / "dataset_info.json"
        info = json.loads(info_path.read_text(encoding="utf-8"))
        info["features"]["image"] = {"_type": "Image"}
        info_path.write_text(json.dumps(info), encoding="utf-8")
        return folder

    return make
