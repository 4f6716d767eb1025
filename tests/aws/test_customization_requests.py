"""Distillation, reinforcement fine-tuning and invocation-log requests: each shape field by field, sent through a real
bedrock client whose Stubber checks it against botocore's service model; and the catalogue's preflight checks (the
RFT grader, GetFoundationModel's answer)."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ParamValidationError
from botocore.stub import Stubber
from moto import mock_aws

from bedrock_ft.core.errors import UsageError
from bedrock_ft.job.catalogue_checks import (
    FOUNDATION_MODEL_CHECK,
    GRADER_ACCESS_CHECK,
    GRADER_CHECK,
    check_foundation_model,
    check_grader,
)
from bedrock_ft.job.customization import (
    distillation_config,
    invocation_logs_config,
    parse_metadata_filters,
    rft_config,
)
from bedrock_ft.job.preflight import Status
from bedrock_ft.job.session import AwsSession, make_session

REGION = "us-east-1"
ACCOUNT = "123456789012"
GRADER = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:grader"
JOB_ARN = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:model-customization-job/abc123def456"

BASE_REQUEST: dict[str, Any] = {
    "jobName": "bedrock-ft-job",
    "customModelName": "bedrock-ft-model",
    "roleArn": f"arn:aws:iam::{ACCOUNT}:role/bedrock",
    "baseModelIdentifier": "amazon.nova-lite-v1:0:300k",
    "trainingDataConfig": {"s3Uri": "s3://bucket-1/data/a/train.jsonl"},
    "outputDataConfig": {"s3Uri": "s3://bucket-1/output/"},
    "vpcConfig": {"subnetIds": ["subnet-a"], "securityGroupIds": ["sg-1"]},
}


def send(request: dict[str, Any]) -> None:
    """Send ``request`` through a real client; the Stubber answers only if botocore's parameter validation passed
    and the request is exactly ``request``."""
    client = boto3.client("bedrock", region_name=REGION, aws_access_key_id="k", aws_secret_access_key="s")
    with Stubber(client) as stubber:
        stubber.add_response("create_model_customization_job", {"jobArn": JOB_ARN}, expected_params=request)
        assert client.create_model_customization_job(**request)["jobArn"] == JOB_ARN
        stubber.assert_no_pending_responses()


# --- distillation ---------------------------------------------------------------------------------------------


def test_a_distillation_config_names_the_teacher_under_teacher_model_config() -> None:
    config = distillation_config("amazon.nova-pro-v1:0", "amazon.nova-lite-v1:0:300k", REGION)
    assert config == {"distillationConfig": {"teacherModelConfig": {"teacherModelIdentifier": "amazon.nova-pro-v1:0"}}}


def test_a_distillation_request_passes_the_service_models_validation() -> None:
    config = distillation_config("amazon.nova-pro-v1:0", "amazon.nova-lite-v1:0:300k", REGION, max_response_length=1000)
    send({**BASE_REQUEST, "customizationType": "DISTILLATION", "customizationConfig": config})


def test_the_maximum_response_length_is_sent_as_an_integer() -> None:
    config = distillation_config(
        "amazon.nova-pro-v1:0", "amazon.nova-micro-v1:0:128k", REGION, max_response_length=4096
    )
    assert config["distillationConfig"]["teacherModelConfig"]["maxResponseLengthForInference"] == 4096


def test_nova_premier_is_a_teacher_by_its_inference_profile_id() -> None:
    config = distillation_config("us.amazon.nova-premier-v1:0", "amazon.nova-pro-v1:0:300k", REGION)
    send({**BASE_REQUEST, "customizationType": "DISTILLATION", "customizationConfig": config})


def test_a_teacher_given_as_a_foundation_model_arn_is_sent_as_given() -> None:
    arn = f"arn:aws:bedrock:{REGION}::foundation-model/amazon.nova-pro-v1:0"
    config = distillation_config(arn, "amazon.nova-lite-v1:0:300k", REGION)
    assert config["distillationConfig"]["teacherModelConfig"]["teacherModelIdentifier"] == arn
    send({**BASE_REQUEST, "customizationType": "DISTILLATION", "customizationConfig": config})


def test_a_teacher_that_is_not_the_students_teacher_is_refused_with_the_teachers_it_has() -> None:
    with pytest.raises(UsageError, match=re.escape("not a teacher for amazon.nova-pro-v1:0:300k")) as caught:
        distillation_config("amazon.nova-pro-v1:0", "amazon.nova-pro-v1:0:300k", REGION)
    assert "us.amazon.nova-premier-v1:0" in str(caught.value.hint)


def test_a_pair_from_another_region_is_refused() -> None:
    with pytest.raises(UsageError, match="only in us-west-2"):
        distillation_config("meta.llama3-1-405b-instruct-v1:0", "meta.llama3-1-8b-instruct-v1:0:128k", REGION)


def test_a_student_the_table_offers_no_distillation_for_is_refused() -> None:
    with pytest.raises(UsageError, match="cannot be a distillation student"):
        distillation_config("amazon.nova-pro-v1:0", "anthropic.claude-3-haiku-20240307-v1:0:200k", "us-west-2")


def test_an_unknown_student_is_refused_with_the_students_listed() -> None:
    with pytest.raises(UsageError, match="not a base model") as caught:
        distillation_config("amazon.nova-pro-v1:0", "acme.model-v1:0", REGION)
    assert "amazon.nova-lite-v1:0:300k" in str(caught.value.hint)


@pytest.mark.parametrize("teacher", ["", "Nova Pro", "amazon.nova-pro-v1:0; drop", "x" * 300])
def test_a_teacher_outside_the_apis_pattern_is_refused(teacher: str) -> None:
    with pytest.raises(UsageError, match=r"^teacher "):
        distillation_config(teacher, "amazon.nova-lite-v1:0:300k", REGION)


@pytest.mark.parametrize("length", [0, -5, True, 2.5])
def test_a_maximum_response_length_that_is_not_a_positive_whole_number_is_refused(length: Any) -> None:
    with pytest.raises(UsageError, match="maximum response length"):
        distillation_config("amazon.nova-pro-v1:0", "amazon.nova-lite-v1:0:300k", REGION, max_response_length=length)


# --- invocation logs ------------------------------------------------------------------------------------------


def test_invocation_logs_without_filters_name_only_the_source() -> None:
    assert invocation_logs_config("s3://logs-1/AWSLogs/") == {
        "invocationLogsConfig": {"invocationLogSource": {"s3Uri": "s3://logs-1/AWSLogs/"}, "usePromptResponse": False}
    }


def test_one_metadata_filter_is_a_plain_equals() -> None:
    config = invocation_logs_config("s3://logs-1/AWSLogs/", ["team=qa"])
    assert config["invocationLogsConfig"]["requestMetadataFilters"] == {"equals": {"team": "qa"}}


def test_a_bang_equals_filter_is_a_not_equals() -> None:
    config = invocation_logs_config("s3://logs-1/AWSLogs/", ["env!=dev"])
    assert config["invocationLogsConfig"]["requestMetadataFilters"] == {"notEquals": {"env": "dev"}}


def test_several_metadata_filters_must_all_hold() -> None:
    config = invocation_logs_config("s3://logs-1/AWSLogs/", ["team=qa", "env!=dev"])
    assert config["invocationLogsConfig"]["requestMetadataFilters"] == {
        "andAll": [{"equals": {"team": "qa"}}, {"notEquals": {"env": "dev"}}]
    }


def test_a_value_may_itself_hold_an_equals_sign() -> None:
    assert parse_metadata_filters(["query=a=b"])[0].value == "a=b"


def test_use_prompt_response_is_sent_when_asked() -> None:
    config = invocation_logs_config("s3://logs-1/AWSLogs/", use_prompt_response=True)
    assert config["invocationLogsConfig"]["usePromptResponse"] is True


def test_an_invocation_logs_request_passes_the_service_models_validation() -> None:
    data = invocation_logs_config("s3://logs-1/AWSLogs/", ["team=qa", "env!=dev"])
    config = distillation_config("amazon.nova-pro-v1:0", "amazon.nova-lite-v1:0:300k", REGION)
    send(
        {**BASE_REQUEST, "customizationType": "DISTILLATION", "customizationConfig": config, "trainingDataConfig": data}
    )


@pytest.mark.parametrize("pair", ["team", "=qa", "!=qa", "te;am=qa", "team=q;a", "team=" + "v" * 257])
def test_a_malformed_metadata_filter_is_refused(pair: str) -> None:
    with pytest.raises(UsageError, match="metadata filter"):
        parse_metadata_filters([pair])


def test_more_metadata_filters_than_the_api_combines_are_refused() -> None:
    with pytest.raises(UsageError, match="at most 16"):
        parse_metadata_filters([f"k{i}=v" for i in range(17)])


@pytest.mark.parametrize("uri", ["logs-1/AWSLogs/", "s3://Logs/AWSLogs", "https://logs-1.s3.amazonaws.com/x"])
def test_an_invocation_log_location_that_is_not_an_s3_uri_is_refused(uri: str) -> None:
    with pytest.raises(UsageError, match="invocation logs"):
        invocation_logs_config(uri)


# --- reinforcement fine-tuning --------------------------------------------------------------------------------


def test_an_rft_config_names_the_grader_lambda() -> None:
    assert rft_config(GRADER, {}) == {"rftConfig": {"graderConfig": {"lambdaGrader": {"lambdaArn": GRADER}}}}


def test_rft_hyperparameters_are_numbers_where_the_api_types_them() -> None:
    config = rft_config(
        GRADER,
        {
            "epochCount": "3",
            "batchSize": "64",
            "learningRate": "0.00001",
            "trainingSamplePerPrompt": "4",
            "maxPromptLength": "2048",
            "inferenceMaxTokens": "1024",
            "evalInterval": "10",
            "reasoningEffort": "medium",
        },
    )
    assert config["rftConfig"]["hyperParameters"] == {
        "epochCount": 3,
        "batchSize": 64,
        "learningRate": 1e-5,
        "trainingSamplePerPrompt": 4,
        "maxPromptLength": 2048,
        "inferenceMaxTokens": 1024,
        "evalInterval": 10,
        "reasoningEffort": "medium",
    }


def test_an_rft_request_passes_the_service_models_validation() -> None:
    config = rft_config(GRADER, {"epochCount": "2", "learningRate": "1e-5", "reasoningEffort": "high"})
    send(
        {
            **BASE_REQUEST,
            "baseModelIdentifier": "amazon.nova-2-lite-v1:0:256k",
            "customizationType": "REINFORCEMENT_FINE_TUNING",
            "customizationConfig": config,
        }
    )


def test_string_hyperparameters_in_rft_config_would_fail_the_service_models_validation() -> None:
    """The reason the values are typed: botocore refuses "2" where the shape is an integer."""
    request = {
        **BASE_REQUEST,
        "customizationType": "REINFORCEMENT_FINE_TUNING",
        "customizationConfig": {
            "rftConfig": {
                "graderConfig": {"lambdaGrader": {"lambdaArn": GRADER}},
                "hyperParameters": {"epochCount": "2"},
            }
        },
    }
    with pytest.raises(ParamValidationError):
        send(request)


@pytest.mark.parametrize(
    ("name", "value", "why"),
    [
        ("epochCount", "51", "above the maximum 50"),
        ("batchSize", "8", "below the minimum 16"),
        ("learningRate", "0.01", "above the maximum"),
        ("trainingSamplePerPrompt", "1", "below the minimum 2"),
        ("evalInterval", "2.5", "whole number"),
        ("reasoningEffort", "extreme", "not one of low, medium, high"),
        ("maxPromptLength", "many", "not a number"),
        ("temperature", "1", "not a reinforcement fine-tuning hyperparameter"),
    ],
)
def test_an_rft_hyperparameter_outside_the_apis_range_is_refused(name: str, value: str, why: str) -> None:
    with pytest.raises(UsageError, match=why):
        rft_config(GRADER, {name: value})


@pytest.mark.parametrize(
    "arn",
    [
        "grader",
        f"arn:aws:lambda:{REGION}:{ACCOUNT}:layer:grader",
        f"arn:aws:iam::{ACCOUNT}:role/grader",
        f"arn:aws:lambda:{REGION}:12345:function:grader",
    ],
)
def test_a_grader_that_is_not_a_lambda_function_arn_is_refused(arn: str) -> None:
    with pytest.raises(UsageError, match=r"^grader "):
        rft_config(arn, {})


# --- preflight: the grader ------------------------------------------------------------------------------------

TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "bedrock.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


@pytest.fixture
def lambda_account() -> Iterator[AwsSession]:
    with mock_aws():
        session = make_session(REGION)
        iam = session.client("iam")
        iam.create_role(RoleName="bedrock", AssumeRolePolicyDocument=json.dumps(TRUST))
        iam.create_role(RoleName="grader-exec", AssumeRolePolicyDocument=json.dumps(TRUST))
        code = io.BytesIO()
        with zipfile.ZipFile(code, "w") as archive:
            archive.writestr("grader.py", "def handler(event, context):\n    return []\n")
        session.client("lambda").create_function(
            FunctionName="grader",
            Runtime="python3.12",
            Role=f"arn:aws:iam::{ACCOUNT}:role/grader-exec",
            Handler="grader.handler",
            Code={"ZipFile": code.getvalue()},
        )
        yield session


def allow_invoke(session: AwsSession, resource: str) -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": resource}],
    }
    session.client("iam").put_role_policy(RoleName="bedrock", PolicyName="grader", PolicyDocument=json.dumps(document))


def by_name(results: list[Any], name: str) -> Any:
    return next(r for r in results if r.name == name)


def test_a_grader_that_exists_and_the_role_may_invoke_passes(lambda_account: AwsSession) -> None:
    allow_invoke(lambda_account, GRADER)
    results = check_grader(
        lambda_account, role_arn=f"arn:aws:iam::{ACCOUNT}:role/bedrock", grader_arn=GRADER, region=REGION
    )
    assert [r.status for r in results] == [Status.PASS, Status.PASS]


def test_a_grader_that_does_not_exist_fails(lambda_account: AwsSession) -> None:
    missing = GRADER.replace("grader", "missing")
    results = check_grader(
        lambda_account, role_arn=f"arn:aws:iam::{ACCOUNT}:role/bedrock", grader_arn=missing, region=REGION
    )
    assert by_name(results, GRADER_CHECK).status is Status.FAIL
    assert "no Lambda function" in by_name(results, GRADER_CHECK).message


def test_a_role_without_invoke_permission_fails_with_the_statement_to_add(lambda_account: AwsSession) -> None:
    results = check_grader(
        lambda_account, role_arn=f"arn:aws:iam::{ACCOUNT}:role/bedrock", grader_arn=GRADER, region=REGION
    )
    access = by_name(results, GRADER_ACCESS_CHECK)
    assert access.status is Status.FAIL
    assert "lambda:InvokeFunction" in access.hint


def test_an_invoke_permission_on_another_function_does_not_count(lambda_account: AwsSession) -> None:
    allow_invoke(lambda_account, GRADER.replace("grader", "other"))
    results = check_grader(
        lambda_account, role_arn=f"arn:aws:iam::{ACCOUNT}:role/bedrock", grader_arn=GRADER, region=REGION
    )
    assert by_name(results, GRADER_ACCESS_CHECK).status is Status.FAIL


def test_a_grader_in_another_region_than_the_job_fails(lambda_account: AwsSession) -> None:
    elsewhere = GRADER.replace(REGION, "us-west-2")
    results = check_grader(
        lambda_account, role_arn=f"arn:aws:iam::{ACCOUNT}:role/bedrock", grader_arn=elsewhere, region=REGION
    )
    assert by_name(results, GRADER_CHECK).status is Status.FAIL
    assert "us-west-2" in by_name(results, GRADER_CHECK).message


def test_a_malformed_grader_arn_is_one_failed_check_not_an_exception(lambda_account: AwsSession) -> None:
    results = check_grader(
        lambda_account, role_arn=f"arn:aws:iam::{ACCOUNT}:role/bedrock", grader_arn="grader", region=REGION
    )
    assert [(r.name, r.status) for r in results] == [(GRADER_CHECK, Status.FAIL)]


# --- preflight: GetFoundationModel ----------------------------------------------------------------------------


class StubbedSession:
    """An AwsSession stand-in whose bedrock client is a Stubber-checked real client."""

    region = REGION

    def __init__(self) -> None:
        self.bedrock = boto3.client("bedrock", region_name=REGION, aws_access_key_id="k", aws_secret_access_key="s")
        self.stubber = Stubber(self.bedrock)
        self.stubber.activate()

    def client(self, service: str, *, probe: bool = False) -> Any:
        assert service == "bedrock"
        return self.bedrock


def foundation_model(model_id: str, supported: list[str], status: str = "ACTIVE") -> StubbedSession:
    session = StubbedSession()
    details = {
        "modelArn": f"arn:aws:bedrock:{REGION}::foundation-model/{model_id}",
        "modelId": model_id,
        "customizationsSupported": supported,
        "modelLifecycle": {"status": status},
    }
    session.stubber.add_response("get_foundation_model", {"modelDetails": details}, {"modelIdentifier": model_id})
    return session


def test_a_model_that_supports_the_customization_type_passes() -> None:
    session = foundation_model("amazon.nova-lite-v1:0:300k", ["FINE_TUNING", "DISTILLATION"])
    result = check_foundation_model(session, base_model="amazon.nova-lite-v1:0:300k", customization_type="DISTILLATION")  # type: ignore[arg-type]
    assert (result.name, result.status) == (FOUNDATION_MODEL_CHECK, Status.PASS)


def test_a_model_that_does_not_support_the_customization_type_fails() -> None:
    session = foundation_model("amazon.nova-lite-v1:0:300k", ["FINE_TUNING"])
    result = check_foundation_model(session, base_model="amazon.nova-lite-v1:0:300k", customization_type="DISTILLATION")  # type: ignore[arg-type]
    assert result.status is Status.FAIL
    assert "not DISTILLATION" in result.message


def test_a_legacy_model_is_warned_about_not_refused() -> None:
    session = foundation_model("amazon.titan-text-express-v1:0:8k", ["FINE_TUNING"], status="LEGACY")
    result = check_foundation_model(
        session, base_model="amazon.titan-text-express-v1:0:8k", customization_type="FINE_TUNING"
    )  # type: ignore[arg-type]
    assert result.status is Status.WARN
    assert "LEGACY" in result.message


def test_the_model_is_looked_up_by_its_bare_id_when_given_an_arn() -> None:
    session = foundation_model("amazon.nova-lite-v1:0:300k", ["FINE_TUNING"])
    arn = f"arn:aws:bedrock:{REGION}::foundation-model/amazon.nova-lite-v1:0:300k"
    result = check_foundation_model(session, base_model=arn, customization_type="FINE_TUNING")  # type: ignore[arg-type]
    assert result.status is Status.PASS
    session.stubber.assert_no_pending_responses()


def test_rft_is_not_failed_for_being_absent_from_customizations_supported() -> None:
    """GetFoundationModel's enum has no REINFORCEMENT_FINE_TUNING: its absence says nothing."""
    session = foundation_model("amazon.nova-2-lite-v1:0:256k", ["FINE_TUNING"])
    result = check_foundation_model(
        session,  # type: ignore[arg-type]
        base_model="amazon.nova-2-lite-v1:0:256k",
        customization_type="REINFORCEMENT_FINE_TUNING",
    )
    assert result.status is Status.PASS


def test_a_model_bedrock_does_not_know_fails() -> None:
    session = StubbedSession()
    session.stubber.add_client_error("get_foundation_model", "ResourceNotFoundException", "no such model")
    result = check_foundation_model(session, base_model="amazon.nova-lite-v1:0:300k", customization_type="FINE_TUNING")  # type: ignore[arg-type]
    assert result.status is Status.FAIL


def test_an_endpoint_without_get_foundation_model_falls_back_to_the_tables_legacy_marker() -> None:
    session = StubbedSession()
    session.stubber.add_client_error("get_foundation_model", "NotImplemented", "nope", http_status_code=501)
    result = check_foundation_model(
        session, base_model="cohere.command-text-v14:7:4k", customization_type="FINE_TUNING"
    )  # type: ignore[arg-type]
    assert result.status is Status.WARN
    assert "legacy" in result.message


def test_an_endpoint_without_get_foundation_model_fails_a_type_the_table_does_not_offer() -> None:
    session = StubbedSession()
    session.stubber.add_client_error("get_foundation_model", "NotImplemented", "nope", http_status_code=501)
    result = check_foundation_model(
        session,  # type: ignore[arg-type]
        base_model="anthropic.claude-3-haiku-20240307-v1:0:200k",
        customization_type="DISTILLATION",
    )
    assert result.status is Status.FAIL
