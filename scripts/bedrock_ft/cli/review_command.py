"""`bedrock-ft review`: the security review of the module, a plan, a live role or policy files."""

from __future__ import annotations

import click

from bedrock_ft.cli.output import echo_json, emit, remember_output_format
from bedrock_ft.core.errors import ChecksFailed, ConfigError

# Severity's values, lowest first (a test holds them equal); named here so `review --help` imports no reviewer.
SEVERITIES = ["low", "medium", "high"]


@click.command("review")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option(
    "--plan",
    "plans",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Plan rendered by `terraform show -json PLANFILE` (repeatable).",
)
@click.option(
    "--role",
    metavar="NAME|ARN",
    help="Review a deployed IAM role: its trust, inline and attached policies. The module's service role is "
    "<name>-bedrock-customization (`terraform output -raw role_arn`).",
)
@click.option(
    "--policy",
    "policies",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="IAM policy JSON file (repeatable).",
)
@click.option(
    "--checkov",
    "checkov_path",
    metavar="PATH",
    help="checkov executable [env: BEDROCK_FT_CHECKOV; else checkov on PATH, else beside bedrock-ft's own "
    "installation]. Never one inside what is reviewed.",
)
@click.option("--no-checkov", is_flag=True, help="Do not run checkov (reported as skipped).")
@click.option(
    "--require-checkov/--no-require-checkov",
    default=False,
    envvar="BEDROCK_FT_REQUIRE_CHECKOV",
    show_envvar=True,
    help="Exit 4 when checkov applies (a module or plan is reviewed) but was skipped.",
)
@click.option(
    "--output",
    "output_format",
    type=click.Choice(["text", "json", "sarif"]),
    default="text",
    show_default=True,
    callback=remember_output_format,
    help="Readable text, JSON (docs/output.md), or SARIF 2.1.0 for code-scanning tools.",
)
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    default="medium",
    show_default=True,
    help="Exit 1 when any finding is at this severity or above.",
)
def review(
    paths: tuple[str, ...],
    plans: tuple[str, ...],
    role: str | None,
    policies: tuple[str, ...],
    checkov_path: str | None,
    no_checkov: bool,
    require_checkov: bool,
    output_format: str,
    fail_on: str,
) -> None:
    """Review IAM policies, network rules and bucket settings for a Bedrock customization role.

    PATH may be the Terraform module's folder (static review), a plan JSON or a policy JSON; the kind is detected.

    \b
    Examples:
      bedrock-ft review . --fail-on medium
      bedrock-ft review --plan plan.json --output sarif > review.sarif
      bedrock-ft review --role "$(terraform output -raw role_arn)"
    """
    from bedrock_ft.review import review as run_review
    from bedrock_ft.review.findings import ScannerState, render_json, render_sarif, render_text

    report = run_review(
        paths, plans=plans, policies=policies, role=role, checkov=checkov_path, use_checkov=not no_checkov
    )
    failing = report.at_or_above(fail_on)
    checkov = report.scanner("checkov")
    missing_checkov = None
    if require_checkov and checkov is not None and checkov.state is ScannerState.SKIPPED:
        missing_checkov = ConfigError(
            f"checkov is required but was skipped: {checkov.reason}",
            hint="give --checkov PATH or set BEDROCK_FT_CHECKOV to a checkov outside the reviewed folder",
        )
    if output_format == "json":
        emit({**render_json(report), "fail_on": fail_on}, ok=not failing, error=missing_checkov)
    elif output_format == "sarif":
        echo_json(render_sarif(report))
    else:
        click.echo(render_text(report))
    if missing_checkov is not None:
        raise missing_checkov
    if failing:
        raise ChecksFailed(f"{len(failing)} finding{'s' if len(failing) != 1 else ''} at {fail_on} or above")


COMMANDS = [review]
