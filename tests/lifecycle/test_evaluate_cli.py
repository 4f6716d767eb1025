"""`bedrock-ft evaluate` and `bedrock-ft metrics` through the console script: options, output, exit codes."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

from bedrock_ft.cli import lifecycle_eval_commands, main
from bedrock_ft.job.session import AwsSession, make_session
from bedrock_ft.lifecycle.metrics import TRAINING_FILE
from helpers.converse_fakes import FakeConverse

TUNED = "arn:aws:bedrock:us-east-1:123456789012:custom-model-deployment/abc123"
LABELS = ["spam", "ham", "spam", "ham"]
BUCKET = "bft-cli-test"


def record(i: int, label: str) -> dict[str, Any]:
    return {
        "schemaVersion": "bedrock-conversation-2024",
        "messages": [
            {"role": "user", "content": [{"text": f"message {i}"}]},
            {"role": "assistant", "content": [{"text": label}]},
        ],
    }


def answer(params: dict[str, Any]) -> str:
    if params["modelId"] != TUNED:
        return "spam"
    i = int(params["messages"][0]["content"][0]["text"].split()[-1])
    return "spam" if i == 3 else LABELS[i]


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsSession]:
    with mock_aws():
        aws = make_session("us-east-1")
        monkeypatch.setattr(lifecycle_eval_commands, "_session", lambda *args, **kwargs: aws)
        yield aws


@pytest.fixture
def fake(session: AwsSession) -> FakeConverse:
    return FakeConverse(session, answer)


@pytest.fixture
def records(tmp_path: Path) -> Path:
    path = tmp_path / "held.jsonl"
    path.write_text("".join(json.dumps(record(i, label)) + "\n" for i, label in enumerate(LABELS)), encoding="utf-8")
    return path


@pytest.fixture
def dataset(tmp_path: Path, records: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "validation.jsonl").write_bytes(records.read_bytes())
    manifest = {"tool": "bedrock-ft", "base_model": "amazon.nova-lite-v1:0:300k", "files": []}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def keys_of(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from keys_of(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from keys_of(inner)


def evaluate(tmp_path: Path, *args: str) -> int:
    return main(
        ["evaluate", "--model", TUNED, "--task", "classification", "--report-dir", str(tmp_path / "rep"), *args]
    )


def test_json_output_is_one_document_with_the_envelope(
    fake: FakeConverse, records: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = evaluate(tmp_path, "--test-data", str(records), "--base-model", "amazon.nova-lite-v1:0", "--output", "json")
    document = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (document["ok"], document["command"], document["schema_version"]) == (True, "evaluate", 1)
    assert document["models"]["tuned"]["scores"]["accuracy"] == 0.75
    assert document["models"]["base"]["model_id"] == "us.amazon.nova-lite-v1:0"
    assert document["difference"]["metric"] == "accuracy"
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", key) for key in keys_of(document))


def test_text_output_shows_the_scores_side_by_side(
    fake: FakeConverse, records: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert evaluate(tmp_path, "--test-data", str(records), "--base-model", "amazon.nova-lite-v1:0") == 0
    out = capsys.readouterr().out
    assert "accuracy         0.750   0.500  +0.250" in out
    assert "calls 8, cached 0" in out


def test_the_dataset_folder_gives_the_records_and_the_base_model(
    fake: FakeConverse, dataset: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert evaluate(tmp_path, "--data", str(dataset), "--output", "json") == 0
    assert json.loads(capsys.readouterr().out)["models"]["base"]["model_id"] == "us.amazon.nova-lite-v1:0"


def test_a_missed_gate_exits_1_with_an_ok_false_document(
    fake: FakeConverse, records: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = evaluate(
        tmp_path, "--test-data", str(records), "--no-base", "--fail-under", "accuracy=0.9", "--output", "json"
    )
    document = json.loads(capsys.readouterr().out)
    assert code == 1
    assert document["ok"] is False
    assert document["gates"] == [{"metric": "accuracy", "minimum": 0.9, "value": 0.75, "state": "fail"}]
    assert "error" not in document


def test_a_missed_gate_in_text_says_which(
    fake: FakeConverse, records: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert evaluate(tmp_path, "--test-data", str(records), "--no-base", "--fail-under", "accuracy=0.9") == 1
    assert "misses its gate: accuracy 0.750 < 0.9" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--test-data", "X", "--data", "Y"],
        ["--test-data", "RECORDS"],
        ["--test-data", "RECORDS", "--no-base", "--base-model", "amazon.nova-lite-v1:0"],
        ["--test-data", "RECORDS", "--no-base", "--fail-under", "rouge_l=0.1"],
        ["--test-data", "RECORDS", "--no-base", "--fail-under", "accuracy"],
    ],
)
def test_wrong_command_lines_exit_2_before_any_call(
    fake: FakeConverse, records: Path, tmp_path: Path, args: list[str]
) -> None:
    assert evaluate(tmp_path, *[str(records) if a == "RECORDS" else a for a in args]) == 2
    assert fake.requests == []


def test_a_dataset_without_a_validation_split_exits_3(fake: FakeConverse, dataset: Path, tmp_path: Path) -> None:
    (dataset / "validation.jsonl").unlink()
    assert evaluate(tmp_path, "--data", str(dataset)) == 3


def test_judge_without_terraform_outputs_exits_4(
    fake: FakeConverse, records: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BEDROCK_FT_TF_OUTPUTS", raising=False)
    monkeypatch.delenv("BEDROCK_FT_TF_DIR", raising=False)
    assert evaluate(tmp_path, "--test-data", str(records), "--no-base", "--judge", "amazon.nova-pro-v1:0") == 4


# ---------------------------------------------------------------------------------------------------- metrics


@pytest.fixture
def job(session: AwsSession) -> str:
    session.s3().create_bucket(Bucket=BUCKET)
    session.bedrock().create_model_customization_job(
        jobName="job-1",
        customModelName="model-1",
        roleArn="arn:aws:iam::123456789012:role/bft",
        baseModelIdentifier="amazon.nova-lite-v1:0",
        trainingDataConfig={"s3Uri": f"s3://{BUCKET}/data/train.jsonl"},
        outputDataConfig={"s3Uri": f"s3://{BUCKET}/output/"},
        hyperParameters={},
    )
    rows = "".join(f"{s},{s // 10},{3.0 / s:.4f},{s}\n" for s in range(1, 41))
    body = ("step_number,epoch_number,training_loss,perplexity\n" + rows).encode()
    session.s3().put_object(Bucket=BUCKET, Key=f"output/model-customization-job-job-1/{TRAINING_FILE}", Body=body)
    return "job-1"


def test_metrics_text_shows_a_sparkline_and_an_evenly_spaced_table(
    job: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["metrics", job]) == 0
    out = capsys.readouterr().out
    assert "training   loss 3.0000 -> 0.0750 (min 0.0750), 40 points" in out
    assert "█" in out and "▁" in out
    table = [line for line in out.splitlines() if line.strip() and line.split()[0].isdigit()]
    assert len(table) == 12
    assert table[0].split()[0] == "1" and table[-1].split()[0] == "40"


def test_metrics_json_and_plot(job: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plot = tmp_path / "loss.png"
    assert main(["metrics", job, "--output", "json", "--plot", str(plot)]) == 0
    document = json.loads(capsys.readouterr().out)
    assert (document["ok"], document["command"], document["schema_version"]) == (True, "metrics", 1)
    assert len(document["training"]) == 40 and document["plot"] == str(plot)
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", key) for key in keys_of(document))
    assert plot.read_bytes()[:4] == b"\x89PNG"


def test_metrics_of_an_unknown_job_exits_5(session: AwsSession) -> None:
    assert main(["metrics", "nope"]) == 5
