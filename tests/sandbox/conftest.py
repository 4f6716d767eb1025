"""Fixtures of the sandbox tests: the infrastructure the sandbox creates in moto (in-process), built once per module.

Tests that only read what the sandbox created share one build: ``sandbox_account`` puts moto's state back to the
freshly built one before each test (helpers.aws_fixtures.EmulatorSnapshot), so they stay independent.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws

from bedrock_ft.job.session import AwsSession, make_session
from helpers.aws_fixtures import REGION, EmulatorSnapshot, build_emulated_account


@pytest.fixture(scope="module")
def _sandbox_built() -> Iterator[tuple[dict[str, Any], EmulatorSnapshot]]:
    with mock_aws():
        yield build_emulated_account(sample_data=False)


@pytest.fixture
def sandbox_account(_sandbox_built: tuple[dict[str, Any], EmulatorSnapshot]) -> tuple[AwsSession, dict[str, Any]]:
    """(a new session, the outputs) of the sandbox's default infrastructure (no flow logs), as just built."""
    values, snapshot = _sandbox_built
    snapshot.restore()
    return make_session(REGION), dict(values)
