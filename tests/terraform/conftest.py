"""Shared fixtures of the Terraform module's static tests.

The module is read once per session with :mod:`bedrock_ft.core.terraform_hcl` (python-hcl2). ``mutated`` writes a copy
of the module with one text edit to a temporary folder and reads it back, so a test can show that its check fails
on a broken module.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from bedrock_ft.core import terraform_hcl

REPO_ROOT = Path(__file__).resolve().parents[2]
# The Terraform parts of the repository: the root module, its submodules and the examples.
MODULE_PARTS = ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "data.tf", "locals.tf", "modules", "examples")
# Folders of the repository that hold no part of the module (tests may keep broken .tf fixtures).
NOT_MODULE = ("tests", "scripts", "benchmarks", "dataset", "docs", "build", "dist", "out")

Files = Mapping[str, Mapping[str, Any]]
Mutator = Callable[..., Files]


def load(root: Path) -> Files:
    return terraform_hcl.load_module(root, exclude=NOT_MODULE)


def copy_module(destination: Path) -> Path:
    """Copy the module's Terraform files (root, modules/, examples/) to ``destination``."""
    destination.mkdir(parents=True, exist_ok=True)
    for part in MODULE_PARTS:
        source = REPO_ROOT / part
        if source.is_dir():
            shutil.copytree(source, destination / part)
        elif source.is_file():
            shutil.copy2(source, destination / part)
    return destination


@pytest.fixture(scope="session")
def tf() -> Files:
    """Every .tf file of the module, parsed, keyed by path relative to the repository root."""
    return load(REPO_ROOT)


@pytest.fixture
def tf_root() -> Path:
    return REPO_ROOT


@pytest.fixture
def mutated(tmp_path: Path) -> Mutator:
    """``mutated(path, old, new, count=1)``: the module with ``old`` replaced by ``new`` in one file, parsed."""

    def apply(rel: str, old: str, new: str, *, count: int = 1) -> Files:
        root = copy_module(tmp_path / "module")
        target = root / rel
        text = target.read_text(encoding="utf-8")
        assert old in text, f"the mutation's anchor {old!r} is not in {rel}: update the test"
        target.write_text(text.replace(old, new, count), encoding="utf-8")
        return load(root)

    return apply
