"""Commands that touch AWS: upload, preflight, submit, status, wait, stop, list and run. Thin: parse, call, render."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import click

from bedrock_ft.cli.config import fill_unset, from_project_file, hyperparameter_options, without_project_file
from bedrock_ft.cli.options import output_option, read_tf_outputs, template_options, tf_outputs_options
from bedrock_ft.cli.output import echo_json, emit, on_interrupt
from bedrock_ft.core.errors import BedrockFtError, ChecksFailed, UsageError
from bedrock_ft.core.progress import Progress
from bedrock_ft.core.tf_outputs import TerraformOutputs
from bedrock_ft.core.wording import plural
from bedrock_ft.job.preflight import CheckResult, PreflightReport, Status, run_preflight
from bedrock_ft.job.requests import SubmitRequest
from bedrock_ft.job.session import AwsSession, make_session
from bedrock_ft.job.submit import (
    CUSTOMIZATION_TYPES,
    job_from_dataset,
    parse_hyperparameter_options,
    submit_job,
)

F = TypeVar("F", bound=Callable[..., Any])

STATUS_MARKS = {Status.PASS: "PASS", Status.FAIL: "FAIL", Status.WARN: "WARN", Status.SKIPPED: "SKIP"}


def endpoint_option(func: F) -> F:
    return click.option(
        "--endpoint-url",
        envvar="BEDROCK_FT_ENDPOINT_URL",
        hidden=True,
        help="Send every AWS call to this endpoint (an emulator).",
    )(func)


def _options(*decorators: Callable[[F], F]) -> Callable[[F], F]:
    """Several click options as one decorator, listed in the order --help shows them."""

    def apply(func: F) -> F:
        for decorator in reversed(decorators):
            func = decorator(func)
        return func

    return apply


# The job's settings beyond its data: preflight, submit and run take them alike.
job_settings_options = _options(
    click.option(
        "--customization-type",
        type=click.Choice(CUSTOMIZATION_TYPES),
        help="What kind of customization job to start [default: the dataset manifest's, or FINE_TUNING].",
    ),
    click.option(
        "--hp",
        "hp",
        multiple=True,
        metavar="KEY=VALUE",
        help="Hyperparameter overriding the model's default (repeatable), e.g. --hp epochCount=3.",
    ),
)

# DISTILLATION and REINFORCEMENT_FINE_TUNING: what those jobs take beyond the data.
teacher_options = _options(
    click.option(
        "--teacher",
        metavar="MODEL",
        help="DISTILLATION: the teacher model (id, ARN or inference profile), one of the base model's teachers "
        "(bedrock-ft models --customization-type DISTILLATION).",
    ),
    click.option(
        "--max-response-length",
        type=click.IntRange(min=1),
        metavar="N",
        help="DISTILLATION: the longest answer, in tokens, the teacher gives to each prompt.",
    ),
)
grader_option = click.option(
    "--grader",
    metavar="LAMBDA_ARN",
    help="REINFORCEMENT_FINE_TUNING: the ARN of the Lambda function that scores each answer.",
)
invocation_logs_options = _options(
    click.option(
        "--invocation-logs",
        metavar="S3URI",
        help="DISTILLATION: learn from the model invocation logs under this s3:// URI instead of a data file.",
    ),
    click.option(
        "--metadata-filter",
        "metadata_filters",
        multiple=True,
        metavar="KEY=VALUE|KEY!=VALUE",
        help="With --invocation-logs: keep only the invocations whose request metadata match (repeatable; all must).",
    ),
)

data_option = click.option(
    "--data",
    "data",
    type=click.Path(exists=True, path_type=Path),
    help="generate's output folder OUT (or OUT/manifest.json), uploaded: the data URIs, their content digests and "
    "the base model come from its manifest.",
)

job_data_options = _options(
    data_option,
    click.option(
        "--base-model", help="Base model id or ARN, e.g. amazon.nova-lite-v1:0:300k [default: the manifest's]."
    ),
    click.option("--training-data", help="s3:// URI of the training JSONL (instead of --data)."),
    click.option("--validation-data", help="s3:// URI of the validation JSONL (with --training-data)."),
    invocation_logs_options,
    job_settings_options,
    teacher_options,
    grader_option,
)

# submit and run: the names of what they start.
job_naming_options = _options(
    click.option(
        "--job-name",
        help="Job name (default: bedrock-ft-<family>-<hash of the data's content, model, settings and outputs>).",
    ),
    click.option("--model-name", help="Custom model name (default: bedrock-ft-<family>-model-<the same hash>)."),
)

skip_preflight_option = click.option(
    "--skip-preflight", is_flag=True, help="Submit without running preflight first (not advised)."
)


def job_spec_options(*, names: bool = False) -> Callable[[F], F]:
    """The job's data and settings options (with ``names``, --job-name and --model-name too), handed to the
    command as one ``job: SubmitRequest`` keyword argument instead of one argument each."""

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def command(
            *,
            data: Path | None,
            base_model: str | None,
            training_data: str | None,
            validation_data: str | None,
            customization_type: str | None,
            hp: tuple[str, ...],
            teacher: str | None,
            max_response_length: int | None,
            grader: str | None,
            invocation_logs: str | None,
            metadata_filters: tuple[str, ...],
            job_name: str | None = None,
            model_name: str | None = None,
            **rest: Any,
        ) -> Any:
            job = job_spec(
                data=data,
                base_model=base_model,
                training_data=training_data,
                validation_data=validation_data,
                customization_type=customization_type,
                hyperparameters=parse_hyperparameter_options(hyperparameter_options(hp)),
                job_name=job_name,
                model_name=model_name,
                teacher=teacher,
                max_response_length=max_response_length,
                grader=grader,
                invocation_logs=invocation_logs,
                metadata_filters=metadata_filters,
            )
            return func(job=job, **rest)

        with_options = _options(job_data_options, job_naming_options) if names else job_data_options
        return with_options(command)  # type: ignore[return-value]

    return decorate


def job_spec(
    *,
    data: Path | None,
    base_model: str | None,
    training_data: str | None,
    validation_data: str | None,
    customization_type: str | None,
    hyperparameters: dict[str, str],
    job_name: str | None,
    model_name: str | None,
    teacher: str | None = None,
    max_response_length: int | None = None,
    grader: str | None = None,
    invocation_logs: str | None = None,
    metadata_filters: tuple[str, ...] = (),
) -> SubmitRequest:
    """The SubmitRequest from --data OUT, or from --training-data (and --validation-data) or --invocation-logs with
    --base-model."""
    if data is not None:
        if (training_data or validation_data) and not invocation_logs:
            raise UsageError(
                "give either a dataset folder or data URIs, not both",
                settings=("data", "training_data", "validation_data"),
            )
        if invocation_logs:
            raise UsageError(
                "give either a dataset folder or invocation logs, not both",
                settings=("data", "invocation_logs"),
            )
        return job_from_dataset(
            data,
            base_model=base_model,
            customization_type=customization_type,
            job_name=job_name,
            model_name=model_name,
            hyperparameters=hyperparameters,
            teacher=teacher,
            max_response_length=max_response_length,
            grader=grader,
        )
    if not training_data and not invocation_logs:
        raise UsageError(
            "no training data given",
            hint="give generate's folder, or the training data's s3:// URI (distillation: or the invocation logs)",
            settings=("data", "training_data", "invocation_logs"),
        )
    if not base_model:
        raise UsageError(
            "no base model given",
            hint="name one, or give generate's folder, whose manifest names it",
            settings=("base_model", "data"),
        )
    return SubmitRequest(
        base_model=base_model,
        training_data=training_data,
        validation_data=validation_data,
        job_name=job_name,
        model_name=model_name,
        customization_type=customization_type or ("DISTILLATION" if invocation_logs else "FINE_TUNING"),
        hyperparameters=hyperparameters,
        teacher=teacher,
        max_response_length=max_response_length,
        grader=grader,
        invocation_logs=invocation_logs,
        metadata_filters=tuple(metadata_filters),
    )


workers_option = click.option(
    "--workers", type=click.IntRange(1, 64), default=8, show_default=True, help="Parallel uploads."
)


def _session(outputs: TerraformOutputs | None, endpoint_url: str | None, **kwargs: Any) -> AwsSession:
    return make_session(outputs.region if outputs else None, endpoint_url, **kwargs)


def _upload_session(outputs: TerraformOutputs, endpoint_url: str | None, workers: int) -> AwsSession:
    # One S3 client serves every upload thread (clients are thread-safe); give it a connection per thread.
    return _session(outputs, endpoint_url, max_pool_connections=max(10, workers * 2))


def _outputs(tf_outputs: str | None, tf_dir: str | None) -> TerraformOutputs:
    """The Terraform outputs a command cannot do without (a ConfigError names what is missing)."""
    return read_tf_outputs(tf_outputs, tf_dir)


def _bedrock(tf_outputs: str | None, tf_dir: str | None, endpoint_url: str | None) -> Any:
    """The bedrock client of the commands that follow a job: the outputs only name the region, AWS_REGION will do."""
    return _session(read_tf_outputs(tf_outputs, tf_dir, required=False), endpoint_url).bedrock()


def _show(output_format: str, result: Any, text: str) -> None:
    """``result.to_dict()`` as the command's JSON document, or the line ``text``."""
    if output_format == "json":
        emit(result.to_dict())
    else:
        click.echo(text)


def render_check(result: CheckResult) -> None:
    click.echo(f"  {STATUS_MARKS[result.status]:4}  {result.name:26} {result.message}")
    if result.hint and result.status is not Status.PASS:
        click.echo(f"        {'':26} fix: {result.hint}")


def render_report(report: PreflightReport) -> None:
    counts = report.counts()
    click.echo(
        f"preflight: {counts['pass']} passed, {counts['fail']} failed, {plural(counts['warn'], 'warning')}, "
        f"{counts['skip']} skipped"
    )


@click.command()
@click.argument("out", metavar="PATH", type=click.Path(exists=True, path_type=Path))
@tf_outputs_options
@workers_option
@click.option(
    "--force",
    is_flag=True,
    help="Replace objects at the dataset's keys that hold other content (published data is never replaced without).",
)
@click.option(
    "--base-model",
    help="Plain JSONL only: the base model the data is for (it is validated for it before anything is sent).",
)
@click.option(
    "--customization-type",
    type=click.Choice(CUSTOMIZATION_TYPES),
    help="Plain JSONL only: the kind of job the data is for [default: FINE_TUNING].",
)
@output_option()
@endpoint_option
def upload(
    out: Path,
    tf_outputs: str | None,
    tf_dir: str | None,
    workers: int,
    force: bool,
    base_model: str | None,
    customization_type: str | None,
    output_format: str,
    endpoint_url: str | None,
) -> None:
    """Put a dataset into the module's bucket; skip what is there.

    PATH is generate's folder: the files its manifest (PATH/manifest.json) lists are sent, each checked against its
    SHA-256 in the manifest first. Or PATH is your own JSONL file or a folder of JSONL files (train.jsonl, and
    validation.jsonl) with the images the records name: it is validated for --base-model first, and nothing is sent
    when it has errors (exit 1). Each object is checked by S3's own checksum: an object with other content stops the
    upload before anything is sent, unless --force. Prints the s3:// URIs of the training and validation data
    (submit also takes generate's folder itself: --data OUT).
    """
    from bedrock_ft.core.progress import progress_bar
    from bedrock_ft.job.requests import UploadRequest
    from bedrock_ft.job.upload import MANIFEST_NAME, read_manifest, upload

    outputs = _outputs(tf_outputs, tf_dir)
    session = _upload_session(outputs, endpoint_url, workers)
    if _is_plain_jsonl(out, MANIFEST_NAME):
        _upload_plain(out, outputs, session, workers, force, base_model, customization_type, output_format)
        return
    if base_model or customization_type:
        raise UsageError(
            f"{out} is generate's folder: its manifest names the model and the customization type",
            hint="drop them, or give a plain JSONL file or folder",
            settings=("base_model", "customization_type"),
        )
    try:
        total: int | None = len(read_manifest(out).files) + 1  # the files and the manifest
    except BedrockFtError:
        total = None  # upload_dataset says what is wrong
    done = [0]

    def interrupted_upload() -> str:
        sent = f"{done[0]} of {total}" if total is not None else str(done[0])
        return (
            f"upload interrupted after {sent} files: what was sent stays in the bucket, nothing keeps running; "
            f"run the same upload again to send the rest (what is there is skipped)"
        )

    with progress_bar(total, "upload") as bar, on_interrupt(interrupted_upload):
        result = upload(
            session,
            outputs,
            UploadRequest(out_dir=out, workers=workers, replace_changed=force),
            progress=_Counted(bar, done),
        )
    _show_upload(result, output_format)


def _is_plain_jsonl(path: Path, manifest_name: str) -> bool:
    """A JSONL file, or a folder of JSONL files without generate's manifest (a folder holding neither is taken for
    generate's, whose upload says the manifest is missing)."""
    if path.is_file():
        return True
    return not (path / manifest_name).exists() and any(path.glob("*.jsonl"))


def _upload_plain(
    path: Path,
    outputs: TerraformOutputs,
    session: AwsSession,
    workers: int,
    force: bool,
    base_model: str | None,
    customization_type: str | None,
    output_format: str,
) -> None:
    """upload PATH for a plain JSONL file or folder: validated for the base model, then sent (upload_plain)."""
    from bedrock_ft.core.progress import progress_bar
    from bedrock_ft.job.upload_plain import upload_plain

    if not base_model:
        raise UsageError(
            f"{path} is plain JSONL (no manifest.json): say which base model the data is for",
            hint="name the base model, so the data is validated for it before anything is sent",
            setting="base_model",
        )
    with progress_bar(None, "upload") as bar, on_interrupt(_plain_upload_interrupted):
        result = upload_plain(
            path,
            session.s3(),
            bucket=outputs.bucket_name,
            bucket_owner=str(outputs.values.get("account_id") or "") or None,
            data_prefix=outputs.data_prefix,
            base_model=base_model,
            customization_type=customization_type,
            kms_key_arn=outputs.kms_key_arn,
            workers=workers,
            progress=bar,
            replace_changed=force,
        )
    _show_upload(result, output_format)


def _plain_upload_interrupted() -> str:
    return (
        "upload interrupted: what was sent stays in the bucket, nothing keeps running; "
        "run the same upload again to send the rest (what is there is skipped)"
    )


def _show_upload(result: Any, output_format: str) -> None:
    for warning in result.warnings:
        click.echo(f"Warning: {warning}", err=True)
    if output_format == "json":
        emit(result.to_dict(), ok=True)
        return
    click.echo(
        f"uploaded {plural(len(result.uploaded), 'object')} ({plural(result.bytes_sent, 'byte')}), "
        f"{len(result.skipped)} already there, to s3://{result.bucket}/{result.prefix}"
    )
    if result.replaced:
        click.echo(f"replaced {plural(len(result.replaced), 'object')} that held other content (--force)")
    if result.aborted_multipart_uploads:
        aborted = plural(len(result.aborted_multipart_uploads), "incomplete multipart upload")
        click.echo(f"aborted {aborted} of an earlier run")
    click.echo(f"training data:   {result.training_uri}")
    if result.validation_uri:
        click.echo(f"validation data: {result.validation_uri}")


@click.command()
@tf_outputs_options
@job_spec_options()
@output_option()
@endpoint_option
def preflight(
    tf_outputs: str | None, tf_dir: str | None, job: SubmitRequest, output_format: str, endpoint_url: str | None
) -> None:
    """Check everything a VPC-attached customization job needs; exit non-zero on any failure."""
    outputs = _outputs(tf_outputs, tf_dir)
    text = output_format == "text"
    report = run_preflight(
        _session(outputs, endpoint_url), outputs, job.preflight_request(), on_result=render_check if text else None
    )
    if text:
        render_report(report)
    else:
        emit(report.to_dict())
    if not report.ok:
        raise ChecksFailed(f"preflight failed: {', '.join(r.name for r in report.failures)}")


@click.command()
@tf_outputs_options
@job_spec_options(names=True)
@skip_preflight_option
@click.option("--dry-run", is_flag=True, help="Print the exact request and send nothing.")
@output_option()
@endpoint_option
def submit(
    tf_outputs: str | None,
    tf_dir: str | None,
    job: SubmitRequest,
    skip_preflight: bool,
    dry_run: bool,
    output_format: str,
    endpoint_url: str | None,
) -> None:
    """Start the customization job in the module's VPC (preflight first); repeating it never starts a second job."""
    outputs = _outputs(tf_outputs, tf_dir)
    text = output_format == "text"
    with on_interrupt(_submit_interrupted):
        result = submit_job(
            _session(outputs, endpoint_url),
            outputs,
            replace(job, skip_preflight=skip_preflight, dry_run=dry_run),
            on_check=render_check if text else None,
        )
    for warning in result.warnings:
        click.echo(f"Warning: {warning}", err=True)
    if not text:
        emit(result.to_dict())
        return
    if result.preflight:
        render_report(result.preflight)
    if dry_run:
        click.echo("dry run: the request create_model_customization_job would get:")
        echo_json(result.request)
    elif result.already_submitted:
        click.echo(f"already submitted: {result.job_arn} (same inputs; no second job started)")
    else:
        click.echo(f"submitted {result.job_name}: {result.job_arn}")
        click.echo(f"follow it with: bedrock-ft wait {result.job_name}")


_follow_options = _options(tf_outputs_options, output_option(), endpoint_option)


@click.command()
@click.argument("job")
@_follow_options
def status(job: str, tf_outputs: str | None, tf_dir: str | None, output_format: str, endpoint_url: str | None) -> None:
    """Show a job's status, status details and metrics (JOB is its name or ARN)."""
    from bedrock_ft.job.jobs import get_job

    result = get_job(_bedrock(tf_outputs, tf_dir, endpoint_url), job)
    _show(output_format, result, result.summary())


@click.command()
@click.argument("job")
@_follow_options
@click.option("--timeout", type=click.FloatRange(min=0), help="Give up after this many seconds (the job goes on).")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.01),
    default=10.0,
    show_default=True,
    help="First pause between polls, in seconds; it doubles up to --max-interval.",
)
@click.option(
    "--max-interval",
    type=click.FloatRange(min=0.01),
    default=120.0,
    show_default=True,
    help="Longest pause between polls, in seconds.",
)
def wait(
    job: str,
    tf_outputs: str | None,
    tf_dir: str | None,
    output_format: str,
    endpoint_url: str | None,
    timeout: float | None,
    interval: float,
    max_interval: float,
) -> None:
    """Wait for a job (JOB is its name or ARN) to end, polling with backoff.

    Exit 0 when it Completed; 6, with the failure message, when it Failed or was Stopped or --timeout ran out.
    With --output json the job's last status is printed either way.
    """
    from bedrock_ft.job.jobs import JobNotCompleted, wait_for_job

    text = output_format == "text"
    try:
        with on_interrupt(lambda: _wait_interrupted(job)):
            result = wait_for_job(
                _bedrock(tf_outputs, tf_dir, endpoint_url),
                job,
                timeout=timeout,
                initial_delay=interval,
                max_delay=max(interval, max_interval),
                on_poll=(lambda s: click.echo(s.summary())) if text else None,
            )
    except JobNotCompleted as exc:
        if not text:
            emit(exc.job.to_dict(), ok=False)
        raise
    _show(output_format, result, f"completed: custom model {result.output_model_arn or result.output_model_name}")


@click.command()
@click.argument("job")
@_follow_options
def stop(job: str, tf_outputs: str | None, tf_dir: str | None, output_format: str, endpoint_url: str | None) -> None:
    """Stop a running job (JOB is its name or ARN). A job that has already ended is left as it is (exit 0)."""
    from bedrock_ft.job.jobs import get_job, stop_job

    bedrock = _bedrock(tf_outputs, tf_dir, endpoint_url)
    already_ended = get_job(bedrock, job).finished
    result = stop_job(bedrock, job)
    if output_format == "json":
        emit({**result.to_dict(), "already_ended": already_ended})
    elif already_ended:
        click.echo(f"job {result.name} had already ended {result.status}; nothing to stop")
    else:
        click.echo(f"stop requested: {result.summary()}")


@click.command("list")
@_follow_options
@click.option(
    "--status",
    "status_filter",
    type=click.Choice(["InProgress", "Completed", "Failed", "Stopping", "Stopped"]),
    help="Only the jobs in this status.",
)
def list_jobs(
    tf_outputs: str | None, tf_dir: str | None, output_format: str, endpoint_url: str | None, status_filter: str | None
) -> None:
    """List the customization jobs bedrock-ft started (by their created-by tag)."""
    from bedrock_ft.job.jobs import list_tool_jobs

    jobs, method = list_tool_jobs(_bedrock(tf_outputs, tf_dir, endpoint_url), status=status_filter)
    if output_format == "json":
        emit({"matched_by": method, "jobs": [j.to_dict() for j in jobs]})
        return
    if not jobs:
        click.echo("no jobs started by bedrock-ft in this region")
    for item in jobs:
        click.echo(f"{item.name:50} {item.status:11} {item.created or ''}")


@click.command()
@tf_outputs_options
@click.option(
    "--preset",
    "preset_file",
    type=click.Path(dir_okay=False, exists=True),
    help="TOML or JSON preset of generate (source, model, templates); the flags below override it.",
)
@click.option("--source", help="Dataset: Hugging Face name, save_to_disk folder, image folder, or JSONL/CSV file.")
@data_option
@click.option("--base-model", help="Base model id or ARN.")
@template_options
@click.option("--validation-split", type=float, metavar="FRACTION", help="Hold out this fraction for validation.")
@click.option("--limit", type=click.IntRange(min=1), help="Read at most N records from each split.")
@click.option(
    "--work-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("bedrock-ft-run"),
    show_default=True,
    help="Where the data and the run's state live; a rerun continues from there.",
)
@click.option("--restart", is_flag=True, help="Forget the finished steps in --work-dir and start over.")
@workers_option
@job_settings_options
@teacher_options
@grader_option
@job_naming_options
@skip_preflight_option
@click.option("--wait/--no-wait", "wait_for_end", default=False, help="Wait for the job to end.")
@click.option("--timeout", type=click.FloatRange(min=0), help="With --wait: give up after this many seconds.")
@click.option(
    "--deploy",
    "deploy_after",
    is_flag=True,
    help="After training, deploy the model (as `bedrock-ft deploy`; implies --wait).",
)
@click.option(
    "--deploy-mode",
    type=click.Choice(["auto", "on-demand", "provisioned"]),
    default="auto",
    show_default=True,
    help="With --deploy: on-demand deployment, provisioned throughput, or whichever the model allows.",
)
@click.option(
    "--model-units", type=click.IntRange(min=1), default=1, show_default=True, help="With provisioned throughput."
)
@click.option(
    "--evaluate",
    "evaluate_after",
    is_flag=True,
    help="After deploying, evaluate the tuned model against its base model on the validation split "
    "(as `bedrock-ft evaluate`; needs --deploy).",
)
@click.option(
    "--task",
    type=click.Choice(["classification", "extraction", "generation"]),
    default="generation",
    show_default=True,
    help="With --evaluate: how answers are scored.",
)
@click.option("--label-pattern", metavar="REGEX", help="With --evaluate: where the label lies in an answer.")
@click.option("--json-path", metavar="PATH", help="With --evaluate and --task extraction: where the JSON lies.")
@click.option(
    "--fail-under",
    multiple=True,
    metavar="METRIC=VALUE",
    help="With --evaluate: exit 1 when the tuned model scores below VALUE (repeatable).",
)
@output_option()
@endpoint_option
def run(
    tf_outputs: str | None,
    tf_dir: str | None,
    preset_file: str | None,
    system: str | None,
    work_dir: Path,
    restart: bool,
    workers: int,
    data: Path | None,
    job_name: str | None,
    model_name: str | None,
    customization_type: str | None,
    hp: tuple[str, ...],
    teacher: str | None,
    max_response_length: int | None,
    grader: str | None,
    skip_preflight: bool,
    wait_for_end: bool,
    timeout: float | None,
    deploy_after: bool,
    deploy_mode: str,
    model_units: int,
    evaluate_after: bool,
    task: str,
    label_pattern: str | None,
    json_path: str | None,
    fail_under: tuple[str, ...],
    output_format: str,
    endpoint_url: str | None,
    **generate_options: Any,
) -> None:
    """generate, upload, preflight, submit (and --wait) in one command; a rerun continues where it stopped.

    With --data OUT (a folder generate already wrote) the generate step is skipped and OUT is uploaded.
    With --deploy (and --evaluate) the run goes on after training: the model is deployed (and evaluated against
    its base model on the validation split); the run's state records those steps too.

    \b
    Example:
      bedrock-ft run --tf-dir infra/ --preset dataset/accessibility/preset-nova.toml --hp epochCount=2 --wait
      bedrock-ft run --tf-dir infra/ --data out/a11y-nova --wait
    """
    from bedrock_ft.data.generate import GenerateSettings
    from bedrock_ft.data.presets import load_preset, resolve_text
    from bedrock_ft.job.requests import RunRequest
    from bedrock_ft.job.run import RunJobNotCompleted, run_pipeline

    outputs = _outputs(tf_outputs, tf_dir)
    from_file = from_project_file(generate_options)
    generate_options = without_project_file(generate_options)
    settings: GenerateSettings | None = None
    if data is not None:
        given = [name for name, value in generate_options.items() if value is not None and name != "base_model"]
        if preset_file or system or given:
            raise UsageError("--data takes a folder generate already wrote: drop the generate options")
    else:
        settings = GenerateSettings(
            system=resolve_text(system) if system else None,
            show_progress=None,
            **{k: v for k, v in generate_options.items()},
        )
        if preset_file:
            settings = settings.with_preset(load_preset(preset_file))
        settings = fill_unset(settings, from_file)
        if not settings.base_model:
            raise UsageError("no base model", hint="pass --base-model or a --preset that names one")
    if evaluate_after and not deploy_after:
        raise UsageError("--evaluate scores the deployed model: add --deploy")
    if deploy_after:
        wait_for_end = True
    request = RunRequest(
        work_dir=work_dir,
        generate=settings,
        dataset=data,
        base_model=(generate_options.get("base_model") or from_file.get("base_model")) if data is not None else None,
        job_name=job_name,
        model_name=model_name,
        customization_type=customization_type,
        hyperparameters=parse_hyperparameter_options(hyperparameter_options(hp)),
        teacher=teacher,
        max_response_length=max_response_length,
        grader=grader,
        workers=workers,
        skip_preflight=skip_preflight,
        wait=wait_for_end,
        timeout=timeout,
        restart=restart,
    )
    text = output_format == "text"
    try:
        with on_interrupt(lambda: _run_interrupted(work_dir)):
            result = run_pipeline(
                _upload_session(outputs, endpoint_url, workers),
                outputs,
                request,
                on_event=(lambda step, message: click.echo(f"[{step}] {message}")) if text else None,
                on_check=render_check if text else None,
                on_poll=(lambda s: click.echo(f"[wait] {s.summary()}")) if text else None,
            )
    except RunJobNotCompleted as exc:
        # As wait does: the document still goes to stdout, and the exit code still says the job did not complete.
        if not text:
            emit(exc.result.to_dict(), ok=False)
        raise
    after: dict[str, Any] | None = None
    if deploy_after:
        after = _after_training(
            _upload_session(outputs, endpoint_url, workers),
            outputs,
            work_dir,
            deploy_mode=deploy_mode,
            model_units=model_units,
            evaluate=evaluate_after,
            evaluate_settings={
                "task": task,
                "label_pattern": label_pattern,
                "json_path": json_path,
                "fail_under": fail_under,
                "timeout": timeout,
            },
            text=text,
        )
    failed_gate = after is not None and after.get("evaluate", {}).get("ok") is False
    if not text:
        emit({**result.to_dict(), "after_training": after}, ok=not failed_gate)
    else:
        click.echo(f"job: {result.job_arn}")
        if result.job is None:
            click.echo(f"follow it with: bedrock-ft wait {result.job_arn}")
        for step, produced in (after or {}).items():
            click.echo(f"{step}: " + ", ".join(f"{key} {value}" for key, value in produced.items()))
    if failed_gate:
        raise ChecksFailed("the tuned model missed a --fail-under gate; the report says which")


def _after_training(
    session: Any,
    outputs: TerraformOutputs,
    work_dir: Path,
    *,
    deploy_mode: str,
    model_units: int,
    evaluate: bool,
    evaluate_settings: dict[str, Any],
    text: bool,
) -> dict[str, Any]:
    """run's steps after training (lifecycle.pipeline): deploy, then evaluate; what each step recorded."""
    from bedrock_ft.lifecycle.deploy import DeployRequest
    from bedrock_ft.lifecycle.evaluation import parse_fail_under
    from bedrock_ft.lifecycle.ledger import Ledger
    from bedrock_ft.lifecycle.pipeline import ContinueRequest, continue_run

    settings = dict(evaluate_settings)
    settings["fail_under"] = parse_fail_under(settings["fail_under"], settings["task"])
    request = ContinueRequest(
        work_dir=work_dir,
        deploy=DeployRequest(model="", mode=deploy_mode, model_units=model_units, timeout=settings["timeout"]),
        evaluate=settings if evaluate else None,
    )
    with on_interrupt(lambda: _run_interrupted(work_dir)):
        result = continue_run(
            session,
            outputs,
            request,
            ledger=Ledger.default(),
            on_progress=(lambda message: click.echo(f"[deploy] {message}", err=True)) if text else None,
        )
    return {**result.done, **{step: {"skipped": True} for step in result.skipped}}


class _Counted:
    """A Progress that also counts what was done, for the message on Ctrl-C."""

    def __init__(self, inner: Progress, done: list[int]) -> None:
        self._inner = inner
        self._done = done

    def advance(self, n: int = 1) -> None:
        self._done[0] += n
        self._inner.advance(n)


def _submit_interrupted() -> str:
    return (
        "submit interrupted: if the request reached Bedrock, the job keeps running there (and costing); "
        "run the same submit again: the same inputs name the same job, so it reports that job instead of starting "
        "a second one (`bedrock-ft list` shows what is running)"
    )


def _wait_interrupted(job: str) -> str:
    return (
        f"stopped waiting: the job {job} keeps running in Bedrock (and costing); "
        f"resume with `bedrock-ft wait {job}`, or stop it with `bedrock-ft stop {job}`"
    )


def _run_interrupted(work_dir: Path) -> str:
    return (
        f"run interrupted: the finished steps are recorded in {work_dir}; a job already submitted keeps running in "
        f"Bedrock (`bedrock-ft list`); run the same command again to continue where it stopped"
    )


COMMANDS = [upload, preflight, submit, status, wait, stop, list_jobs, run]
