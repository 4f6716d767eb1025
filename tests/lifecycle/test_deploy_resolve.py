"""What deploy and invoke are given, resolved: a job or custom model (name or ARN) to the model, a base model to the
inference profile that serves it on demand."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto import mock_aws

from bedrock_ft.core.errors import AwsError, JobFailed, UsageError
from bedrock_ft.job.session import AwsSession, make_session
from bedrock_ft.lifecycle.resolve import inference_profile_id, on_demand_model_id, resolve_custom_model
from helpers.aws_fixtures import set_status


@pytest.fixture
def session() -> Iterator[AwsSession]:
    with mock_aws():
        session = make_session("us-east-1")
        session.bedrock().create_model_customization_job(
            jobName="job-1",
            customModelName="model-1",
            roleArn="arn:aws:iam::123456789012:role/r",
            baseModelIdentifier="amazon.nova-micro-v1:0:128k",
            trainingDataConfig={"s3Uri": "s3://b/train.jsonl"},
            outputDataConfig={"s3Uri": "s3://b/out/"},
            hyperParameters={},
        )
        yield session


def test_a_completed_jobs_model_is_found_even_where_its_output_arn_names_no_model(session: AwsSession) -> None:
    set_status("job-1", "Completed")
    job_arn = "arn:aws:bedrock:us-east-1:123456789012:model-customization-job/job-1"
    for identifier in ("job-1", job_arn):
        model = resolve_custom_model(session.bedrock(), identifier)
        assert (model.name, model.job_arn, model.base_model_id) == ("model-1", job_arn, "amazon.nova-micro-v1:0:128k")


def test_a_custom_model_is_found_by_name_and_by_arn(session: AwsSession) -> None:
    arn = "arn:aws:bedrock:us-east-1:123456789012:custom-model/model-1"
    assert resolve_custom_model(session.bedrock(), "model-1").arn == arn
    assert resolve_custom_model(session.bedrock(), arn).name == "model-1"


def test_a_job_still_running_is_a_usage_error_saying_to_wait(session: AwsSession) -> None:
    with pytest.raises(UsageError, match="job-1 is InProgress"):
        resolve_custom_model(session.bedrock(), "job-1")


@pytest.mark.parametrize("status", ["Failed", "Stopped"])
def test_a_job_that_ended_badly_made_no_model(session: AwsSession, status: str) -> None:
    set_status("job-1", status, "out of memory")
    with pytest.raises(JobFailed, match=f"ended {status}: it made no model"):
        resolve_custom_model(session.bedrock(), "job-1")


@pytest.mark.parametrize(
    ("identifier", "error", "message"),
    [
        ("  ", UsageError, "no job or custom model given"),
        ("arn:aws:bedrock:us-east-1:123456789012:custom-model/nothing", AwsError, "no custom model"),
        ("arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abcdef123456", UsageError, "provisioned-model ARN"),
        ("no-such-job", AwsError, "no customization job"),
    ],
)
def test_what_names_no_model_is_a_clear_error(
    session: AwsSession, identifier: str, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        resolve_custom_model(session.bedrock(), identifier)


@pytest.mark.parametrize(
    ("model", "region", "profile"),
    [
        ("amazon.nova-lite-v1:0:300k", "us-east-1", "us.amazon.nova-lite-v1:0"),
        (
            "arn:aws:bedrock:us-west-2::foundation-model/meta.llama3-3-70b-instruct-v1:0:128k",
            "us-west-2",
            "us.meta.llama3-3-70b-instruct-v1:0",
        ),
        ("amazon.nova-pro-v1:0", "eu-west-1", "eu.amazon.nova-pro-v1:0"),
        ("amazon.nova-micro-v1:0:128k", "ap-northeast-1", "apac.amazon.nova-micro-v1:0"),
        ("us.amazon.nova-lite-v1:0", "us-east-1", "us.amazon.nova-lite-v1:0"),
    ],
)
def test_base_models_are_invoked_through_their_regions_inference_profile(model: str, region: str, profile: str) -> None:
    assert inference_profile_id(model, region) == profile


def test_customization_variants_end_at_the_version() -> None:
    assert on_demand_model_id("amazon.nova-lite-v1:0:300k") == "amazon.nova-lite-v1:0"
    assert on_demand_model_id("amazon.nova-lite-v1:0") == "amazon.nova-lite-v1:0"
