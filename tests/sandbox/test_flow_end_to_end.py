"""End to end against a moto server in its own process: the demo, and `run` continuing where it stopped."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from bedrock_ft.cli import cli
from bedrock_ft.core.tf_outputs import to_terraform_json
from bedrock_ft.job.session import EMULATOR_CREDENTIALS, make_session
from bedrock_ft.sandbox.infrastructure import create_infrastructure
from bedrock_ft.sandbox.moto_server import MotoServer

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server() -> Iterator[MotoServer]:
    with MotoServer() as running:
        yield running


def test_the_demo_runs_the_whole_flow_and_stops_its_server(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["demo", "--work-dir", str(tmp_path), "--records", "10"])
    assert result.exit_code == 0, result.output
    for line in (
        "moto server on http://127.0.0.1:",
        "PASS    subnets-cover-zones",
        "PASS    images",
        "submitted arn:aws:bedrock:us-east-1:123456789012:model-customization-job/",
        "submit again: the same job, none started",
        ": InProgress",
        "moto server stopped",
    ):
        assert line in result.output
    assert "FAIL" not in result.output
    outputs = json.loads((tmp_path / "terraform-outputs.json").read_text())
    assert outputs["subnet_ids"]["type"] == ["list", "string"] and len(outputs["subnet_ids"]["value"]) == 6


def test_the_server_process_is_gone_after_stop() -> None:
    import os

    server = MotoServer().start()
    pid = server.pid
    server.stop()
    assert pid is not None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def _sample(tmp_path: Path) -> Path:
    from bedrock_ft.data.samples.accessibility import render_sample

    render_sample(tmp_path / "sample", count=10)
    return tmp_path / "sample"


def test_run_continues_where_it_stopped(server: MotoServer, tmp_path: Path) -> None:
    session = make_session("us-east-1", server.url, static_credentials=EMULATOR_CREDENTIALS)
    values = create_infrastructure(session, name="bedrock-ft-run-test", flow_logs=False)
    outputs_file = tmp_path / "outputs.json"
    outputs_file.write_text(json.dumps(to_terraform_json(values)))
    sample = _sample(tmp_path)
    args = [
        "run",
        "--tf-outputs",
        str(outputs_file),
        "--endpoint-url",
        server.url,
        "--source",
        str(sample),
        "--base-model",
        "amazon.nova-lite-v1:0:300k",
        "--image-column",
        "image",
        "--prompt-template",
        "Review {html}",
        "--response-template",
        "{outputs.plan}",
        "--validation-split",
        "0.2",
        "--work-dir",
        str(tmp_path / "work"),
        "--output",
        "json",
    ]
    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    first = CliRunner().invoke(cli, args, env=env)
    assert first.exit_code == 0, first.output
    first_result = json.loads(first.stdout)
    assert first_result["ran"] == ["generate", "upload", "preflight", "submit"]

    second = CliRunner().invoke(cli, args, env=env)
    assert second.exit_code == 0, second.output
    second_result = json.loads(second.stdout)
    assert second_result["ran"] == []
    assert second_result["resumed"] == ["generate", "upload", "preflight", "submit"]
    assert second_result["steps"]["submit"]["job_arn"] == first_result["steps"]["submit"]["job_arn"]


def test_run_refuses_other_inputs_in_the_same_work_dir(server: MotoServer, tmp_path: Path) -> None:
    from bedrock_ft.core.errors import UsageError
    from bedrock_ft.core.tf_outputs import parse_outputs
    from bedrock_ft.data.generate import GenerateSettings
    from bedrock_ft.job.requests import RunRequest
    from bedrock_ft.job.run import run_pipeline

    session = make_session("us-east-1", server.url, static_credentials=EMULATOR_CREDENTIALS)
    values = create_infrastructure(session, name="bedrock-ft-refuse-test", flow_logs=False)
    outputs = parse_outputs(to_terraform_json(values), "test")
    settings = GenerateSettings(
        source=str(_sample(tmp_path)),
        base_model="amazon.nova-lite-v1:0:300k",
        image_column="image",
        prompt_template="Review {html}",
        response_template="{outputs.plan}",
        validation_split=0.2,
        show_progress=False,
    )
    run_pipeline(session, outputs, RunRequest(work_dir=tmp_path / "work", generate=settings))
    other = RunRequest(work_dir=tmp_path / "work", generate=settings, hyperparameters={"epochCount": "1"})
    with pytest.raises(UsageError, match="other inputs"):
        run_pipeline(session, outputs, other)


def test_run_takes_a_folder_generate_wrote_and_submits_it(server: MotoServer, tmp_path: Path) -> None:
    from bedrock_ft.data.generate import GenerateSettings, generate_dataset

    session = make_session("us-east-1", server.url, static_credentials=EMULATOR_CREDENTIALS)
    values = create_infrastructure(session, name="bedrock-ft-data-test", flow_logs=False)
    outputs_file = tmp_path / "outputs.json"
    outputs_file.write_text(json.dumps(to_terraform_json(values)))
    generated = generate_dataset(
        GenerateSettings(
            source=str(_sample(tmp_path)),
            out_dir=tmp_path / "out",
            base_model="amazon.nova-lite-v1:0:300k",
            image_column="image",
            prompt_template="Review {html}",
            response_template="{outputs.plan}",
            bucket=values["bucket_name"],
            bucket_owner=values["account_id"],
            show_progress=False,
        )
    )
    args = ["run", "--tf-outputs", str(outputs_file), "--endpoint-url", server.url, "--data", str(tmp_path / "out")]
    args += ["--work-dir", str(tmp_path / "work"), "--output", "json"]
    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code == 0, result.output
    steps = json.loads(result.stdout)["steps"]
    assert steps["generate"]["given"] and steps["generate"]["digest"] == generated.manifest["digest"]
    assert steps["upload"]["training_data"].endswith(f"{generated.manifest['prefix']}/train.jsonl")
    assert steps["upload"]["training_digest"] == "sha256:" + generated.manifest["files"]["train.jsonl"]["sha256"]


def test_run_refuses_data_together_with_generate_options(tmp_path: Path) -> None:
    outputs_file = tmp_path / "outputs.json"
    outputs_file.write_text(json.dumps({"bucket_name": {"value": "b"}, "region": {"value": "us-east-1"}}))
    (tmp_path / "out").mkdir()
    args = ["run", "--tf-outputs", str(outputs_file), "--data", str(tmp_path / "out"), "--source", "x"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code != 0 and "drop the generate options" in str(result.exception)
