"""Test-wide rules: never reach AWS or the Hugging Face hub.

Fake credentials and a region are set before anything imports boto3, and the hub is put offline before anything
imports datasets, so no test can call out even by mistake.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

_OFFLINE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_OFFLINE": "1",
}
os.environ.update(_OFFLINE_ENV)
for _name in (
    "AWS_PROFILE",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_ENDPOINT_URL",
    "BEDROCK_FT_TF_OUTPUTS",
    "BEDROCK_FT_TF_DIR",
):
    os.environ.pop(_name, None)

REPO_ROOT = Path(__file__).resolve().parent.parent
ENV_REQUIRE_CHECKOV = "BEDROCK_FT_REQUIRE_CHECKOV"


def checkov_or_skip() -> str:
    """The checkov executable the review tool would use: $BEDROCK_FT_CHECKOV, else checkov on PATH, else beside the
    interpreter running the tests (bedrock_ft.review.checkov_runner.find_checkov; never from the current folder).

    checkov lives in its own virtual environment (its hcl2 is not python-hcl2 8.x), so tests run it as a program.
    Tests that review a folder with it review a copy outside the repository, since the review refuses a checkov
    inside the folder it reviews. Without one the test is skipped, or fails when BEDROCK_FT_REQUIRE_CHECKOV=1 (CI
    sets it).
    """
    from bedrock_ft.core.errors import ConfigError
    from bedrock_ft.review.checkov_runner import INSTALL_HINT, find_checkov

    try:
        choice = find_checkov()
    except ConfigError as exc:
        pytest.fail(str(exc))
    if choice.executable is not None:
        return choice.executable
    message = f"checkov not found ({choice.reason}): install it in its own environment with `{INSTALL_HINT}`"
    if os.environ.get(ENV_REQUIRE_CHECKOV) == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def checkov_executable() -> str:
    """checkov's path for tests that run it; see checkov_or_skip."""
    return checkov_or_skip()


@pytest.fixture(autouse=True)
def _offline_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Re-assert the offline environment for every test, with a private Hugging Face cache."""
    for name, value in _OFFLINE_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))


@pytest.fixture
def repo_root() -> Path:
    return REPO_ROOT
