"""Run checkov, in its own virtual environment, with this project's custom checks, and read its findings.

checkov installs a different package under the import name ``hcl2`` than the one this package uses, so it is never
imported here: it runs as a subprocess, offline (``--skip-download``).

The custom checks (CKV_BFT_*) ship inside this package, in :mod:`bedrock_ft.review.checkov_checks`, so every install
(wheel, sdist, editable) has them; :func:`checks_dir` finds that folder on disk for ``--external-checks-dir``.
"""

from __future__ import annotations

import contextlib
import importlib.resources
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bedrock_ft.core.errors import ConfigError, InputError
from bedrock_ft.review.findings import Finding, Location, Severity

ENV_CHECKOV = "BEDROCK_FT_CHECKOV"
LOCAL_VENV_CHECKOV = Path(".venv-checkov") / "bin" / "checkov"
INSTALL_HINT = (
    "python3 -m venv ~/.venvs/checkov && ~/.venvs/checkov/bin/pip install checkov, then "
    "export BEDROCK_FT_CHECKOV=~/.venvs/checkov/bin/checkov (outside any folder you review)"
)
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
        return (
            f"checkov ran WITHOUT this project's custom checks ({', '.join(CUSTOM_CHECK_IDS)}): the folder of "
            f"package {CHECKS_PACKAGE} was not found; reinstall bedrock-ft (pip install '.[review]')"
        )
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


# Where the checkov executable came from, in the order they are tried.
SOURCE_EXPLICIT = "explicit"  # given by the caller (the setting checkov)
SOURCE_ENVIRONMENT = "environment"  # $BEDROCK_FT_CHECKOV
SOURCE_PATH = "path"  # `checkov` on PATH
SOURCE_INSTALLATION = "installation"  # next to bedrock-ft's own interpreter, or a .venv-checkov beside its environment

SOURCE_TEXT = {
    SOURCE_EXPLICIT: "given explicitly",
    SOURCE_ENVIRONMENT: f"from ${ENV_CHECKOV}",
    SOURCE_PATH: "found on PATH",
    SOURCE_INSTALLATION: "found beside bedrock-ft's own installation",
}


@dataclass(frozen=True)
class CheckovChoice:
    """Which checkov the review runs, and why; or why none.

    ``refused`` lists candidates that were found but not used, each with the reason (a program inside the material
    under review is never run, whoever names it).
    """

    executable: str | None
    source: str | None
    reason: str
    refused: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "executable": self.executable,
            "source": self.source,
            "reason": self.reason,
            "refused": list(self.refused),
        }


def _absolute_forms(path: str | Path) -> set[Path]:
    """The path as written (made absolute, links kept) and with every link resolved."""
    forms = {Path(os.path.abspath(path))}
    with contextlib.suppress(OSError, RuntimeError):
        forms.add(Path(path).resolve())
    return forms


def inside_reviewed(path: str | Path, reviewed: Sequence[Path]) -> Path | None:
    """The reviewed folder that holds ``path`` (as written or after links), or None."""
    for tree in reviewed:
        for tree_form in _absolute_forms(tree):
            for form in _absolute_forms(path):
                if form == tree_form or form.is_relative_to(tree_form):
                    return tree
    return None


def _interpreter(executable: str) -> str | None:
    """The interpreter a script names on its ``#!`` line (``/usr/bin/env ...`` is left to PATH), or None."""
    try:
        with open(executable, "rb") as handle:
            first = handle.readline(4096)
    except OSError:
        return None
    if not first.startswith(b"#!"):
        return None
    words = first[2:].decode("utf-8", "replace").split()
    if not words or not words[0].startswith("/") or words[0].endswith("/env"):
        return None
    return words[0]


def refusal(executable: str, reviewed: Sequence[Path]) -> str | None:
    """Why ``executable`` must not run while ``reviewed`` is under review, or None when it may.

    The program, or the interpreter its ``#!`` line names (a virtual environment's python loads that environment's
    packages), must not be inside a reviewed folder, before or after following links.
    """
    tree = inside_reviewed(executable, reviewed)
    if tree is not None:
        return f"{executable} is inside {tree}, which is under review"
    interpreter = _interpreter(executable)
    if interpreter is not None:
        tree = inside_reviewed(interpreter, reviewed)
        if tree is not None:
            return f"{executable} runs {interpreter}, which is inside {tree}, under review"
    return None


def installation_candidates() -> list[Path]:
    """Where bedrock-ft's own installation may hold checkov: its interpreter's scripts folder, then a
    ``.venv-checkov`` beside the environment bedrock-ft runs in. Never the current folder."""
    scripts = sysconfig.get_path("scripts")
    candidates = [Path(scripts) / "checkov"] if scripts else []
    candidates.append(Path(sys.prefix).parent / LOCAL_VENV_CHECKOV)
    return candidates


def find_checkov(
    explicit: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    reviewed: Sequence[Path] = (),
    installation: Sequence[Path] | None = None,
) -> CheckovChoice:
    """The checkov to run: ``explicit``, else $BEDROCK_FT_CHECKOV, else `checkov` on PATH, else bedrock-ft's own
    installation (:func:`installation_candidates`).

    Nothing inside a ``reviewed`` folder is ever run: an explicit or environment path there is a ConfigError; a PATH
    or installation candidate there is passed over (and named in ``refused``).
    """
    env = os.environ if environ is None else environ
    for source, given in ((SOURCE_EXPLICIT, explicit), (SOURCE_ENVIRONMENT, env.get(ENV_CHECKOV))):
        if not given:
            continue
        resolved = given if Path(given).is_file() else shutil.which(given, path=env.get("PATH"))
        setting = ("checkov",) if source == SOURCE_EXPLICIT else ()
        if resolved is None:
            what = f"checkov executable {given}" if source == SOURCE_EXPLICIT else f"{ENV_CHECKOV}={given}"
            raise ConfigError(f"{what} does not exist", hint=INSTALL_HINT, settings=setting)
        why = refusal(resolved, reviewed)
        if why is not None:
            raise ConfigError(
                f"refusing to run checkov {given}{'' if source == SOURCE_EXPLICIT else ' (from ' + ENV_CHECKOV + ')'}: "
                f"{why}; the review never runs programs from the material it reviews",
                hint=INSTALL_HINT,
                settings=setting,
            )
        return CheckovChoice(resolved, source, SOURCE_TEXT[source])
    refused: list[str] = []
    on_path = shutil.which("checkov", path=env.get("PATH"))
    candidates: list[tuple[str, str]] = [(on_path, SOURCE_PATH)] if on_path else []
    for candidate in installation_candidates() if installation is None else installation:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            candidates.append((str(candidate), SOURCE_INSTALLATION))
    for executable, source in candidates:
        why = refusal(executable, reviewed)
        if why is None:
            return CheckovChoice(executable, source, SOURCE_TEXT[source], tuple(refused))
        refused.append(f"not run: {why}")
    reason = "no checkov executable found" if not refused else "no checkov executable outside the reviewed material"
    return CheckovChoice(None, None, f"{reason}. Install it in its own environment: {INSTALL_HINT}", tuple(refused))


# The files checkov's terraform framework reads; only these are given to it (see run()).
TERRAFORM_SUFFIXES = (".tf", ".tf.json", ".tfvars", ".tfvars.json")
MAX_COPY_FILES = 5000
MAX_COPY_BYTES = 64 * 1024 * 1024


def _terraform_copy(folder: Path, into: Path) -> None:
    """Copy the module's Terraform files (regular files only, no dot-folders, no tests/examples) into ``into``.

    checkov reads a ``.checkov.yaml`` in the folder it scans (which can load check code from the folder, skip
    checks or soft-fail); it only ever sees this copy, which has none.
    """
    count = 0
    total = 0
    for root, dirs, files in os.walk(folder, followlinks=False):
        here = Path(root)
        relative = here.relative_to(folder)
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".")
            and not (relative == Path(".") and d in ("tests", "examples", "node_modules"))
            and not (here / d).is_symlink()
        )
        for name in sorted(files):
            if name.startswith(".") or not name.endswith(TERRAFORM_SUFFIXES):
                continue
            source = here / name
            info = source.lstat()
            if not stat.S_ISREG(info.st_mode):
                continue  # links, devices, FIFOs: not part of the module checkov is shown
            count += 1
            total += info.st_size
            if count > MAX_COPY_FILES or total > MAX_COPY_BYTES:
                raise InputError(
                    f"{folder} holds more Terraform than the review reads "
                    f"({MAX_COPY_FILES} files, {MAX_COPY_BYTES // (1024 * 1024)} MiB)"
                )
            target = into / relative / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)


def run(executable: str, target: Path, *, plan: bool) -> CheckovResult:
    """checkov on a module folder (framework terraform) or a plan JSON file (framework terraform_plan).

    It runs in an empty temporary folder (checkov also reads a config file from its working folder), on a copy of the
    module's Terraform files.
    """
    with tempfile.TemporaryDirectory(prefix="bedrock-ft-checkov-") as scratch:
        work = Path(scratch) / "cwd"
        work.mkdir()
        scanned = target
        if not plan:
            scanned = Path(scratch) / "module"
            scanned.mkdir()
            _terraform_copy(target, scanned)
        return _run(executable, target, scanned, plan=plan, cwd=work)


def _run(executable: str, target: Path, scanned: Path, *, plan: bool, cwd: Path) -> CheckovResult:
    command = [executable, "--skip-download", "-o", "json", "--compact", "--quiet"]
    custom = checks_dir()
    notice = custom_checks_notice(custom)
    if custom is not None:
        command += ["--external-checks-dir", str(custom)]
    if plan:
        command += [
            "-f",
            str(scanned.resolve()),
            "--framework",
            "terraform_plan",
            "--repo-root-for-plan-enrichment",
            str(scanned.resolve().parent),
        ]
    else:
        command += ["-d", str(scanned), "--framework", "terraform"]
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
    try:
        completed = subprocess.run(
            command, capture_output=True, text=True, check=False, timeout=TIMEOUT_SECONDS, env=env, cwd=cwd
        )
    except (FileNotFoundError, PermissionError, OSError):
        raise ConfigError(f"cannot run checkov at {executable}", hint=INSTALL_HINT) from None
    except subprocess.TimeoutExpired:
        raise ConfigError(f"checkov did not finish in {TIMEOUT_SECONDS} s on {target}") from None
    if completed.returncode not in (0, 1):
        detail = (completed.stderr or completed.stdout).strip().splitlines()
        last = detail[-1] if detail else f"exit {completed.returncode}"
        raise ConfigError(f"checkov failed on {target}: {last}")
    if custom is not None and _LOAD_ERROR in completed.stderr:
        failed = sorted(
            {
                line.split("'")[1]
                for line in completed.stderr.splitlines()
                if _LOAD_ERROR in line and line.count("'") >= 2
            }
        )
        notice = (
            f"checkov could not load custom check{'s' if len(failed) != 1 else ''} "
            f"{', '.join(failed) or '(see checkov stderr)'} from {custom}: those checks did not run"
        )
    return CheckovResult(
        findings=parse_output(completed.stdout, base=target if not plan else None, plan_file=target if plan else None),
        notice=notice,
    )


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
