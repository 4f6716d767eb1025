"""Shared fixtures of the Terraform module's static tests.

The module is read once per session with :mod:`bedrock_ft.core.terraform_hcl` (python-hcl2). ``mutated`` writes a copy
of the module with one file edited through its parsed structure (helpers.hcl_edit) to a temporary folder and reads
it back, so a test can show that its check fails on a broken module; the edit names what it breaks, not the text it
replaces, so it works as well on ``reworded_module`` (the same module written differently).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from bedrock_ft.core import terraform_hcl
from helpers.hcl_edit import Edit, edit_file, reword

REPO_ROOT = Path(__file__).resolve().parents[2]
# The Terraform parts of the repository: the root module, its submodules and the examples.
MODULE_PARTS = ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "data.tf", "locals.tf", "modules", "examples")
# Folders of the repository that hold no part of the module (tests may keep broken .tf fixtures).
NOT_MODULE = ("tests", "scripts", "benchmarks", "dataset", "docs", "build", "dist", "out")

Files = Mapping[str, Mapping[str, Any]]
Mutator = Callable[..., Files]


def load(root: Path) -> Files:
    return terraform_hcl.load_module(root, exclude=NOT_MODULE)


def copy_module(destination: Path, source: Path = REPO_ROOT) -> Path:
    """Copy the module's Terraform files (root, modules/, examples/) from ``source`` to ``destination``."""
    destination.mkdir(parents=True, exist_ok=True)
    for part in MODULE_PARTS:
        path = source / part
        if path.is_dir():
            shutil.copytree(path, destination / part)
        elif path.is_file():
            shutil.copy2(path, destination / part)
    return destination


@pytest.fixture(scope="session")
def tf() -> Files:
    """Every .tf file of the module, parsed, keyed by path relative to the repository root."""
    return load(REPO_ROOT)


@pytest.fixture
def tf_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def reworded_module(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the module written differently (arguments reordered, another layout, comments added) that says
    exactly the same: helpers.hcl_edit.reword on every file."""
    root = copy_module(tmp_path_factory.mktemp("reworded") / "module")
    for path in sorted(root.rglob("*.tf")):
        reword(path)
    return root


@pytest.fixture
def mutated(tmp_path: Path) -> Mutator:
    """``mutated(path, edit, source=REPO_ROOT)``: a copy of the module (of ``source``) with ``edit`` applied to the
    parsed file ``path`` (helpers.hcl_edit.TfFile), parsed again."""
    copies = iter(range(1_000_000))

    def apply(rel: str, edit: Edit, *, source: Path = REPO_ROOT) -> Files:
        root = copy_module(tmp_path / f"module-{next(copies)}", source)
        edit_file(root / rel, edit)
        return load(root)

    return apply
