"""`bedrock-ft demo`: the whole flow against a local AWS emulator, no account needed."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.option(
    "--work-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep the outputs, the sample and the generated data here (default: a temporary folder).",
)
@click.option("--region", default="us-east-1", show_default=True, help="Region the emulator pretends to be.")
@click.option(
    "--records",
    type=click.IntRange(8, 500),
    default=80,
    show_default=True,
    help="Records of the bundled sample to render (a fifth are held out for the evaluation).",
)
def demo(work_dir: Path | None, region: str, records: int) -> None:
    """Run generate, upload, preflight, submit and status against a local moto server, then (emulated) training,
    metrics, deploy, invoke, evaluate and cleanup: no AWS account needed."""
    from bedrock_ft.core.errors import ChecksFailed
    from bedrock_ft.sandbox.demo import run_demo

    result = run_demo(click.echo, work_dir=work_dir, region=region, records=records)
    if not result.preflight_ok:
        raise ChecksFailed("the demo's preflight failed; see the checks above")
    click.echo(f"demo finished: job {result.job_arn} is {result.job_status}")
    if result.report_dir is not None:
        kept = "" if work_dir is not None else " (a temporary folder, now removed: pass --work-dir to keep it)"
        click.echo(f"evaluation report: {result.report_dir / 'report.md'}{kept}")


COMMANDS = [demo]
