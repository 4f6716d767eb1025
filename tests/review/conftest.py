"""Shared helpers for the review tests: fixture paths and the checkov executable (skip, or fail under CI)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
BAD_POLICIES = FIXTURES / "policies" / "bad"
GOOD_POLICIES = FIXTURES / "policies" / "good"
PLANS = FIXTURES / "plans"
TERRAFORM = FIXTURES / "terraform"
REPO = Path(__file__).resolve().parents[2]


def checkov_or_skip() -> str:
    """$BEDROCK_FT_CHECKOV; skipped when unset, a failure instead when BEDROCK_FT_REQUIRE_CHECKOV=1 (CI)."""
    path = os.environ.get("BEDROCK_FT_CHECKOV")
    if path and Path(path).is_file():
        return path
    message = "checkov not available: set BEDROCK_FT_CHECKOV=/path/to/checkov (its own venv)"
    if os.environ.get("BEDROCK_FT_REQUIRE_CHECKOV") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def module_copy(tmp_path: Path) -> Path:
    """A copy of the repository's Terraform module (root *.tf and modules/), to mutate."""
    target = tmp_path / "module"
    target.mkdir()
    for tf in REPO.glob("*.tf"):
        shutil.copy(tf, target / tf.name)
    shutil.copytree(REPO / "modules", target / "modules", ignore=shutil.ignore_patterns(".terraform"))
    return target
