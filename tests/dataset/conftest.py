"""Fixtures for the dataset half: tiny images and JSONL files in a temporary folder, the repository's samples."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from helpers.dataset_helpers import image_bytes


@pytest.fixture
def make_image(tmp_path: Path) -> Callable[..., Path]:
    """Write an image file: make_image("a.png", fmt="PNG", size=(40, 30), mode="RGB")."""

    def make(
        name: str, *, fmt: str = "PNG", size: tuple[int, int] = (40, 30), mode: str = "RGB", color: Any = (200, 30, 30)
    ) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(image_bytes(fmt, size, mode, color))
        return path

    return make


@pytest.fixture
def write_jsonl(tmp_path: Path) -> Callable[..., Path]:
    def write(name: str, records: list[Any], *, raw_lines: list[str] | None = None) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = [json.dumps(r) for r in records] if raw_lines is None else raw_lines
        path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        return path

    return write


@pytest.fixture
def qa_dir(repo_root: Path) -> Path:
    return repo_root / "dataset" / "qa"


@pytest.fixture
def accessibility_dir(repo_root: Path) -> Path:
    return repo_root / "dataset" / "accessibility"
