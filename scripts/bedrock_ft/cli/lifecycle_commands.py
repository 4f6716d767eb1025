"""After training: deploy, invoke and cleanup. Thin: parse, call the library, render."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from bedrock_ft.cli.job_commands import endpoint_option
from bedrock_ft.cli.options import output_option, read_tf_outputs, tf_outputs_options
from bedrock_ft.cli.output import emit
from bedrock_ft.core.errors import AwsError, InputError, UsageError
from bedrock_ft.core.tf_outputs import TerraformOutputs
from bedrock_ft.job.session import AwsSession, make_session
from bedrock_ft.lifecycle.cleanup import CleanupResult, Inventory, Outcome
from bedrock_ft.lifecycle.deploy import COMMITMENTS, MODES, Deployment
from bedrock_ft.lifecycle.invoke import InvokeResult


def _session(tf_outputs: str | None, tf_dir: str | None, endpoint_url: str | None) -> AwsSession:
    """The outputs name the region; without them AWS_REGION does."""
    return _session_for(read_tf_outputs(tf_outputs, tf_dir, required=False), endpoint_url)


def _session_for(outputs: TerraformOutputs | None, endpoint_url: str | None) -> AwsSession:
    return make_session(outputs.get("region") if outputs else None, endpoint_url)


def _progress() -> Callable[[str], None] | None:
    """Progress lines on stderr, only when it is a terminal."""
    if not sys.stderr.isatty():
        return None
    return lambda line: click.echo(line, err=True)


def _interactive() -> bool:
    """Whether a person can answer a question: stdin is a terminal."""
    return sys.stdin.isatty()


def _ledger() -> Any:
    from bedrock_ft.lifecycle.ledger import Ledger

    return Ledger.default()


def _text_option(value: str | None) -> str | None:
    """TEXT, or @FILE to read it from a file."""
    if value is None or not value.startswith("@"):
        return value
    from bedrock_ft.core.confined_files import FileRefused, read_regular_file

    try:
        return read_regular_file(value[1:], max_bytes=1024 * 1024, follow_symlinks=True).decode("utf-8").strip()
    except (FileRefused, OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {value[1:]}: {getattr(exc, 'reason', exc)}") from None


timeout_option = click.option(
    "--timeout", type=click.FloatRange(min=0), help="Stop waiting after this many seconds (what was started goes on)."
)


def render_deployment(deployment: Deployment) -> None:
    what = "on-demand deployment" if deployment.mode == "on-demand" else "provisioned throughput"
    note = " (existing, reused: none created)" if deployment.reused else ""
    click.echo(f"{what} {deployment.name}: {deployment.status}{note}")
    click.echo(f"  why          {deployment.reason}")
    click.echo(f"  custom model {deployment.model_arn}")
    if deployment.model_units:
        click.echo(f"  model units  {deployment.model_units}")
    if deployment.commitment:
        click.echo(f"  commitment   {deployment.commitment}, ends {deployment.commitment_ends or 'when AWS says'}")
    click.echo(f"modelId: {deployment.arn}")


@click.command()
@click.argument("model")
@click.option(
    "--mode",
    type=click.Choice(MODES),
    default="auto",
    show_default=True,
    help="on-demand (pay per token) where the model and region allow it, else provisioned throughput.",
)
@click.option("--model-units", type=click.IntRange(min=1), default=1, show_default=True, help="Provisioned only.")
@click.option("--commitment", type=click.Choice(COMMITMENTS), help="Provisioned throughput commitment term.")
@click.option("--yes-commit", is_flag=True, help="Confirm --commitment without a prompt (it cannot be undone).")
@click.option("--name", help="Name of the deployment (default: the model's name and a hash).")
@timeout_option
@tf_outputs_options
@output_option()
@endpoint_option
def deploy(
    model: str,
    mode: str,
    model_units: int,
    commitment: str | None,
    yes_commit: bool,
    name: str | None,
    timeout: float | None,
    tf_outputs: str | None,
    tf_dir: str | None,
    output_format: str,
    endpoint_url: str | None,
) -> None:
    """Deploy the custom model MODEL (or the one job MODEL made) and print the ARN to use as modelId.

    Repeating the command returns the deployment it made before instead of creating a second one.
    """
    from bedrock_ft.lifecycle.deploy import CommitmentNotConfirmed, DeployRequest, commitment_warning
    from bedrock_ft.lifecycle.deploy import deploy as deploy_model

    confirmed = yes_commit
    if commitment and not yes_commit and _interactive():
        confirmed = click.confirm(f"Warning: {commitment_warning(commitment, model_units)}. Continue?", default=False)
    request = DeployRequest(
        model=model,
        mode=mode,
        model_units=model_units,
        commitment=commitment,
        commitment_confirmed=confirmed,
        name=name,
        timeout=timeout,
    )
    try:
        result = deploy_model(
            _session(tf_outputs, tf_dir, endpoint_url), request, ledger=_ledger(), on_progress=_progress()
        )
    except CommitmentNotConfirmed as exc:
        raise UsageError(exc.message, hint="pass --yes-commit to confirm it, or leave out --commitment") from None
    if output_format == "json":
        emit({"deployment": result.to_dict()}, ok=True)
    else:
        render_deployment(result)


def _side_by_side(left_title: str, left: str, right_title: str, right: str, width: int = 56) -> list[str]:
    def column(title: str, text: str) -> list[str]:
        lines = [title, "-" * min(width, max(len(title), 8))]
        for paragraph in text.splitlines() or [""]:
            lines += textwrap.wrap(paragraph, width) or [""]
        return lines

    a, b = column(left_title, left), column(right_title, right)
    rows = max(len(a), len(b))
    a += [""] * (rows - len(a))
    b += [""] * (rows - len(b))
    return [f"{x:<{width}} | {y}".rstrip() for x, y in zip(a, b, strict=True)]


def _usage_line(answer: Any) -> str:
    label = " [emulated answer]" if answer.emulated else ""
    return f"tokens in {answer.input_tokens}, out {answer.output_tokens}; latency {answer.latency_seconds:.2f} s{label}"


def render_invoke(result: InvokeResult, streamed: bool) -> None:
    answers = {a.role: a for a in result.answers}
    target = answers["target"]
    if "base" in answers:
        base = answers["base"]
        for line in _side_by_side(
            f"tuned: {result.target.described}", target.text, f"base: {base.model_id}", base.text
        ):
            click.echo(line)
        click.echo(f"tuned: {_usage_line(target)}")
        click.echo(f"base:  {_usage_line(base)}")
    else:
        if not streamed:
            click.echo(target.text)
        else:
            click.echo("")
        click.echo(f"-- {result.target.described}: {_usage_line(target)}")
    if result.reference is not None:
        click.echo("-- reference answer of the record:")
        click.echo(result.reference)


@click.command()
@click.argument("target")
@click.argument("prompt", required=False)
@click.option("--system", metavar="TEXT|@FILE", help="System prompt, or @FILE to read it from a file.")
@click.option("--image", "images", multiple=True, type=click.Path(path_type=Path), help="Image file (repeatable).")
@click.option("--max-tokens", type=click.IntRange(min=1), help="Longest answer, in tokens.")
@click.option("--temperature", type=click.FloatRange(0, 1))
@click.option("--top-p", type=click.FloatRange(0, 1))
@click.option("--stream", is_flag=True, help="Stream the answer as it is written (ConverseStream).")
@click.option("--record", metavar="FILE:LINE", help="Replay one record of a training-data file (line from 1).")
@click.option("--compare-base", is_flag=True, help="Send the same to the base model and show both answers.")
@tf_outputs_options
@output_option()
@endpoint_option
def invoke(
    target: str,
    prompt: str | None,
    system: str | None,
    images: tuple[Path, ...],
    max_tokens: int | None,
    temperature: float | None,
    top_p: float | None,
    stream: bool,
    record: str | None,
    compare_base: bool,
    tf_outputs: str | None,
    tf_dir: str | None,
    output_format: str,
    endpoint_url: str | None,
) -> None:
    """Send PROMPT (and images) to TARGET: a deployment or provisioned-model ARN, a job or custom model this tool
    deployed, or a base model id (invoked through its inference profile). Prints the answer, tokens and latency."""
    from bedrock_ft.lifecycle.invoke import InvokeRequest
    from bedrock_ft.lifecycle.invoke import invoke as invoke_model

    request = InvokeRequest(
        target=target,
        prompt=prompt,
        system=_text_option(system),
        images=images,
        max_tokens=max_tokens,
        temperature=temperature,
        top_p=top_p,
        stream=stream,
        record=record,
        compare_base=compare_base,
    )
    live = stream and output_format == "text" and not compare_base

    def hear(role: str, piece: str) -> None:
        click.echo(piece, nl=False)

    result = invoke_model(
        _session(tf_outputs, tf_dir, endpoint_url), request, ledger=_ledger(), on_text=hear if live else None
    )
    if output_format == "json":
        emit(result.to_dict(), ok=True)
    else:
        render_invoke(result, live)


def render_inventory(inventory: Inventory, title: str) -> None:
    click.echo(title)
    if not inventory.resources:
        click.echo("  nothing: no deployment, provisioned throughput, custom model or data made by bedrock-ft")
    for r in inventory.resources:
        facts = [r.status or ""]
        if r.model_units:
            facts.append(f"{r.model_units} model unit(s)")
        if r.since:
            facts.append(f"since {r.since:%Y-%m-%d %H:%M}Z")
        if r.commitment:
            facts.append(f"{r.commitment} commitment ends {r.commitment_ends:%Y-%m-%d}" if r.commitment_ends else "")
        if r.objects is not None:
            facts.append(f"{r.objects} object{'s' if r.objects != 1 else ''}, {r.size_bytes} bytes")
        facts.append(f"found by {'+'.join(r.found_by)}")
        click.echo(f"  {r.kind:24} {r.name}")
        click.echo(f"  {'':24} {', '.join(f for f in facts if f)}; bills {_billing(r.kind)}")
    for warning in inventory.warnings:
        click.echo(f"  warning: {warning}")


def _billing(kind: str) -> str:
    from bedrock_ft.lifecycle.cleanup import BILLING

    return BILLING[kind]


def render_outcomes(outcomes: list[Outcome]) -> None:
    for o in outcomes:
        reason = f": {o.reason}" if o.reason else ""
        click.echo(f"  {o.action.upper():8} {o.resource.kind:24} {o.resource.name}{reason}")
    if any(o.resource.kind == "s3_prefix" and o.action == "kept" for o in outcomes):
        click.echo("  (--include-data also deletes the data and output prefixes)")


@click.command()
@click.option("--yes", is_flag=True, help="Delete without asking.")
@click.option("--keep-model", is_flag=True, help="Keep the custom models; remove only what serves them.")
@click.option("--include-data", is_flag=True, help="Also delete the models' training data and output prefixes.")
@tf_outputs_options
@output_option()
@endpoint_option
def cleanup(
    yes: bool,
    keep_model: bool,
    include_data: bool,
    tf_outputs: str | None,
    tf_dir: str | None,
    output_format: str,
    endpoint_url: str | None,
) -> None:
    """List what bedrock-ft created that still bills or stores (from the local ledger and the created-by tag), and
    delete it in a safe order: deployments and provisioned throughput, batch jobs, custom models, then data.

    Nothing is deleted without --yes or a confirmation at the prompt.
    """
    from bedrock_ft.lifecycle.cleanup import CleanupRequest
    from bedrock_ft.lifecycle.cleanup import cleanup as clean

    text = output_format == "text"
    asked: list[bool] = []

    def confirm(before: Inventory, planned: list[Outcome]) -> bool:
        asked.append(True)
        if text:
            render_inventory(before, "bedrock-ft resources (before):")
            click.echo("plan:")
            render_outcomes(planned)
        if yes:
            return True
        if text and _interactive():
            return click.confirm("Delete (or stop) what is marked DELETE / STOP above?", default=False)
        if text:
            click.echo("nothing deleted: pass --yes to delete")
        return False

    outputs = read_tf_outputs(tf_outputs, tf_dir, required=False)  # the bucket, for evaluate's files
    result: CleanupResult = clean(
        _session_for(outputs, endpoint_url),
        CleanupRequest(keep_model=keep_model, include_data=include_data),
        ledger=_ledger(),
        confirm=confirm,
        outputs=outputs,
    )
    if output_format == "json":
        emit(result.to_dict(), ok=result.ok)
    else:
        if not asked:
            render_inventory(result.before, "bedrock-ft resources (before):")
            render_outcomes(result.outcomes)
        elif any(o.action in ("deleted", "stopped", "failed") for o in result.outcomes):
            click.echo("done:")
            render_outcomes(result.outcomes)
            if result.after is not None:
                render_inventory(result.after, "bedrock-ft resources (after):")
    if not result.ok:
        failed = sum(o.action == "failed" for o in result.outcomes)
        raise AwsError(f"{failed} resource(s) could not be deleted; the listing above says why")


COMMANDS = [deploy, invoke, cleanup]
