"""After training: `metrics` (the job's loss curves) and `evaluate` (tuned against base, scored locally). Thin."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from bedrock_ft.cli.options import echo_json, output_option, read_tf_outputs, tf_outputs_options
from bedrock_ft.core.errors import ChecksFailed, UsageError
from bedrock_ft.core.tf_outputs import TerraformOutputs
from bedrock_ft.job.session import AwsSession, make_session

SCHEMA_VERSION = 1


def _document(command: str, ok: bool, body: dict[str, Any]) -> dict[str, Any]:
    return {"ok": ok, "command": command, "schema_version": SCHEMA_VERSION, **body}


def _session(outputs: TerraformOutputs | None, endpoint_url: str | None, concurrency: int = 4) -> AwsSession:
    return make_session(
        outputs.region if outputs else None, endpoint_url, max_pool_connections=max(10, concurrency * 2)
    )


endpoint_option = click.option(
    "--endpoint-url", envvar="BEDROCK_FT_ENDPOINT_URL", hidden=True, help="Send every AWS call to this endpoint."
)


@click.command()
@click.argument("job")
@tf_outputs_options
@output_option()
@endpoint_option
@click.option(
    "--plot", "plot_path", type=click.Path(dir_okay=False, path_type=Path), help="Write the loss curves here (PNG)."
)
def metrics(
    job: str,
    tf_outputs: str | None,
    tf_dir: str | None,
    output_format: str,
    endpoint_url: str | None,
    plot_path: Path | None,
) -> None:
    """Training and validation loss of a job (JOB is its name or ARN), from the files it writes as it trains.

    Prints a table and a sparkline of each curve; --plot FILE.png draws them. A job still running shows what it has
    written so far.
    """
    from bedrock_ft.lifecycle.metrics import MetricsRequest, read_job_metrics
    from bedrock_ft.lifecycle.plots import sparkline, write_loss_plot

    outputs = read_tf_outputs(tf_outputs, tf_dir, required=False)
    result = read_job_metrics(_session(outputs, endpoint_url), outputs, MetricsRequest(job))
    plot = str(write_loss_plot(result, plot_path)) if plot_path else None
    if output_format == "json":
        echo_json(_document("metrics", True, {**result.to_dict(), "plot": plot}))
        return
    click.echo(f"{result.job_name}: {result.status}")
    if result.output_uri:
        click.echo(f"  metrics under {result.output_uri}")
    for name, points in (("training", result.training), ("validation", result.validation)):
        if not points:
            continue
        losses = [p.loss for p in points]
        click.echo(
            f"  {name:10} loss {losses[0]:.4f} -> {losses[-1]:.4f} (min {min(losses):.4f}), {len(points)} points"
        )
        click.echo(f"  {'':10} {sparkline(losses)}")
    if result.job_training_loss is not None or result.job_validation_loss is not None:
        click.echo(
            f"  job's own: training loss {result.job_training_loss}, validation loss {result.job_validation_loss}"
        )
    rows = _table_rows(result)
    if rows:
        click.echo("")
        click.echo(f"  {'step':>7} {'epoch':>6} {'training':>10} {'validation':>10}")
        for step, epoch, training, validation in rows:
            click.echo(f"  {step:>7} {epoch:>6} {training:>10} {validation:>10}")
    for note in result.notes:
        click.echo(f"  note: {note}")
    if plot:
        click.echo(f"  plot: {plot}")


def _table_rows(result: Any, limit: int = 12) -> list[tuple[str, str, str, str]]:
    """At most ``limit`` rows, evenly spaced over the steps, always with the last one."""
    by_step: dict[int, list[str]] = {}
    for p in result.training:
        by_step.setdefault(p.step, ["", "", ""])[0:2] = ["" if p.epoch is None else f"{p.epoch:g}", f"{p.loss:.4f}"]
    for p in result.validation:
        row = by_step.setdefault(p.step, ["", "", ""])
        row[2] = f"{p.loss:.4f}"
        row[0] = row[0] or ("" if p.epoch is None else f"{p.epoch:g}")
    steps = sorted(by_step)
    if len(steps) > limit:
        stride = (len(steps) - 1) / (limit - 1)
        steps = sorted({steps[round(i * stride)] for i in range(limit)})
    return [(str(s), by_step[s][0], by_step[s][1] or "-", by_step[s][2] or "-") for s in steps]


@click.command()
@click.option(
    "--model",
    "tuned_model",
    required=True,
    help="The tuned model to evaluate: the deployment or provisioned model ARN deploy printed.",
)
@click.option(
    "--base-model",
    help="Base model to compare with [default: the dataset manifest's]; called through its inference profile.",
)
@click.option("--no-base", is_flag=True, help="Evaluate the tuned model alone (no comparison, no interval).")
@click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="generate's output folder: its validation.jsonl is the held-out set.",
)
@click.option(
    "--test-data",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A JSONL file of held-out records in the training format.",
)
@click.option(
    "--task", type=click.Choice(["classification", "extraction", "generation"]), default="generation", show_default=True
)
@click.option(
    "--label-pattern",
    metavar="REGEX",
    help="classification: where the label lies in an answer (its one group, or (?P<label>...)).",
)
@click.option(
    "--json-path", metavar="PATH", help="extraction: the part of the answer's JSON to compare, e.g. result.fields."
)
@click.option(
    "--report-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("evaluation"),
    show_default=True,
    help="Report folder; it caches the answers too.",
)
@click.option(
    "--concurrency", type=click.IntRange(1, 64), default=4, show_default=True, help="Calls in flight at most."
)
@click.option("--max-records", type=click.IntRange(min=1), help="Evaluate only the first N records.")
@click.option("--max-tokens", type=click.IntRange(min=1), default=512, show_default=True)
@click.option("--temperature", type=click.FloatRange(0, 1), default=0.0, show_default=True)
@click.option("--top-p", type=click.FloatRange(0, 1))
@click.option(
    "--fail-under",
    multiple=True,
    metavar="METRIC=VALUE",
    help="Exit 1 when the tuned model scores below VALUE (repeatable), e.g. accuracy=0.8.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the bootstrap interval.")
@click.option(
    "--bootstrap",
    "bootstrap_samples",
    type=click.IntRange(1, 100_000),
    default=1000,
    show_default=True,
    help="Bootstrap resamples.",
)
@click.option("--metrics-job", metavar="JOB", help="Put this job's loss curves in the report.")
@click.option(
    "--judge",
    "judge_model",
    metavar="MODEL",
    help="Also run a Bedrock LLM-as-a-judge evaluation job on the answers (needs the Terraform outputs).",
)
@click.option(
    "--batch",
    is_flag=True,
    help="Get the answers with batch inference jobs inside the module's VPC (100 records or more).",
)
@click.option(
    "--timeout", type=click.FloatRange(min=0), help="Give up waiting for batch or judge jobs after this many seconds."
)
@tf_outputs_options
@output_option()
@endpoint_option
def evaluate(
    tuned_model: str,
    base_model: str | None,
    no_base: bool,
    data_dir: Path | None,
    test_data: Path | None,
    task: str,
    label_pattern: str | None,
    json_path: str | None,
    report_dir: Path,
    concurrency: int,
    max_records: int | None,
    max_tokens: int,
    temperature: float,
    top_p: float | None,
    fail_under: tuple[str, ...],
    seed: int,
    bootstrap_samples: int,
    metrics_job: str | None,
    judge_model: str | None,
    batch: bool,
    timeout: float | None,
    tf_outputs: str | None,
    tf_dir: str | None,
    output_format: str,
    endpoint_url: str | None,
) -> None:
    """Run held-out records through the tuned model and the base model, score them, write a report folder.

    Answers are cached in REPORT_DIR/answers.jsonl: an interrupted run continues, a rerun makes no calls.
    Exit 1 when a --fail-under gate fails.
    """
    from bedrock_ft.lifecycle.evaluation import EvaluateRequest, held_out_records, parse_fail_under, run_evaluation

    if (data_dir is None) == (test_data is None):
        raise UsageError("give the held-out records with --data OUT or --test-data FILE (one of them)")
    if no_base and base_model:
        raise UsageError("--no-base and --base-model exclude each other")
    records = test_data
    if data_dir is not None:
        records, manifest_base = held_out_records(data_dir)
        base_model = base_model or manifest_base
    if not base_model and not no_base:
        raise UsageError("no base model to compare with", hint="give --base-model, or --no-base")
    gates = parse_fail_under(fail_under, task)
    needs_outputs = bool(judge_model or batch)
    outputs = read_tf_outputs(tf_outputs, tf_dir, required=needs_outputs)
    session = _session(outputs, endpoint_url, concurrency)
    job_metrics = None
    if metrics_job:
        from bedrock_ft.lifecycle.metrics import MetricsRequest, read_job_metrics

        job_metrics = read_job_metrics(session, outputs, MetricsRequest(metrics_job))
    assert records is not None
    request = EvaluateRequest(
        tuned_model=tuned_model,
        base_model=None if no_base else base_model,
        records=records,
        report_dir=report_dir,
        task=task,
        label_pattern=label_pattern,
        json_path=json_path,
        concurrency=concurrency,
        max_records=max_records,
        max_tokens=max_tokens,
        temperature=temperature,
        top_p=top_p,
        fail_under=gates,
        bootstrap_samples=bootstrap_samples,
        seed=seed,
        dataset_dir=data_dir,
        metrics=job_metrics,
        judge_model=judge_model,
        batch=batch,
        timeout=timeout,
    )
    progress = _progress() if output_format == "text" and sys.stderr.isatty() else None
    report = run_evaluation(session, outputs, request, progress=progress)
    if output_format == "json":
        echo_json(_document("evaluate", report.ok, report.to_dict()))
    else:
        _render(report)
    if not report.ok:
        failed = ", ".join(f"{g.metric} {g.value:.3f} < {g.minimum:g}" for g in report.gates if g.state == "fail")
        raise ChecksFailed(f"the tuned model misses its gate: {failed}")


def _progress() -> Any:
    def show(phase: str, done: int, total: int) -> None:
        click.echo(f"\r{phase}: {done}/{total}", err=True, nl=done >= total)

    return show


def _render(report: Any) -> None:
    base = report.base
    click.echo(f"{report.task}: {report.records} records; tuned {report.tuned.model_id}")
    if base:
        click.echo(f"{'':>{len(report.task) + 2}}base  {base.model_id}")
    click.echo("")
    click.echo(f"  {'metric':14} {'tuned':>7} {'base':>7} {'delta':>7}")
    for name, value in report.tuned.scores.values.items():
        other = base.scores.values[name] if base else None
        shown = "-" if other is None else f"{other:.3f}"
        delta = "-" if other is None else f"{value - other:+.3f}"
        click.echo(f"  {name:14} {value:7.3f} {shown:>7} {delta:>7}")
    if report.difference:
        d = report.difference
        click.echo(
            f"\n  tuned - base on {d.metric}: {d.tuned_minus_base:+.3f}, "
            f"{d.confidence:.0%} interval [{d.ci_low:+.3f}, {d.ci_high:+.3f}]"
        )
    for gate in report.gates:
        click.echo(f"  gate {gate.metric} >= {gate.minimum:g}: {gate.state} ({gate.value:.3f})")
    calls = report.tuned.calls + (base.calls if base else 0)
    cached = report.tuned.cached + (base.cached if base else 0)
    click.echo(f"\n  calls {calls}, cached {cached}; report: {report.report_dir / 'report.md'}")
    if report.judge:
        for role, job in report.judge.get("jobs", {}).items():
            scores = ", ".join(f"{e['metric']} {e['score']:.3f}" for e in job.get("scores") or [])
            click.echo(f"  judge ({role}): {scores or 'no scores'}")
    for note in report.notes:
        click.echo(f"  note: {note}")


COMMANDS = [metrics, evaluate]
