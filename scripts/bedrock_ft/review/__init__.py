"""Security review of the policies, network rules and bucket settings around a Bedrock customization role.

``review(...)`` takes what the user gives (module folders, plan JSON, policy JSON files, a live role), runs checkov
(when installed, as a subprocess) with the custom checks shipped in :mod:`bedrock_ft.review.checkov_checks`,
parliament on every policy document, and this project's own rules (:mod:`bedrock_ft.review.rules`), and returns one
:class:`~bedrock_ft.review.findings.Report`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bedrock_ft.core.errors import InputError
from bedrock_ft.review import checkov_runner, parliament_runner, sources
from bedrock_ft.review.findings import Finding, Report, Scanner, ScannerState, Severity
from bedrock_ft.review.rules import apply_rules

__all__ = ["Finding", "Report", "Scanner", "ScannerState", "Severity", "review"]


def review(
    paths: Sequence[str | Path] = (),
    *,
    plans: Sequence[str | Path] = (),
    policies: Sequence[str | Path] = (),
    role: str | None = None,
    iam_client_factory: Callable[[], Any] | None = None,
    checkov: str | None = None,
    use_checkov: bool = True,
    use_parliament: bool = True,
) -> Report:
    """Review everything given; PATHs may be module folders, plan JSON or policy JSON (detected)."""
    modules: list[Path] = []
    plan_files = [Path(p) for p in plans]
    policy_files = [Path(p) for p in policies]
    for raw in paths:
        path = Path(raw)
        kind = sources.path_kind(path)
        {"module": modules, "plan": plan_files, "policy": policy_files}[kind].append(path)
    if not (modules or plan_files or policy_files or role):
        raise InputError(
            "nothing to review",
            hint="give a module folder, a plan, a policy file or a role",
            settings=("paths", "plans", "policies", "role"),
        )

    report = Report()
    loaded: list[sources.Loaded] = []
    loaded += [sources.from_module(m) for m in modules]
    loaded += [sources.from_plan(p) for p in plan_files]
    loaded += [sources.from_policy_file(p) for p in policy_files]
    if role:
        factory = iam_client_factory or _default_iam_client
        loaded.append(sources.from_role(role, factory()))

    docs = [doc for item in loaded for doc in item.docs]
    for item in loaded:
        count = len(item.docs)
        report.reviewed.append(f"{item.description}: {count} policy document{'s' if count != 1 else ''}")
        report.add(item.findings)
    report.add(apply_rules(docs))
    report.scanners.append(
        Scanner("bedrock-ft rules", ScannerState.RAN, f"{len(docs)} policy document{'s' if len(docs) != 1 else ''}")
    )

    if not use_parliament:
        report.scanners.append(Scanner("parliament", ScannerState.SKIPPED, "turned off by the caller"))
    elif not docs:
        report.scanners.append(Scanner("parliament", ScannerState.NOT_APPLICABLE, "no policy documents"))
    elif parliament_runner.available():
        report.add(parliament_runner.lint(docs))
        report.scanners.append(Scanner("parliament", ScannerState.RAN, "installed with bedrock-ft"))
    else:
        report.scanners.append(
            Scanner("parliament", ScannerState.SKIPPED, f"not installed ({parliament_runner.INSTALL_HINT})")
        )

    report.scanners.append(_checkov(report, modules, plan_files, checkov, use_checkov))
    return report


def reviewed_folders(modules: Sequence[Path], plans: Sequence[Path]) -> list[Path]:
    """The folders whose contents are under review: every module folder, and the folder of every plan (checkov reads
    the Terraform beside a plan to enrich it)."""
    return [*modules, *(p.parent for p in plans)]


def _checkov(
    report: Report, modules: list[Path], plans: list[Path], explicit: str | None, use_checkov: bool
) -> Scanner:
    targets = [(m, False) for m in modules] + [(p, True) for p in plans]
    if not targets:
        return Scanner("checkov", ScannerState.NOT_APPLICABLE, "it reads module folders and plans; none was given")
    if not use_checkov:
        return Scanner("checkov", ScannerState.SKIPPED, "turned off by the caller")
    choice = checkov_runner.find_checkov(explicit, reviewed=reviewed_folders(modules, plans))
    if choice.executable is None:
        return Scanner("checkov", ScannerState.SKIPPED, choice.reason, refused=choice.refused)
    for target, is_plan in targets:
        result = checkov_runner.run(choice.executable, target, plan=is_plan)
        report.add(result.findings)
        if result.notice and result.notice not in report.notices:
            report.notices.append(result.notice)
    custom = checkov_runner.custom_checks_description(checkov_runner.checks_dir())
    report.reviewed.append(f"checkov ({choice.executable}) {custom}")
    return Scanner(
        "checkov",
        ScannerState.RAN,
        choice.reason,
        executable=choice.executable,
        source=choice.source,
        refused=choice.refused,
    )


def _default_iam_client() -> Any:
    import boto3

    return boto3.client("iam")
