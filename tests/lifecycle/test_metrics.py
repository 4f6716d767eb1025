"""`metrics`: the job's loss CSVs under its output location, read with moto S3 and moto's customization jobs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

from bedrock_ft.core.errors import AwsError, InputError
from bedrock_ft.job.session import AwsSession, make_session
from bedrock_ft.lifecycle import plots
from bedrock_ft.lifecycle.metrics import (
    TRAINING_FILE,
    VALIDATION_FILE,
    MetricsRequest,
    parse_loss_csv,
    read_job_metrics,
)
from helpers.aws_fixtures import REGION, set_status

BUCKET = "bft-metrics-test"
TRAINING_CSV = "step_number,epoch_number,training_loss,perplexity\n1,0,2.5,12.2\n2,0,2.0,7.4\n3,1,1.5,4.5\n"
VALIDATION_CSV = "step_number,epoch_number,validation_loss,perplexity\n3,1,1.8,6.0\n"


@pytest.fixture
def session() -> Iterator[AwsSession]:
    with mock_aws():
        aws = make_session(REGION)
        aws.s3().create_bucket(Bucket=BUCKET)
        aws.bedrock().create_model_customization_job(
            jobName="job-1",
            customModelName="model-1",
            roleArn="arn:aws:iam::123456789012:role/bft",
            baseModelIdentifier="amazon.nova-lite-v1:0",
            trainingDataConfig={"s3Uri": f"s3://{BUCKET}/data/train.jsonl"},
            outputDataConfig={"s3Uri": f"s3://{BUCKET}/output/"},
            hyperParameters={},
        )
        yield aws


def put(session: AwsSession, key: str, body: str | bytes) -> None:
    session.s3().put_object(Bucket=BUCKET, Key=key, Body=body.encode() if isinstance(body, str) else body)


def job_folder() -> str:
    return "output/model-customization-job-job-1/"


def test_reads_training_and_validation_points_from_the_job_folder(session: AwsSession) -> None:
    put(session, job_folder() + TRAINING_FILE, TRAINING_CSV)
    put(session, job_folder() + VALIDATION_FILE, VALIDATION_CSV)
    metrics = read_job_metrics(session, None, MetricsRequest("job-1"))
    assert [(p.step, p.epoch, p.loss, p.perplexity) for p in metrics.training] == [
        (1, 0.0, 2.5, 12.2),
        (2, 0.0, 2.0, 7.4),
        (3, 1.0, 1.5, 4.5),
    ]
    assert [(p.step, p.loss) for p in metrics.validation] == [(3, 1.8)]
    assert metrics.files == {TRAINING_FILE: "found", VALIDATION_FILE: "found"}
    assert metrics.output_uri == f"s3://{BUCKET}/{job_folder()}"


def test_job_arn_is_accepted_where_the_endpoint_takes_names_only(session: AwsSession) -> None:
    put(session, job_folder() + TRAINING_FILE, TRAINING_CSV)
    metrics = read_job_metrics(
        session, None, MetricsRequest("arn:aws:bedrock:us-east-1:123456789012:model-customization-job/job-1")
    )
    assert metrics.job_name == "job-1"
    assert len(metrics.training) == 3


def test_a_running_job_without_files_gives_notes_not_an_error(session: AwsSession) -> None:
    metrics = read_job_metrics(session, None, MetricsRequest("job-1"))
    assert metrics.status == "InProgress"
    assert metrics.training == () and metrics.validation == ()
    assert metrics.files == {TRAINING_FILE: "missing", VALIDATION_FILE: "missing"}
    assert any("InProgress" in note for note in metrics.notes)


def test_a_running_job_reports_no_final_losses(session: AwsSession) -> None:
    assert read_job_metrics(session, None, MetricsRequest("job-1")).job_training_loss is None


def test_a_completed_job_reports_its_own_losses(session: AwsSession) -> None:
    set_status("job-1", "Completed")
    metrics = read_job_metrics(session, None, MetricsRequest("job-1"))
    assert metrics.job_training_loss == 0.0
    assert metrics.job_validation_loss == 0.0


def test_training_file_alone_is_read_while_validation_is_missing(session: AwsSession) -> None:
    put(session, job_folder() + TRAINING_FILE, TRAINING_CSV)
    metrics = read_job_metrics(session, None, MetricsRequest("job-1"))
    assert metrics.files == {TRAINING_FILE: "found", VALIDATION_FILE: "missing"}
    assert metrics.validation == ()


def test_a_folder_with_another_name_is_found_by_its_files(session: AwsSession) -> None:
    put(session, "output/model-customization-job-abc123/" + TRAINING_FILE, TRAINING_CSV)
    metrics = read_job_metrics(session, None, MetricsRequest("job-1"))
    assert metrics.output_uri == f"s3://{BUCKET}/output/model-customization-job-abc123/"
    assert len(metrics.training) == 3


def test_two_unnamed_job_folders_are_refused_rather_than_guessed(session: AwsSession) -> None:
    put(session, "output/model-customization-job-a/" + TRAINING_FILE, TRAINING_CSV)
    put(session, "output/model-customization-job-b/" + TRAINING_FILE, TRAINING_CSV)
    with pytest.raises(InputError, match="2 jobs"):
        read_job_metrics(session, None, MetricsRequest("job-1"))


def test_a_file_larger_than_the_bound_is_refused(session: AwsSession) -> None:
    put(session, job_folder() + TRAINING_FILE, TRAINING_CSV)
    with pytest.raises(InputError, match="larger than the 20 bytes"):
        read_job_metrics(session, None, MetricsRequest("job-1", max_bytes=20))


def test_unknown_job_is_an_aws_error(session: AwsSession) -> None:
    with pytest.raises(AwsError, match="no customization job nope"):
        read_job_metrics(session, None, MetricsRequest("nope"))


def test_rows_without_numbers_are_skipped_and_counted() -> None:
    points, skipped = parse_loss_csv("step_number,training_loss\n1,0.5\n2,nan\nx,0.3\n3,\n4,0.25\n", "training_loss")
    assert [(p.step, p.loss, p.epoch) for p in points] == [(1, 0.5, None), (4, 0.25, None)]
    assert skipped == 3


def test_headers_are_matched_without_regard_to_case_or_a_byte_order_mark() -> None:
    points, _ = parse_loss_csv("\ufeffStep_Number,Validation_Loss\n5,1.25\n", "validation_loss")
    assert [(p.step, p.loss) for p in points] == [(5, 1.25)]


@pytest.mark.parametrize("text", ["", "a,b\n1,2\n", "step_number\n1\n", '"' + "x" * 200_000 + '"\n'])
def test_a_csv_without_the_columns_is_an_input_error(text: str) -> None:
    with pytest.raises(InputError):
        parse_loss_csv(text, "training_loss")


def test_to_dict_has_snake_case_keys_and_nulls(session: AwsSession) -> None:
    put(session, job_folder() + TRAINING_FILE, TRAINING_CSV)
    document: dict[str, Any] = read_job_metrics(session, None, MetricsRequest("job-1")).to_dict()
    assert document["job_training_loss"] is None
    assert document["training"][0] == {"step": 1, "epoch": 0.0, "loss": 2.5, "perplexity": 12.2}
    assert document["files"] == {"training": "found", "validation": "missing"}
    assert set(document) == {
        "job_name",
        "job_arn",
        "status",
        "output_uri",
        "job_training_loss",
        "job_validation_loss",
        "files",
        "training",
        "validation",
        "notes",
    }


def test_sparkline_maps_lowest_to_the_lowest_bar_and_highest_to_the_highest() -> None:
    assert plots.sparkline([3.0, 2.0, 1.0]) == "█▅▁"


def test_sparkline_of_a_flat_or_empty_series() -> None:
    assert plots.sparkline([1.0, 1.0]) == "▅▅"
    assert plots.sparkline([]) == ""


def test_sparkline_is_resampled_to_its_width() -> None:
    assert len(plots.sparkline([float(i) for i in range(1000)], width=40)) == 40


def test_loss_plot_is_a_png(session: AwsSession, tmp_path: Path) -> None:
    put(session, job_folder() + TRAINING_FILE, TRAINING_CSV)
    put(session, job_folder() + VALIDATION_FILE, VALIDATION_CSV)
    metrics = read_job_metrics(session, None, MetricsRequest("job-1"))
    path = plots.write_loss_plot(metrics, tmp_path / "figs" / "loss.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in path.parent.iterdir()] == ["loss.png"]
