"""Run checkov, in its own virtual environment, with this project's custom checks, and read its findings.

checkov installs a different package under the import name ``hcl2`` than the one this package uses, so it is never
imported here: it runs as a subprocess, offline (``--skip-download``).

The custom checks (CKV_BFT_*) ship inside this package, in :mod:`bedrock_ft.review.checkov_checks`, so every install
(wheel, sdist, editable) has them; :func:`checks_dir` finds that folder on disk for ``--external-checks-dir``.
"""

from __future__ import annotations

import importlib.resources
import json
import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bedrock_ft.errors import ConfigError
from bedrock_ft.review.findings import Finding, Location, Severity

ENV_CHECKOV = "BEDROCK_FT_CHECKOV"
LOCAL_VENV_CHECKOV = Path(".venv-checkov") / "bin" / "checkov"
INSTALL_HINT = "python3 -m venv .venv-checkov && .venv-checkov/bin/pip install checkov"
TIMEOUT_SECONDS = 600

# This project's checks: a folder of plain checkov check files inside the package (never imported by bedrock_ft).
CHECKS_PACKAGE = "bedrock_ft.review.checkov_checks"

# Severities of the custom checks (checkov itself reports none without a platform key).
CUSTOM_SEVERITIES: dict[str, Severity] = {
    "CKV_BFT_1": Severity.MEDIUM,  # all-traffic security group rules reference their own group
    "CKV_BFT_2": Severity.HIGH,  # trust policy confused-deputy conditions
    "CKV_BFT_3": Severity.MEDIUM,  # network-interface statements' tag conditions
    "CKV_BFT_4": Severity.HIGH,  # no wildcard bucket in S3 permissions
    "CKV_BFT_5": Severity.HIGH,  # S3 endpoint policy present and scoped to the bucket
    "CKV_BFT_6": Severity.MEDIUM,  # TLS-only bucket policy
}
# checkov's own checks are reported at low: CI runs them separately and fails on any of them.
BUILTIN_SEVERITY = Severity.LOW


CUSTOM_CHECK_IDS = tuple(CUSTOM_SEVERITIES)
_CHECK_ID = re.compile(r"""\bid\s*=\s*["'](CKV_BFT_\d+)["']""")
# What checkov logs (on stderr, even with --quiet) when a file given by --external-checks-dir fails to import.
_LOAD_ERROR = "Cannot load external check"


def checks_dir() -> Path | None:
    """The folder of the custom checks inside the installed package, or None when it is not on disk.

    Found through the package (``importlib.resources``), never through the current folder, so it does not matter where
    ``bedrock-ft review`` runs from. None only for a broken install (the folder deleted, or the package run from a zip).
    """
    try:
        folder = importlib.resources.files(CHECKS_PACKAGE)
    except ModuleNotFoundError:
        return None
    if not isinstance(folder, Path) or not folder.is_dir():
        return None
    return folder


def custom_check_ids(folder: Path) -> set[str]:
    """The CKV_BFT_* ids the check files in ``folder`` declare (read as text: the files import checkov)."""
    ids: set[str] = set()
    for source in folder.glob("*.py"):
        ids.update(_CHECK_ID.findall(source.read_text(encoding="utf-8")))
    return ids


def custom_checks_notice(folder: Path | None) -> str | None:
    """A notice when checkov would run without some or all of this project's custom checks, else None."""
    if folder is None:
        return (f"checkov ran WITHOUT this project's custom checks ({', '.join(CUSTOM_CHECK_IDS)}): the folder of "
                f"package {CHECKS_PACKAGE} was not found; reinstall bedrock-ft (pip install '.[review]')")
    missing = sorted(set(CUSTOM_CHECK_IDS) - custom_check_ids(folder), key=_check_number)
    if missing:
        return f"checkov ran without custom checks {', '.join(missing)}: not found in {folder}"
    return None


def custom_checks_description(folder: Path | None) -> str:
    """For the report's `reviewed` line: which custom checks checkov was given."""
    if folder is None:
        return "without this project's custom checks (not found)"
    found = sorted(custom_check_ids(folder) & set(CUSTOM_CHECK_IDS), key=_check_number)
    return f"with {len(found)} custom checks ({', '.join(found)}) loaded from {folder}"


def _check_number(check_id: str) -> int:
    return int(check_id.rsplit("_", 1)[1])


@dataclass(frozen=True)
class CheckovResult:
    findings: list[Finding]
    notice: str | None = None  # set when checkov ran without (some of) the custom checks


def find_checkov(explicit: str | None = None, *, environ: Mapping[str, str] | None = None,
                 cwd: Path | None = None) -> str | None:
    """--checkov PATH, else $BEDROCK_FT_CHECKOV, else `checkov` on PATH, else ./.venv-checkov/bin/checkov."""
    env = os.environ if environ is None else environ
    if explicit:
        if not Path(explicit).is_file() and shutil.which(explicit) is None:
            raise ConfigError(f"checkov executable {explicit} does not exist", hint=INSTALL_HINT)
        return shutil.which(explicit) or explicit
    if env.get(ENV_CHECKOV):
        path = env[ENV_CHECKOV]
        if not Path(path).is_file():
            raise ConfigError(f"{ENV_CHECKOV}={path} does not exist", hint=INSTALL_HINT)
        return path
    on_path = shutil.which("checkov", path=env.get("PATH"))
    if on_path:
        return on_path
    local = (cwd or Path.cwd()) / LOCAL_VENV_CHECKOV
    return str(local) if local.is_file() else None


def skipped_notice() -> str:
    return f"checkov skipped: no checkov executable found. Install it in its own environment: {INSTALL_HINT}"


def run(executable: str, target: Path, *, plan: bool) -> CheckovResult:
    """checkov on a module folder (framework terraform) or a plan JSON file (framework terraform_plan)."""
    command = [executable, "--skip-download", "-o", "json", "--compact", "--quiet"]
    custom = checks_dir()
    notice = custom_checks_notice(custom)
    if custom is not None:
        command += ["--external-checks-dir", str(custom)]
    if plan:
        command += ["-f", str(target), "--framework", "terraform_plan", "--repo-root-for-plan-enrichment",
                    str(target.parent)]
    else:
        command += ["-d", str(target), "--framework", "terraform"]
        for skipped in ("tests", "examples"):
            if (target / skipped).is_dir():
                command += ["--skip-path", skipped]
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
    try:
        completed = subprocess.run(command, capture_output=True, text=True, check=False, timeout=TIMEOUT_SECONDS,
                                   env=env)
    except FileNotFoundError:
        raise ConfigError(f"cannot run checkov at {executable}", hint=INSTALL_HINT) from None
    except subprocess.TimeoutExpired:
        raise ConfigError(f"checkov did not finish in {TIMEOUT_SECONDS} s on {target}") from None
    if completed.returncode not in (0, 1):
        detail = (completed.stderr or completed.stdout).strip().splitlines()
        last = detail[-1] if detail else f"exit {completed.returncode}"
        raise ConfigError(f"checkov failed on {target}: {last}")
    if custom is not None and _LOAD_ERROR in completed.stderr:
        failed = sorted({line.split("'")[1] for line in completed.stderr.splitlines()
                         if _LOAD_ERROR in line and line.count("'") >= 2})
        notice = (f"checkov could not load custom check{'s' if len(failed) != 1 else ''} "
                  f"{', '.join(failed) or '(see checkov stderr)'} from {custom}: those checks did not run")
    return CheckovResult(findings=parse_output(completed.stdout, base=target if not plan else None,
                                               plan_file=target if plan else None), notice=notice)


def parse_output(stdout: str, *, base: Path | None = None, plan_file: Path | None = None) -> list[Finding]:
    """Findings from checkov's `-o json` output (one report, or a list of them)."""
    text = stdout.strip()
    if not text:
        return []
    start = min((i for i in (text.find("{"), text.find("[")) if i >= 0), default=0)
    try:
        document: Any = json.loads(text[start:])
    except json.JSONDecodeError as exc:
        raise ConfigError(f"checkov printed something that is not JSON: {exc.msg}") from None
    reports = document if isinstance(document, list) else [document]
    findings = []
    for report in reports:
        if not isinstance(report, dict):
            continue
        for failed in (report.get("results") or {}).get("failed_checks", []) or []:
            findings.append(_finding(failed, base, plan_file))
    return findings


def _finding(failed: Mapping[str, Any], base: Path | None, plan_file: Path | None) -> Finding:
    check_id = str(failed.get("check_id"))
    name = str(failed.get("check_name") or check_id)
    file_path = str(failed.get("file_path") or "").lstrip("/")
    if plan_file is not None:
        file = str(plan_file)
    elif base is not None and str(base) not in ("", "."):
        file = (base / file_path).as_posix()
    else:
        file = file_path
    lines = failed.get("file_line_range") or [None]
    line = lines[0] if isinstance(lines, list) and lines and lines[0] else None
    resource = str(failed.get("resource") or "")
    severity = CUSTOM_SEVERITIES.get(check_id, BUILTIN_SEVERITY)
    guideline = failed.get("guideline")
    fix = f"make it so: {name}" + (f" ({guideline})" if guideline else "")
    return Finding(
        rule_id=check_id,
        severity=severity,
        message=f"{resource} fails {check_id}: {name}",
        fix=fix,
        location=Location(file=file or None, line=line if plan_file is None else None, document=resource or None),
        tool="checkov",
        rule_name=name,
    )
