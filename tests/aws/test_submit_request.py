"""submit: the exact request, its names and token, and that repeating it never starts a second job."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.stub import Stubber

import bedrock_ft
from bedrock_ft.core.errors import AwsError, UsageError
from bedrock_ft.core.tf_outputs import parse_outputs
from bedrock_ft.job.preflight import PreflightFailed
from bedrock_ft.job.requests import SubmitRequest
from bedrock_ft.job.submit import build_request, client_request_token, submit_job
from helpers.aws_fixtures import MODEL, Account

SHAPE = botocore.session.get_session().get_service_model("bedrock").operation_model("CreateModelCustomizationJob")
MEMBERS = SHAPE.input_shape.members

OUTPUTS = parse_outputs(
    {
        "region": "us-east-1",
        "account_id": "123456789012",
        "vpc_id": "vpc-1",
        "subnet_ids": ["subnet-a", "subnet-b"],
        "security_group_ids": ["sg-1"],
        "bucket_name": "bucket-1",
        "role_arn": "arn:aws:iam::123456789012:role/bedrock",
        "kms_key_arn": "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555",
        "output_prefix": "output",
    },
    "test",
)
TRAIN_SHA = "sha256:" + "1" * 64
VALIDATION_SHA = "sha256:" + "2" * 64
JOB = SubmitRequest(
    base_model=MODEL,
    training_data="s3://bucket-1/data/a/train.jsonl",
    validation_data="s3://bucket-1/data/a/validation.jsonl",
    hyperparameters={"epochCount": "3"},
    training_digest=TRAIN_SHA,
    validation_digest=VALIDATION_SHA,
)


def changed(job: SubmitRequest = JOB, **changes: Any) -> SubmitRequest:
    return SubmitRequest(**{**job.__dict__, **changes})


def test_the_request_is_exactly_what_the_job_needs() -> None:
    request = build_request(OUTPUTS, JOB)
    name = request["jobName"]
    tags = [
        {"key": "created-by", "value": "bedrock-ft"},
        {"key": "bedrock-ft-version", "value": bedrock_ft.__version__},
    ]
    assert request == {
        "jobName": name,
        "customModelName": request["customModelName"],
        "roleArn": "arn:aws:iam::123456789012:role/bedrock",
        "baseModelIdentifier": MODEL,
        "customizationType": "FINE_TUNING",
        "trainingDataConfig": {"s3Uri": "s3://bucket-1/data/a/train.jsonl"},
        "validationDataConfig": {"validators": [{"s3Uri": "s3://bucket-1/data/a/validation.jsonl"}]},
        "outputDataConfig": {"s3Uri": f"s3://bucket-1/output/{name}/"},
        "hyperParameters": {"epochCount": "3", "learningRate": "0.00001", "learningRateWarmupSteps": "10"},
        "vpcConfig": {"subnetIds": ["subnet-a", "subnet-b"], "securityGroupIds": ["sg-1"]},
        "customModelKmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555",
        "jobTags": tags,
        "customModelTags": tags,
        "clientRequestToken": request["clientRequestToken"],
    }


def test_hyperparameters_are_strings_the_api_accepts() -> None:
    request = build_request(OUTPUTS, JOB)
    assert all(isinstance(v, str) for v in request["hyperParameters"].values())
    from botocore.validate import ParamValidator

    report = ParamValidator().validate(request, SHAPE.input_shape)
    assert not report.has_errors(), report.generate_report()


def test_default_names_match_the_api_patterns() -> None:
    request = build_request(OUTPUTS, JOB)
    for field in ("jobName", "customModelName", "clientRequestToken"):
        assert re.fullmatch(MEMBERS[field].metadata["pattern"], request[field]), field
    assert len(request["jobName"]) <= 63 and len(request["customModelName"]) <= 63


def test_same_inputs_give_the_same_token_and_names() -> None:
    first, second = build_request(OUTPUTS, JOB), build_request(OUTPUTS, JOB)
    assert first["clientRequestToken"] == second["clientRequestToken"]
    assert first["jobName"] == second["jobName"]


def test_different_inputs_give_a_different_token() -> None:
    other = SubmitRequest(**{**JOB.__dict__, "hyperparameters": {"epochCount": "4"}})
    assert build_request(OUTPUTS, JOB)["clientRequestToken"] != build_request(OUTPUTS, other)["clientRequestToken"]


def test_the_token_is_a_hash_of_the_identity_and_the_names() -> None:
    request = build_request(OUTPUTS, JOB)
    other_name = build_request(OUTPUTS, changed(job_name="mine"))
    assert other_name["clientRequestToken"] != request["clientRequestToken"]
    assert client_request_token({}, "a", "b") != client_request_token({}, "a", "c")


# -- job identity: the data's content, not its URI -------------------------------------------------------------------


def test_changed_training_content_at_the_same_uri_is_a_new_job() -> None:
    first = build_request(OUTPUTS, JOB)
    second = build_request(OUTPUTS, changed(training_digest="sha256:" + "3" * 64))
    assert first["jobName"] != second["jobName"]
    assert first["customModelName"] != second["customModelName"]
    assert first["clientRequestToken"] != second["clientRequestToken"]


def test_changed_validation_content_is_a_new_job() -> None:
    second = build_request(OUTPUTS, changed(validation_digest="sha256:" + "4" * 64))
    assert build_request(OUTPUTS, JOB)["jobName"] != second["jobName"]


def test_the_same_content_at_another_uri_is_the_same_job() -> None:
    moved = changed(
        training_data="s3://bucket-1/data/b/train.jsonl", validation_data="s3://bucket-1/data/b/validation.jsonl"
    )
    first, second = build_request(OUTPUTS, JOB), build_request(OUTPUTS, moved)
    assert (first["jobName"], first["clientRequestToken"]) == (second["jobName"], second["clientRequestToken"])


@pytest.mark.parametrize(
    "change",
    [
        {"base_model": "amazon.nova-micro-v1:0:128k"},
        {"customization_type": "CONTINUED_PRE_TRAINING"},
        {"hyperparameters": {"epochCount": "2"}},
    ],
    ids=["base-model", "customization-type", "hyperparameters"],
)
def test_each_job_setting_is_part_of_the_identity(change: dict[str, Any]) -> None:
    assert (
        build_request(OUTPUTS, JOB)["clientRequestToken"]
        != build_request(OUTPUTS, changed(**change))["clientRequestToken"]
    )


def test_other_terraform_outputs_are_another_job() -> None:
    outputs = parse_outputs({**OUTPUTS.values, "security_group_ids": ["sg-2"]}, "test")
    assert build_request(OUTPUTS, JOB)["jobName"] != build_request(outputs, JOB)["jobName"]


def test_no_kms_key_leaves_out_custom_model_kms_key_id() -> None:
    outputs = parse_outputs({**OUTPUTS.values, "kms_key_arn": None}, "test")
    assert "customModelKmsKeyId" not in build_request(outputs, JOB)


def test_continued_pre_training_is_passed_through() -> None:
    job = SubmitRequest(**{**JOB.__dict__, "customization_type": "CONTINUED_PRE_TRAINING"})
    assert build_request(OUTPUTS, job)["customizationType"] == "CONTINUED_PRE_TRAINING"


def test_an_out_of_range_hyperparameter_is_refused() -> None:
    with pytest.raises(UsageError, match="epochCount"):
        build_request(OUTPUTS, SubmitRequest(**{**JOB.__dict__, "hyperparameters": {"epochCount": "50"}}))


def test_a_job_name_outside_the_api_pattern_is_refused_naming_the_setting_not_a_flag() -> None:
    with pytest.raises(UsageError, match="the job name '-bad name' does not match") as raised:
        build_request(OUTPUTS, SubmitRequest(**{**JOB.__dict__, "job_name": "-bad name"}))
    assert raised.value.settings == ("job_name",)
    assert "--" not in str(raised.value)


def test_data_outside_the_module_bucket_is_refused() -> None:
    with pytest.raises(UsageError, match="module's bucket"):
        build_request(OUTPUTS, SubmitRequest(**{**JOB.__dict__, "training_data": "s3://elsewhere/train.jsonl"}))


class _StubSession:
    """An AwsSession stand-in whose bedrock client is a Stubber-checked real client (and which has no S3: the jobs
    given to it carry their data's digests)."""

    def __init__(self) -> None:
        self.client_ = boto3.client("bedrock", region_name="us-east-1")
        self.stubber = Stubber(self.client_)

    def bedrock(self) -> Any:
        return self.client_


def test_submit_sends_exactly_the_built_request() -> None:
    session = _StubSession()
    request = build_request(OUTPUTS, JOB)
    arn = "arn:aws:bedrock:us-east-1:123456789012:model-customization-job/amazon.nova-lite-v1:0:300k/abcdefabcdef"
    session.stubber.add_response("create_model_customization_job", {"jobArn": arn}, request)
    with session.stubber:
        result = submit_job(session, OUTPUTS, replace(JOB, skip_preflight=True))  # type: ignore[arg-type]
    session.stubber.assert_no_pending_responses()
    assert result.job_arn == arn
    assert result.warnings and "preflight skipped" in result.warnings[0]


def test_a_dry_run_calls_nothing() -> None:
    session = _StubSession()
    with session.stubber:  # any call would fail: no responses are queued
        result = submit_job(session, OUTPUTS, replace(JOB, skip_preflight=True, dry_run=True))  # type: ignore[arg-type]
    assert result.dry_run and result.job_arn is None


def _job(account: Account) -> SubmitRequest:
    return SubmitRequest(base_model=MODEL, training_data=account.training_uri, validation_data=account.validation_uri)


def test_data_given_by_uri_is_identified_by_s3s_checksum(account: Account) -> None:
    import hashlib

    from bedrock_ft.job.submit import object_digest

    body = b'{"a": 1}\n'
    key = "data/sample/checked.jsonl"
    account.client("s3").put_object(Bucket=account.bucket, Key=key, Body=body, ChecksumAlgorithm="SHA256")
    digest = object_digest(account.client("s3"), f"s3://{account.bucket}/{key}")
    assert digest == "sha256:" + hashlib.sha256(body).hexdigest()


def test_data_without_a_checksum_is_identified_by_the_hash_upload_recorded(account: Account) -> None:
    from bedrock_ft.job.submit import object_digest

    key = "data/sample/recorded.jsonl"
    account.client("s3").put_object(Bucket=account.bucket, Key=key, Body=b"x", Metadata={"sha256": "5" * 64})
    assert object_digest(account.client("s3"), f"s3://{account.bucket}/{key}") == "sha256:" + "5" * 64


def test_data_that_cannot_be_read_has_no_digest(account: Account) -> None:
    from bedrock_ft.job.submit import object_digest

    assert object_digest(account.client("s3"), f"s3://{account.bucket}/data/none.jsonl") is None


def test_training_data_overwritten_at_the_same_uri_starts_a_new_job(account: Account) -> None:
    first = submit_job(account.session, account.outputs, _job(account))
    account.put_records("data/sample/train.jsonl", [{"changed": True}])
    second = submit_job(account.session, account.outputs, replace(_job(account), skip_preflight=True))
    assert second.job_arn != first.job_arn and not second.already_submitted
    jobs = account.client("bedrock").list_model_customization_jobs()["modelCustomizationJobSummaries"]
    assert len(jobs) == 2


def test_repeating_a_submit_starts_one_job(account: Account) -> None:
    first = submit_job(account.session, account.outputs, _job(account))
    second = submit_job(account.session, account.outputs, _job(account))
    jobs = account.client("bedrock").list_model_customization_jobs()["modelCustomizationJobSummaries"]
    assert len(jobs) == 1
    assert second.already_submitted and second.job_arn == first.job_arn


def test_a_taken_job_name_with_other_inputs_is_refused(account: Account) -> None:
    submit_job(account.session, account.outputs, SubmitRequest(**{**_job(account).__dict__, "job_name": "mine"}))
    other = changed(_job(account), job_name="mine", hyperparameters={"epochCount": "1"})
    with pytest.raises(AwsError, match="already exists"):
        submit_job(account.session, account.outputs, other)


def test_a_failed_preflight_starts_no_job(account: Account) -> None:
    bad = SubmitRequest(**{**_job(account).__dict__, "training_data": f"s3://{account.bucket}/data/missing.jsonl"})
    with pytest.raises(PreflightFailed, match="training-data"):
        submit_job(account.session, account.outputs, bad)
    assert account.client("bedrock").list_model_customization_jobs()["modelCustomizationJobSummaries"] == []


def test_the_job_carries_the_created_by_tag(account: Account) -> None:
    result = submit_job(account.session, account.outputs, _job(account))
    tags = account.client("bedrock").list_tags_for_resource(resourceARN=result.job_arn)["tags"]
    assert {"key": "created-by", "value": "bedrock-ft"} in tags


def _conflict_with(existing: dict[str, Any]) -> _StubSession:
    """A session whose create call meets a job of the same name, and whose get call returns ``existing``."""
    session = _StubSession()
    session.stubber.add_client_error("create_model_customization_job", "ConflictException", "name taken", 400)
    session.stubber.add_response("get_model_customization_job", existing, {"jobIdentifier": existing["jobName"]})
    return session


def _existing_job(request: dict[str, Any], **changes: Any) -> dict[str, Any]:
    job = {
        "jobArn": "arn:aws:bedrock:us-east-1:123456789012:model-customization-job/x/abcdefabcdef",
        "jobName": request["jobName"],
        "outputModelName": request["customModelName"],
        "roleArn": request["roleArn"],
        "creationTime": "2025-01-01T00:00:00Z",
        "baseModelArn": "arn:aws:bedrock:us-east-1::foundation-model/" + MODEL,
        "trainingDataConfig": request["trainingDataConfig"],
        "validationDataConfig": request["validationDataConfig"],
        "outputDataConfig": request["outputDataConfig"],
        "hyperParameters": request["hyperParameters"],
    }
    job.update(changes)
    return {k: v for k, v in job.items() if v is not None}


def test_a_same_named_job_with_the_same_token_is_the_one_already_submitted() -> None:
    request = build_request(OUTPUTS, JOB)
    session = _conflict_with(_existing_job(request, clientRequestToken=request["clientRequestToken"]))
    with session.stubber:
        result = submit_job(session, OUTPUTS, replace(JOB, skip_preflight=True))  # type: ignore[arg-type]
    assert result.already_submitted


def test_a_same_named_job_without_a_token_and_other_data_is_not_taken_for_ours() -> None:
    request = build_request(OUTPUTS, JOB)
    other_data = {"s3Uri": "s3://bucket-1/data/other/train.jsonl"}
    session = _conflict_with(_existing_job(request, trainingDataConfig=other_data))
    with session.stubber, pytest.raises(AwsError, match="already exists"):
        submit_job(session, OUTPUTS, replace(JOB, skip_preflight=True))  # type: ignore[arg-type]


def test_resubmitting_the_inputs_of_a_failed_job_says_how_to_start_another() -> None:
    request = build_request(OUTPUTS, JOB)
    failed = _existing_job(
        request, clientRequestToken=request["clientRequestToken"], status="Failed", failureMessage="Input size exceeded"
    )
    session = _conflict_with(failed)
    with session.stubber, pytest.raises(AwsError, match="ended Failed: Input size exceeded") as raised:
        submit_job(session, OUTPUTS, replace(JOB, skip_preflight=True))  # type: ignore[arg-type]
    assert "new job name and model name" in str(raised.value)
    assert raised.value.settings == ("job_name", "model_name")


# -- a generated folder instead of URIs ------------------------------------------------------------------------------


def _dataset(tmp_path: Any, **options: Any) -> Any:
    from helpers.aws_fixtures import write_manifest

    out = tmp_path / "out"
    out.mkdir()
    (out / "train.jsonl").write_text('{"a": 1}\n')
    (out / "validation.jsonl").write_text('{"a": 2}\n')
    return out, write_manifest(out, "bucket-1", **options)


def test_a_dataset_folder_gives_the_uris_and_content_digests(tmp_path: Any) -> None:
    from bedrock_ft.job.submit import job_from_dataset

    out, manifest = _dataset(tmp_path)
    job = job_from_dataset(out)
    assert job.training_data == f"s3://bucket-1/{manifest['prefix']}/train.jsonl"
    assert job.validation_data == f"s3://bucket-1/{manifest['prefix']}/validation.jsonl"
    assert job.training_digest == "sha256:" + manifest["files"]["train.jsonl"]["sha256"]
    assert (job.base_model, job.customization_type) == (MODEL, "FINE_TUNING")


def test_a_base_model_given_overrides_the_manifests(tmp_path: Any) -> None:
    from bedrock_ft.job.submit import job_from_dataset

    out, _ = _dataset(tmp_path)
    assert job_from_dataset(out, base_model="amazon.nova-pro-v1:0:300k").base_model == "amazon.nova-pro-v1:0:300k"


def test_a_dataset_made_without_a_model_needs_one_given(tmp_path: Any) -> None:
    from bedrock_ft.job.submit import job_from_dataset

    out, _ = _dataset(tmp_path, base_model=None)
    with pytest.raises(UsageError, match="names no base model") as raised:
        job_from_dataset(out)
    assert raised.value.settings == ("base_model",)


def test_a_folder_without_a_manifest_is_an_input_error(tmp_path: Any) -> None:
    from bedrock_ft.core.errors import InputError
    from bedrock_ft.job.submit import job_from_dataset

    with pytest.raises(InputError, match="does not exist"):
        job_from_dataset(tmp_path)
