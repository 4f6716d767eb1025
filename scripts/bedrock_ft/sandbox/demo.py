"""The whole flow with no AWS account: sandbox infrastructure, generate, upload, preflight, submit and status, then
the life after training: the job completes, metrics, deploy, invoke, evaluate and cleanup.

A moto server runs in its own process on a free loopback port for the length of the demo and is stopped at the
end, whatever happens. What moto lacks (the end of training, deployments, Converse) is emulated in this process by
``sandbox.emulated``, whose answers are labelled as emulated. Every step reports through ``echo``; nothing here
prints.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bedrock_ft.core.errors import ChecksFailed
from bedrock_ft.core.tf_outputs import TerraformOutputs, parse_outputs, to_terraform_json
from bedrock_ft.core.wording import plural
from bedrock_ft.data.module_bucket import settings_in_module_bucket
from bedrock_ft.job.jobs import get_job
from bedrock_ft.job.preflight import CheckResult
from bedrock_ft.job.requests import UploadRequest
from bedrock_ft.job.session import EMULATOR_CREDENTIALS, AwsSession, make_session
from bedrock_ft.job.submit import job_from_dataset, submit_job
from bedrock_ft.job.upload import upload
from bedrock_ft.lifecycle.waiting import Backoff
from bedrock_ft.sandbox.infrastructure import DEFAULT_REGION, create_infrastructure
from bedrock_ft.sandbox.moto_server import MotoServer

DEMO_MODEL = "amazon.nova-lite-v1:0:300k"
DEMO_RECORDS = 80  # 16 held out: enough for the evaluation to show a difference with a confidence interval
STEPS = 13
JUDGE_MODEL = "us.amazon.nova-pro-v1:0"
# The sample's answers list the WCAG criteria a page fails ("- 1.4.3 Contrast (Minimum): fail"); the first is the label.
LABEL_PATTERN = r"(\d+\.\d+\.\d+ [^:\n]+): fail"
# The emulator answers Creating once, then Active: poll quickly.
DEMO_BACKOFF = Backoff(initial=0.1, maximum=0.5)


@dataclass
class DemoResult:
    outputs_file: Path
    job_arn: str | None = None
    job_status: str | None = None
    preflight_ok: bool = False
    timings: dict[str, float] = field(default_factory=dict)
    deployment_arn: str | None = None
    evaluation_ok: bool | None = None
    report_dir: Path | None = None
    cleaned: bool = False


def run_demo(
    echo: Callable[[str], None],
    *,
    work_dir: str | Path | None = None,
    region: str = DEFAULT_REGION,
    records: int = DEMO_RECORDS,
) -> DemoResult:
    """Run the flow against a fresh moto server; files go to ``work_dir`` (a temporary folder when None)."""
    if work_dir is None:
        with tempfile.TemporaryDirectory(prefix="bedrock-ft-demo-") as temp:
            return _run(echo, Path(temp), region, records)
    folder = Path(work_dir)
    folder.mkdir(parents=True, exist_ok=True)
    return _run(echo, folder, region, records)


def _run(echo: Callable[[str], None], work: Path, region: str, records: int) -> DemoResult:
    timings: dict[str, float] = {}

    def step(title: str) -> float:
        echo("")
        echo(f"== {title}")
        return time.monotonic()

    started = step(f"1/{STEPS} start a local AWS emulator (moto server, separate process)")
    with MotoServer() as server:
        echo(f"moto server on {server.url} (pid {server.pid}); no AWS account is used")
        timings["server"] = time.monotonic() - started

        started = step(f"2/{STEPS} create the Terraform module's infrastructure in the emulator")
        session = make_session(region, server.url, max_pool_connections=20, static_credentials=EMULATOR_CREDENTIALS)
        values = create_infrastructure(session)
        outputs_file = work / "terraform-outputs.json"
        outputs_file.write_text(json.dumps(to_terraform_json(values), indent=2) + "\n", encoding="utf-8")
        outputs = parse_outputs(to_terraform_json(values), str(outputs_file))
        zones = ", ".join(values["availability_zones"])
        echo(f"VPC {values['vpc_id']}, {len(values['subnet_ids'])} private subnets in {zones}")
        echo(f"security group {values['security_group_ids'][0]} (all traffic to and from itself, HTTPS to S3)")
        echo(f"S3 gateway endpoint {values['s3_endpoint_id']}, bucket {values['bucket_name']} (SSE-KMS)")
        echo(f"service role {values['role_arn']}")
        echo(f"outputs written in `terraform output -json` shape to {outputs_file}")
        timings["infrastructure"] = time.monotonic() - started

        started = step(f"3/{STEPS} generate: the bundled accessibility vision sample ({records} records) for Nova Lite")
        generate = _generate(work, outputs, records)
        counts = generate.manifest.get("counts", {})
        echo(
            f"{counts.get('train')} training + {counts.get('validation')} validation records, "
            f"{counts.get('images')} images -> {generate.out_dir}"
        )
        echo(f"validation: {'ok' if generate.ok else 'problems found'}")
        echo(f"dataset digest {generate.manifest['digest'][:16]}...: JSONL under {generate.manifest['prefix']}/")
        timings["generate"] = time.monotonic() - started

        started = step(f"4/{STEPS} upload to the bucket (parallel, idempotent, SSE-KMS)")
        uploaded = upload(session, outputs, UploadRequest(out_dir=Path(generate.out_dir)))
        sent, there = len(uploaded.uploaded), len(uploaded.skipped)
        echo(f"sent {plural(sent, 'object')} ({uploaded.bytes_sent} bytes), {there} already there")
        again = upload(session, outputs, UploadRequest(out_dir=Path(generate.out_dir)))
        echo(f"upload again: sent {len(again.uploaded)}, skipped {len(again.skipped)} (same content)")
        echo(f"training data   {uploaded.training_uri}")
        echo(f"validation data {uploaded.validation_uri}")
        timings["upload"] = time.monotonic() - started

        started = step(f"5/{STEPS} preflight, then 6/{STEPS} submit the VPC-attached fine-tuning job")
        # The folder itself: the data URIs and their content digests come from its manifest.
        job = job_from_dataset(generate.out_dir, hyperparameters={"epochCount": "1"})

        def show(check: CheckResult) -> None:
            echo(f"  {check.status.value.upper():7} {check.name:26} {check.message}")

        result = DemoResult(outputs_file=outputs_file, timings=timings)
        try:
            submitted = submit_job(session, outputs, job, on_check=show)
        except ChecksFailed as exc:
            echo(f"preflight failed: {exc}")
            return result
        result.preflight_ok = True
        request = submitted.request
        echo(f"submitted {submitted.job_arn}")
        echo(f"  customModelName    {request['customModelName']}")
        echo(
            f"  vpcConfig          {len(request['vpcConfig']['subnetIds'])} subnets, "
            f"security group {request['vpcConfig']['securityGroupIds'][0]}"
        )
        echo(f"  outputDataConfig   {request['outputDataConfig']['s3Uri']}")
        echo(f"  hyperParameters    {json.dumps(request['hyperParameters'])}")
        echo(
            f"  clientRequestToken {request['clientRequestToken'][:16]}... (a hash of the data's content and settings)"
        )
        repeat = submit_job(session, outputs, replace(job, skip_preflight=True))
        echo(f"submit again: {'the same job, none started' if repeat.already_submitted else 'a NEW job (unexpected)'}")
        result.job_arn = submitted.job_arn
        timings["submit"] = time.monotonic() - started

        started = step(f"7/{STEPS} status")
        status = get_job(session.bedrock(), str(submitted.job_arn))
        echo(status.summary())
        echo("(on AWS follow it with `bedrock-ft wait JOB`; here the emulator finishes it)")
        result.job_status = status.status
        timings["status"] = time.monotonic() - started
        _after_training(echo, session, outputs, work, generate.out_dir, str(submitted.job_arn), result, step)
    echo("")
    echo("moto server stopped")
    return result


def _after_training(
    echo: Callable[[str], None],
    session: AwsSession,
    outputs: TerraformOutputs,
    work: Path,
    dataset: Path,
    job_arn: str,
    result: DemoResult,
    step: Callable[[str], float],
) -> None:
    """Steps 8 to 13: the job completes (emulated), metrics, deploy, invoke, evaluate, cleanup."""
    from bedrock_ft.lifecycle.cleanup import CleanupRequest, cleanup
    from bedrock_ft.lifecycle.deploy import DeployRequest, deploy
    from bedrock_ft.lifecycle.evaluation import EvaluateRequest, run_evaluation
    from bedrock_ft.lifecycle.invoke import InvokeRequest, invoke
    from bedrock_ft.lifecycle.ledger import Ledger
    from bedrock_ft.lifecycle.metrics import MetricsRequest, read_job_metrics
    from bedrock_ft.lifecycle.plots import sparkline, write_loss_plot
    from bedrock_ft.sandbox.emulated import install_emulation

    timings = result.timings
    ledger = Ledger(work / "state" / "ledger.jsonl")  # the demo's own ledger, never the user's
    emulator = install_emulation(session)

    started = step(f"8/{STEPS} the job trains (EMULATED: moto never trains; the emulator completes the job)")
    model_arn = emulator.complete_job(job_arn)
    status = get_job(session.bedrock(), job_arn)
    result.job_status = status.status
    echo(status.summary())
    echo(f"custom model {model_arn}")
    timings["train"] = time.monotonic() - started

    started = step(f"9/{STEPS} metrics: the loss curves the job wrote under its output location")
    metrics = read_job_metrics(session, outputs, MetricsRequest(job=job_arn))
    echo(f"from {metrics.output_uri}")
    if metrics.training:
        echo(
            f"training loss   {sparkline([p.loss for p in metrics.training])}  "
            f"{metrics.training[0].loss:.3f} -> {metrics.training[-1].loss:.3f} over {len(metrics.training)} steps"
        )
    if metrics.validation:
        echo(
            f"validation loss {sparkline([p.loss for p in metrics.validation])}  "
            f"{metrics.validation[0].loss:.3f} -> {metrics.validation[-1].loss:.3f}"
        )
    plot = write_loss_plot(metrics, work / "loss_curves.png")
    echo(f"loss curves written to {plot}")
    timings["metrics"] = time.monotonic() - started

    started = step(f"10/{STEPS} deploy: an on-demand custom model deployment (EMULATED), then the same again")
    deployment = deploy(session, DeployRequest(model=job_arn), ledger=ledger, backoff=DEMO_BACKOFF)
    echo(f"{deployment.mode} deployment {deployment.name}: {deployment.status}")
    echo(f"  why: {deployment.reason}")
    echo(f"  modelId: {deployment.arn}")
    again = deploy(session, DeployRequest(model=job_arn), ledger=ledger, backoff=DEMO_BACKOFF)
    same = again.reused and again.arn == deployment.arn
    echo(f"deploy again: {'the same deployment, none created' if same else 'a NEW deployment (unexpected)'}")
    result.deployment_arn = deployment.arn
    timings["deploy"] = time.monotonic() - started

    started = step(f"11/{STEPS} invoke: replay validation record 1 on the tuned and the base model (EMULATED answers)")
    replay = invoke(
        session,
        InvokeRequest(target=deployment.arn, record=f"{dataset / 'validation.jsonl'}:1", compare_base=True),
        ledger=ledger,
    )
    for answer in replay.answers:
        label = "tuned" if answer.role == "target" else "base "
        first = answer.text.splitlines()[0] if answer.text else ""
        emulated = " [emulated]" if answer.emulated else ""
        echo(f"{label} {answer.model_id}{emulated}")
        echo(f"      {first[:110]}")
        echo(f"      {answer.input_tokens} tokens in, {answer.output_tokens} out")
    reference = (replay.reference or "").splitlines()[0] if replay.reference else ""
    echo(f"reference {reference[:110]}")
    timings["invoke"] = time.monotonic() - started

    started = step(f"12/{STEPS} evaluate: held-out records through both models, scored locally (EMULATED answers)")
    report = run_evaluation(
        session,
        outputs,
        EvaluateRequest(
            tuned_model=deployment.arn,
            base_model=DEMO_MODEL,
            records=dataset / "validation.jsonl",
            report_dir=work / "report",
            task="classification",
            label_pattern=LABEL_PATTERN,
            metrics=metrics,
            judge_model=JUDGE_MODEL,
        ),
    )
    tuned = report.tuned.scores.values
    base = report.base.scores.values if report.base else {}
    echo(f"{report.records} held-out records, task {report.task} (label: the first WCAG criterion failed)")
    for metric in sorted(tuned):
        echo(f"  {metric:10} tuned {tuned[metric]:.3f}   base {base.get(metric, float('nan')):.3f}")
    if report.difference is not None:
        d = report.difference.to_dict()
        echo(f"  tuned - base {report.headline_metric}: {json.dumps(d)}")
    if report.judge:
        for role, job in report.judge.get("jobs", {}).items():
            scores = ", ".join(f"{item['metric']} {item['score']:.2f}" for item in job.get("scores") or [])
            echo(f"  judge ({JUDGE_MODEL}, EMULATED evaluation job) on the {role} answers: {scores}")
    echo(f"report: {report.report_dir}/report.md ({len(report.files)} files)")
    result.evaluation_ok = report.ok
    result.report_dir = report.report_dir
    timings["evaluate"] = time.monotonic() - started

    started = step(f"13/{STEPS} cleanup: what still bills or stores, deleted in a safe order")
    done = cleanup(session, CleanupRequest(), ledger=ledger, confirm=lambda before, planned: True, outputs=outputs)
    _show_inventory(echo, "before", done.before.resources)
    for outcome in done.outcomes:
        reason = f": {outcome.reason}" if outcome.reason else ""
        echo(f"  {outcome.action.upper():8} {outcome.resource.kind:24} {outcome.resource.name}{reason}")
    _show_inventory(echo, "after", done.after.resources if done.after else [])
    left = done.after.resources if done.after is not None else []
    # Nothing that bills by the hour or holds a model is left; the data stays unless asked for (--include-data).
    result.cleaned = done.ok and all(r.kind == "s3_prefix" for r in left)
    timings["cleanup"] = time.monotonic() - started


def _show_inventory(echo: Callable[[str], None], when: str, resources: list[Any]) -> None:
    echo(f"{when}: {len(resources)} resource(s)")
    for r in resources:
        facts = [r.status or "", f"found by {'+'.join(r.found_by)}"]
        if r.model_units:
            facts.insert(1, f"{r.model_units} model unit(s)")
        echo(f"  {r.kind:24} {r.name} ({', '.join(f for f in facts if f)})")


def _generate(work: Path, outputs: TerraformOutputs, records: int) -> Any:
    from bedrock_ft.data.generate import GenerateSettings, generate_dataset
    from bedrock_ft.data.presets import load_preset
    from bedrock_ft.data.samples.accessibility import render_sample

    sample = work / "sample"
    render_sample(sample, count=records)
    settings = GenerateSettings(source=str(sample), out_dir=work / "out", base_model=DEMO_MODEL, show_progress=False)
    settings = settings_in_module_bucket(settings, outputs)
    return generate_dataset(settings.with_preset(load_preset(sample / "preset-nova.toml")))
