"""The whole flow with no AWS account: sandbox infrastructure, generate, upload, preflight, submit and status.

A moto server runs in its own process on a free loopback port for the length of the demo and is stopped at the
end, whatever happens. Every step reports through ``echo``; nothing here prints.
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
from bedrock_ft.data.module_bucket import settings_in_module_bucket
from bedrock_ft.job.jobs import get_job
from bedrock_ft.job.preflight import CheckResult
from bedrock_ft.job.requests import UploadRequest
from bedrock_ft.job.session import EMULATOR_CREDENTIALS, make_session
from bedrock_ft.job.submit import job_from_dataset, submit_job
from bedrock_ft.job.upload import upload
from bedrock_ft.sandbox.infrastructure import DEFAULT_REGION, create_infrastructure
from bedrock_ft.sandbox.moto_server import MotoServer

DEMO_MODEL = "amazon.nova-lite-v1:0:300k"
DEMO_RECORDS = 32


@dataclass
class DemoResult:
    outputs_file: Path
    job_arn: str | None = None
    job_status: str | None = None
    preflight_ok: bool = False
    timings: dict[str, float] = field(default_factory=dict)


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

    started = step("1/7 start a local AWS emulator (moto server, separate process)")
    with MotoServer() as server:
        echo(f"moto server on {server.url} (pid {server.pid}); no AWS account is used")
        timings["server"] = time.monotonic() - started

        started = step("2/7 create the Terraform module's infrastructure in the emulator")
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

        started = step(f"3/7 generate: the bundled accessibility vision sample ({records} records) for Nova Lite")
        generate = _generate(work, outputs, records)
        counts = generate.manifest.get("counts", {})
        echo(
            f"{counts.get('train')} training + {counts.get('validation')} validation records, "
            f"{counts.get('images')} images -> {generate.out_dir}"
        )
        echo(f"validation: {'ok' if generate.ok else 'problems found'}")
        echo(f"dataset digest {generate.manifest['digest'][:16]}...: JSONL under {generate.manifest['prefix']}/")
        timings["generate"] = time.monotonic() - started

        started = step("4/7 upload to the bucket (parallel, idempotent, SSE-KMS)")
        uploaded = upload(session, outputs, UploadRequest(out_dir=Path(generate.out_dir)))
        sent, there = len(uploaded.uploaded), len(uploaded.skipped)
        echo(f"sent {sent} objects ({uploaded.bytes_sent} bytes), {there} already there")
        again = upload(session, outputs, UploadRequest(out_dir=Path(generate.out_dir)))
        echo(f"upload again: sent {len(again.uploaded)}, skipped {len(again.skipped)} (same content)")
        echo(f"training data   {uploaded.training_uri}")
        echo(f"validation data {uploaded.validation_uri}")
        timings["upload"] = time.monotonic() - started

        started = step("5/7 preflight, then 6/7 submit the VPC-attached fine-tuning job")
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

        started = step("7/7 status")
        status = get_job(session.bedrock(), str(submitted.job_arn))
        echo(status.summary())
        echo("(the emulator never trains: the job stays InProgress; on AWS follow it with `bedrock-ft wait JOB`)")
        result.job_status = status.status
        timings["status"] = time.monotonic() - started
    echo("")
    echo("moto server stopped")
    return result


def _generate(work: Path, outputs: TerraformOutputs, records: int) -> Any:
    from bedrock_ft.data.generate import GenerateSettings, generate_dataset
    from bedrock_ft.data.presets import load_preset
    from bedrock_ft.data.samples.accessibility import render_sample

    sample = work / "sample"
    render_sample(sample, count=records)
    settings = GenerateSettings(source=str(sample), out_dir=work / "out", base_model=DEMO_MODEL, show_progress=False)
    settings = settings_in_module_bucket(settings, outputs)
    return generate_dataset(settings.with_preset(load_preset(sample / "preset-nova.toml")))
