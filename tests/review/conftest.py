"""Shared helpers for the review tests: fixture paths and a copy of the module to mutate."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
BAD_POLICIES = FIXTURES / "policies" / "bad"
GOOD_POLICIES = FIXTURES / "policies" / "good"
PLANS = FIXTURES / "plans"
TERRAFORM = FIXTURES / "terraform"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def module_copy(tmp_path: Path) -> Path:
    """A copy of the repository's Terraform module (root *.tf and modules/), to mutate."""
    target = tmp_path / "module"
    target.mkdir()
    for tf in REPO.glob("*.tf"):
        shutil.copy(tf, target / tf.name)
    shutil.copytree(REPO / "modules", target / "modules", ignore=shutil.ignore_patterns(".terraform"))
    return target
