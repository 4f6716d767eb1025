"""The project's own files: the license the package declares, a changelog with an Unreleased section, and pre-commit
hooks that run the same fast checks as CI (.ci/run), as local hooks that download nothing."""

from __future__ import annotations

import hashlib
import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
# MD5 of https://www.apache.org/licenses/LICENSE-2.0.txt, the full text with its appendix.
APACHE_2_MD5 = "3b83ef96387f14655fc854ddc3c6bd57"
# The lines of .ci/run that are fast checks of the tree (everything else there installs, scans or tests).
CI_CHECK = re.compile(r"^(\.venv/bin/ruff |\.venv/bin/mypy\b|terraform fmt )")


def _hooks(config: dict[str, Any]) -> list[dict[str, Any]]:
    return [hook for repo in config["repos"] for hook in repo["hooks"]]


def _ci_checks(script: str) -> set[str]:
    return {" ".join(shlex.split(line.strip())) for line in script.splitlines() if CI_CHECK.match(line.strip())}


def hook_problems(config: dict[str, Any], ci_script: str) -> list[str]:
    """How the pre-commit configuration differs from the fast checks of CI, or downloads something."""
    problems = [f"repo {repo['repo']} is not local" for repo in config["repos"] if repo["repo"] != "local"]
    hooks = _hooks(config)
    problems += [
        f"hook {h['id']} is language {h.get('language')}, not system" for h in hooks if h.get("language") != "system"
    ]
    entries = {" ".join(shlex.split(h["entry"])) for h in hooks}
    ci = _ci_checks(ci_script)
    problems += [f"CI runs {command!r} and no hook does" for command in sorted(ci - entries)]
    problems += [f"a hook runs {command!r} and CI does not" for command in sorted(entries - ci)]
    return problems


def _config() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    return loaded


def _ci_script() -> str:
    return (REPO / ".ci" / "run").read_text(encoding="utf-8")


def test_license_is_the_apache_2_text_the_package_declares() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == {"text": "Apache-2.0"}
    assert hashlib.md5((REPO / "LICENSE").read_bytes()).hexdigest() == APACHE_2_MD5


def test_changelog_starts_with_an_unreleased_section() -> None:
    text = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    sections = re.findall(r"^## (.+)$", text, re.M)
    assert sections and sections[0] == "Unreleased"


def test_ci_runs_the_formatter_and_mypy_on_the_library() -> None:
    checks = _ci_checks(_ci_script())
    assert ".venv/bin/ruff format --check scripts tests benchmarks" in checks
    assert ".venv/bin/mypy" in checks
    mypy = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]
    assert mypy["strict"] is True and mypy["packages"] == ["bedrock_ft"]


def test_pre_commit_runs_the_fast_checks_ci_runs_and_downloads_nothing() -> None:
    assert hook_problems(_config(), _ci_script()) == []


def test_a_check_ci_gained_without_a_hook_is_caught() -> None:
    script = _ci_script() + "\n.venv/bin/ruff check --select S scripts\n"
    assert hook_problems(_config(), script) == ["CI runs '.venv/bin/ruff check --select S scripts' and no hook does"]


def test_a_hook_from_a_remote_repository_is_caught() -> None:
    config = _config()
    config["repos"].append({"repo": "https://github.com/psf/black", "hooks": [{"id": "black", "entry": "black"}]})
    problems = hook_problems(config, _ci_script())
    assert "repo https://github.com/psf/black is not local" in problems
    assert "hook black is language None, not system" in problems
