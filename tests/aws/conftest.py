"""Fixtures for the AWS units: moto in-process, with the module's infrastructure created by the sandbox code.

The infrastructure is built once per test session (helpers.aws_fixtures.build_emulated_account) and its state saved;
each test module runs inside its own mock_aws, and every test starts from the saved state, put back just before it
(EmulatorSnapshot.restore), with its own session and clients. So a test sees exactly what a freshly built account
holds whichever tests ran before it, alone or in any order, without paying to build it again.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

from bedrock_ft.core.tf_outputs import to_terraform_json
from bedrock_ft.job.session import make_session
from helpers.aws_fixtures import REGION, Account, EmulatorSnapshot, build_emulated_account


@pytest.fixture(scope="session")
def _built_account() -> tuple[dict[str, Any], EmulatorSnapshot]:
    """The module's outputs and the emulator's state right after building it, once for the whole session."""
    with mock_aws():
        return build_emulated_account()


@pytest.fixture(scope="module")
def _emulator(_built_account: tuple[dict[str, Any], EmulatorSnapshot]) -> Iterator[None]:
    """moto in-process for the whole module (every AWS call of its tests stays in this process)."""
    with mock_aws():
        yield


@pytest.fixture
def account(_emulator: None, _built_account: tuple[dict[str, Any], EmulatorSnapshot]) -> Account:
    """A freshly built account: the saved state put back, a new session (no client shared with another test)."""
    values, snapshot = _built_account
    snapshot.restore()
    return Account(session=make_session(REGION), values=copy.deepcopy(values))


@pytest.fixture
def outputs_file(account: Account, tmp_path: Path) -> Path:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(to_terraform_json(account.values)), encoding="utf-8")
    return path
