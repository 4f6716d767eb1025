"""Distillation, reinforcement fine-tuning, invocation logs and plain JSONL uploads wired into submit, preflight and
the command line: the request of each customization type field by field (and through botocore's Stubber against the
service model), preflight's grader and catalogue checks, and the bad inputs each setting refuses."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from click.testing import CliRunner

import bedrock_ft
from bedrock_ft.cli import cli, main
from bedrock_ft.core.errors import UsageError
from bedrock_ft.job.preflight import PreflightReport, PreflightRequest, Status, record_format_of, run_preflight
from bedrock_ft.job.requests import SubmitRequest
from bedrock_ft.job.submit import build_request
from helpers.aws_fixtures import MODEL, REGION, Account

ACCOUNT_ID = "123456789012"
NOVA_2_LITE = "amazon.nova-2-lite-v1:0:256k"
NOVA_PRO = "amazon.nova-pro-v1:0"
GRADER = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:grader"
TAGS = [{"key": "created-by", "value": "bedrock-ft"}, {"key": "bedrock-ft-version", "value": bedrock_ft.__version__}]

Submit = Callable[..., dict[str, Any]]


@pytest.fixture
def dry_run(account: Account, outputs_file: Path) -> Submit:
    """`bedrock-ft submit ARGS... --dry-run --skip-preflight --output json`: the request it prints."""

    def run(*args: str) -> dict[str, Any]:
        result = CliRunner().invoke(
            cli,
            ["submit", *args, "--dry-run", "--skip-preflight", "--output", "json", "--tf-outputs", str(outputs_file)],
        )
        assert result.exit_code == 0, result.output
        request: dict[str, Any] = json.loads(result.stdout)["request"]
        return request

    return run


@pytest.fixture
def bedrock_ft_main(outputs_file: Path) -> Callable[..., int]:
    def run(command: str, *args: str) -> int:
        return main([command, *args, "--tf-outputs", str(outputs_file)])

    return run


def common_fields(account: Account, request: dict[str, Any]) -> dict[str, Any]:
    """The fields every request has, from the Terraform outputs (the names and the token are hashes)."""
    values = account.values
    fields = {
        "jobName": request["jobName"],
        "customModelName": request["customModelName"],
        "roleArn": values["role_arn"],
        "outputDataConfig": {"s3Uri": f"s3://{account.bucket}/{account.outputs.output_prefix}/{request['jobName']}/"},
        "vpcConfig": {"subnetIds": values["subnet_ids"], "securityGroupIds": values["security_group_ids"]},
        "jobTags": TAGS,
        "customModelTags": TAGS,
        "clientRequestToken": request["clientRequestToken"],
    }
    if values.get("kms_key_arn"):
        fields["customModelKmsKeyId"] = values["kms_key_arn"]
    return fields


def accepted_by_the_service_model(request: dict[str, Any]) -> None:
    """botocore validates ``request`` against CreateModelCustomizationJob's input shape, and sends exactly it."""
    client = boto3.client("bedrock", region_name=REGION)
    with Stubber(client) as stubber:
        stubber.add_response(
            "create_model_customization_job",
            {"jobArn": f"arn:aws:bedrock:{REGION}:{ACCOUNT_ID}:model-customization-job/{request['jobName']}"},
            expected_params=request,
        )
        client.create_model_customization_job(**request)
        stubber.assert_no_pending_responses()


# --- one request per customization type, field by field -------------------------------------------------------


def test_a_fine_tuning_request_has_the_string_hyperparameters_and_no_customization_config(
    account: Account, dry_run: Submit
) -> None:
    request = dry_run(
        "--base-model", MODEL, "--training-data", account.training_uri, "--validation-data", account.validation_uri,
        "--hp", "epochCount=3",
    )  # fmt: skip
    assert request == {
        **common_fields(account, request),
        "baseModelIdentifier": MODEL,
        "customizationType": "FINE_TUNING",
        "trainingDataConfig": {"s3Uri": account.training_uri},
        "validationDataConfig": {"validators": [{"s3Uri": account.validation_uri}]},
        "hyperParameters": {"epochCount": "3", "learningRate": "0.00001", "learningRateWarmupSteps": "10"},
    }
    accepted_by_the_service_model(request)


def test_a_continued_pre_training_request_has_the_model_defaults_as_strings(account: Account, dry_run: Submit) -> None:
    request = dry_run(
        "--base-model", MODEL, "--training-data", account.training_uri, "--customization-type",
        "CONTINUED_PRE_TRAINING",
    )  # fmt: skip
    assert request == {
        **common_fields(account, request),
        "baseModelIdentifier": MODEL,
        "customizationType": "CONTINUED_PRE_TRAINING",
        "trainingDataConfig": {"s3Uri": account.training_uri},
        "hyperParameters": {"epochCount": "2", "learningRate": "0.00001", "learningRateWarmupSteps": "10"},
    }
    accepted_by_the_service_model(request)


def test_a_distillation_request_with_data_names_the_teacher_and_takes_no_hyperparameters(
    account: Account, dry_run: Submit
) -> None:
    request = dry_run(
        "--base-model", MODEL, "--training-data", account.training_uri, "--customization-type", "DISTILLATION",
        "--teacher", NOVA_PRO, "--max-response-length", "1000",
    )  # fmt: skip
    assert request == {
        **common_fields(account, request),
        "baseModelIdentifier": MODEL,
        "customizationType": "DISTILLATION",
        "trainingDataConfig": {"s3Uri": account.training_uri},
        "customizationConfig": {
            "distillationConfig": {
                "teacherModelConfig": {"teacherModelIdentifier": NOVA_PRO, "maxResponseLengthForInference": 1000}
            }
        },
    }
    accepted_by_the_service_model(request)


def test_a_distillation_request_from_invocation_logs_has_them_as_its_training_data(
    account: Account, dry_run: Submit
) -> None:
    logs = "s3://invocation-logs-1/AWSLogs/"
    request = dry_run(
        "--base-model", MODEL, "--customization-type", "DISTILLATION", "--teacher", NOVA_PRO,
        "--invocation-logs", logs, "--metadata-filter", "team=qa", "--metadata-filter", "stage!=test",
    )  # fmt: skip
    assert request == {
        **common_fields(account, request),
        "baseModelIdentifier": MODEL,
        "customizationType": "DISTILLATION",
        "trainingDataConfig": {
            "invocationLogsConfig": {
                "invocationLogSource": {"s3Uri": logs},
                "usePromptResponse": False,
                "requestMetadataFilters": {"andAll": [{"equals": {"team": "qa"}}, {"notEquals": {"stage": "test"}}]},
            }
        },
        "customizationConfig": {"distillationConfig": {"teacherModelConfig": {"teacherModelIdentifier": NOVA_PRO}}},
    }
    accepted_by_the_service_model(request)


def test_invocation_logs_alone_make_a_distillation_job(account: Account, dry_run: Submit) -> None:
    request = dry_run("--base-model", MODEL, "--teacher", NOVA_PRO, "--invocation-logs", "s3://logs-1/AWSLogs/")
    assert request["customizationType"] == "DISTILLATION"
    assert "requestMetadataFilters" not in request["trainingDataConfig"]["invocationLogsConfig"]


def test_an_rft_request_names_the_grader_and_types_its_hyperparameters(account: Account, dry_run: Submit) -> None:
    request = dry_run(
        "--base-model", NOVA_2_LITE, "--training-data", account.training_uri, "--customization-type",
        "REINFORCEMENT_FINE_TUNING", "--grader", GRADER, "--hp", "epochCount=2", "--hp", "learningRate=0.00001",
        "--hp", "reasoningEffort=low",
    )  # fmt: skip
    assert request == {
        **common_fields(account, request),
        "baseModelIdentifier": NOVA_2_LITE,
        "customizationType": "REINFORCEMENT_FINE_TUNING",
        "trainingDataConfig": {"s3Uri": account.training_uri},
        "customizationConfig": {
            "rftConfig": {
                "graderConfig": {"lambdaGrader": {"lambdaArn": GRADER}},
                "hyperParameters": {"epochCount": 2, "learningRate": 0.00001, "reasoningEffort": "low"},
            }
        },
    }
    accepted_by_the_service_model(request)


def test_the_teacher_and_the_grader_are_part_of_what_names_the_job(account: Account) -> None:
    base = SubmitRequest(
        base_model=MODEL, training_data=account.training_uri, customization_type="DISTILLATION", teacher=NOVA_PRO
    )
    other_teacher = SubmitRequest(**{**base.__dict__, "teacher": "us.amazon.nova-premier-v1:0"})
    longer = SubmitRequest(**{**base.__dict__, "max_response_length": 2000})
    names = {build_request(account.outputs, job)["jobName"] for job in (base, other_teacher, longer)}
    assert len(names) == 3


def test_the_invocation_log_filters_are_part_of_what_names_the_job(account: Account) -> None:
    def job(*filters: str) -> SubmitRequest:
        return SubmitRequest(
            base_model=MODEL,
            customization_type="DISTILLATION",
            teacher=NOVA_PRO,
            invocation_logs="s3://logs-1/AWSLogs/",
            metadata_filters=filters,
        )

    assert build_request(account.outputs, job("team=qa"))["jobName"] != build_request(account.outputs, job())["jobName"]


def test_a_fine_tuning_job_keeps_the_name_it_had_before_these_settings(account: Account) -> None:
    job = SubmitRequest(base_model=MODEL, training_data=account.training_uri, training_digest="sha256:" + "1" * 64)
    from bedrock_ft.job.submit import _digest

    outputs = account.outputs
    identity = {
        "baseModelIdentifier": MODEL,
        "customizationType": "FINE_TUNING",
        "training": "sha256:" + "1" * 64,
        "validation": None,
        "hyperParameters": {"epochCount": "2", "learningRate": "0.00001", "learningRateWarmupSteps": "10"},
        "roleArn": outputs.role_arn,
        "subnetIds": outputs.subnet_ids,
        "securityGroupIds": outputs.security_group_ids,
        "kms": outputs.kms_key_arn,
        "bucket": outputs.bucket_name,
        "outputPrefix": outputs.output_prefix,
        "region": outputs.region,
    }
    assert build_request(outputs, job)["jobName"] == f"bedrock-ft-nova-lite-{_digest(identity)[:12]}"


# --- bad inputs -----------------------------------------------------------------------------------------------


def distillation_args(account: Account, *extra: str) -> list[str]:
    return ["--base-model", MODEL, "--customization-type", "DISTILLATION", "--dry-run", "--skip-preflight", *extra]


def test_a_teacher_not_allowed_for_the_student_is_refused(
    account: Account, bedrock_ft_main: Callable[..., int], capsys: pytest.CaptureFixture[str]
) -> None:
    llama = "meta.llama3-1-405b-instruct-v1:0"
    code = bedrock_ft_main(
        "submit", *distillation_args(account, "--training-data", account.training_uri, "--teacher", llama)
    )
    err = capsys.readouterr().err
    assert code == 2
    assert f"{llama} is not a teacher for amazon.nova-lite-v1:0:300k in {REGION}" in err
    assert "(--teacher)" in err and NOVA_PRO in err  # the teachers it has there


def test_a_distillation_job_without_a_teacher_is_refused(
    account: Account, bedrock_ft_main: Callable[..., int], capsys: pytest.CaptureFixture[str]
) -> None:
    assert bedrock_ft_main("submit", *distillation_args(account, "--training-data", account.training_uri)) == 2
    assert "needs a teacher model (--teacher)" in capsys.readouterr().err


def test_hyperparameters_for_a_distillation_job_are_refused(
    account: Account, bedrock_ft_main: Callable[..., int], capsys: pytest.CaptureFixture[str]
) -> None:
    args = distillation_args(account, "--training-data", account.training_uri, "--teacher", NOVA_PRO)
    assert bedrock_ft_main("submit", *args, "--hp", "epochCount=2") == 2
    assert "takes no hyperparameters (--hp)" in capsys.readouterr().err


def test_a_teacher_for_a_fine_tuning_job_is_refused(
    account: Account, bedrock_ft_main: Callable[..., int], capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--base-model", MODEL, "--training-data", account.training_uri, "--teacher", NOVA_PRO, "--dry-run"]
    assert bedrock_ft_main("submit", *args) == 2
    assert "the teacher is a setting of DISTILLATION jobs, not of FINE_TUNING" in capsys.readouterr().err


@pytest.mark.parametrize(
    "grader",
    [
        f"arn:aws:iam::{ACCOUNT_ID}:role/grader",
        "grader",
        f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:layer:grader",
    ],
)
def test_a_grader_that_is_not_a_lambda_arn_is_refused(
    account: Account, bedrock_ft_main: Callable[..., int], capsys: pytest.CaptureFixture[str], grader: str
) -> None:
    args = ["--base-model", NOVA_2_LITE, "--training-data", account.training_uri, "--customization-type"]
    code = bedrock_ft_main("submit", *args, "REINFORCEMENT_FINE_TUNING", "--grader", grader, "--dry-run")
    err = capsys.readouterr().err
    assert code == 2
    assert "is not a Lambda function ARN (--grader)" in err


def test_an_invocation_log_location_that_is_not_an_s3_uri_is_refused(
    account: Account, bedrock_ft_main: Callable[..., int], capsys: pytest.CaptureFixture[str]
) -> None:
    args = distillation_args(account, "--teacher", NOVA_PRO, "--invocation-logs", "https://logs.example/x")
    assert bedrock_ft_main("submit", *args) == 2
    assert "(--invocation-logs)" in capsys.readouterr().err


def test_a_metadata_filter_key_the_api_does_not_accept_is_refused(
    account: Account, bedrock_ft_main: Callable[..., int], capsys: pytest.CaptureFixture[str]
) -> None:
    args = distillation_args(account, "--teacher", NOVA_PRO, "--invocation-logs", "s3://logs-1/x/")
    assert bedrock_ft_main("submit", *args, "--metadata-filter", "te;am=qa") == 2
    assert "(--metadata-filter)" in capsys.readouterr().err


def test_an_rft_job_without_a_grader_is_refused(
    account: Account, bedrock_ft_main: Callable[..., int], capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--base-model", NOVA_2_LITE, "--training-data", account.training_uri, "--customization-type"]
    assert bedrock_ft_main("submit", *args, "REINFORCEMENT_FINE_TUNING", "--dry-run", "--skip-preflight") == 2
    assert "needs a grader Lambda function (--grader)" in capsys.readouterr().err


def test_an_rft_hyperparameter_out_of_the_api_range_is_refused(
    account: Account, bedrock_ft_main: Callable[..., int], capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--base-model", NOVA_2_LITE, "--training-data", account.training_uri, "--customization-type"]
    code = bedrock_ft_main(
        "submit", *args, "REINFORCEMENT_FINE_TUNING", "--grader", GRADER, "--hp", "batchSize=8", "--dry-run",
        "--skip-preflight",
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert "batchSize" in err and "(--hp)" in err


def test_invocation_logs_with_a_data_file_too_are_refused(
    account: Account, bedrock_ft_main: Callable[..., int], capsys: pytest.CaptureFixture[str]
) -> None:
    args = distillation_args(
        account, "--teacher", NOVA_PRO, "--training-data", account.training_uri, "--invocation-logs", "s3://logs-1/x/"
    )
    assert bedrock_ft_main("submit", *args) == 2
    err = capsys.readouterr().err
    assert "either from the invocation logs or from a data file, not both" in err
    assert "--invocation-logs" in err and "--training-data" in err


def test_invocation_logs_with_a_dataset_folder_too_are_refused(
    account: Account, bedrock_ft_main: Callable[..., int], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    args = distillation_args(account, "--teacher", NOVA_PRO, "--data", str(tmp_path), "--invocation-logs", "s3://l/x/")
    assert bedrock_ft_main("submit", *args) == 2
    assert "either a dataset folder or invocation logs, not both" in capsys.readouterr().err


def test_invocation_logs_for_a_fine_tuning_job_are_refused() -> None:
    with pytest.raises(UsageError, match="DISTILLATION job only") as caught:
        SubmitRequest(base_model=MODEL, customization_type="FINE_TUNING", invocation_logs="s3://logs-1/x/")
    assert caught.value.settings[0] == "invocation_logs"


@pytest.mark.parametrize("pair", ["team", "team:qa", "=qa"])
def test_a_metadata_filter_without_a_key_and_an_equals_sign_is_refused(
    account: Account, bedrock_ft_main: Callable[..., int], capsys: pytest.CaptureFixture[str], pair: str
) -> None:
    args = distillation_args(account, "--teacher", NOVA_PRO, "--invocation-logs", "s3://logs-1/x/")
    assert bedrock_ft_main("submit", *args, "--metadata-filter", pair) == 2
    assert f"metadata filter {pair!r} is not key=value or key!=value (--metadata-filter)" in capsys.readouterr().err


def test_a_metadata_filter_without_invocation_logs_is_refused(
    account: Account, bedrock_ft_main: Callable[..., int], capsys: pytest.CaptureFixture[str]
) -> None:
    args = distillation_args(account, "--teacher", NOVA_PRO, "--training-data", account.training_uri)
    assert bedrock_ft_main("submit", *args, "--metadata-filter", "team=qa") == 2
    assert "no invocation logs are given" in capsys.readouterr().err


def test_a_malformed_request_prints_an_error_document_in_json(
    account: Account, bedrock_ft_main: Callable[..., int], capsys: pytest.CaptureFixture[str]
) -> None:
    args = distillation_args(account, "--teacher", "not a model!", "--training-data", account.training_uri)
    assert bedrock_ft_main("submit", *args, "--output", "json") == 2
    document = json.loads(capsys.readouterr().out)
    assert document["ok"] is False
    assert document["error"]["settings"] == ["teacher"]


# --- preflight ------------------------------------------------------------------------------------------------


def preflight(account: Account, **changes: Any) -> PreflightReport:
    request: dict[str, Any] = {"base_model": MODEL, "training_data": account.training_uri, **changes}
    return run_preflight(account.session, account.outputs, PreflightRequest(**request))


def rft_preflight(account: Account, grader: str = GRADER) -> PreflightReport:
    return preflight(account, base_model=NOVA_2_LITE, customization_type="REINFORCEMENT_FINE_TUNING", grader=grader)


def create_grader(account: Account, name: str = "grader") -> None:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    iam = account.client("iam")
    iam.create_role(RoleName="grader-exec", AssumeRolePolicyDocument=json.dumps(trust))
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("grader.py", "def handler(event, context):\n    return []\n")
    account.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=f"arn:aws:iam::{ACCOUNT_ID}:role/grader-exec",
        Handler="grader.handler",
        Code={"ZipFile": code.getvalue()},
    )


def allow_the_role_to_invoke(account: Account, resource: str) -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": resource}],
    }
    role_name = str(account.values["role_arn"]).rsplit("/", 1)[-1]
    account.client("iam").put_role_policy(RoleName=role_name, PolicyName="grader", PolicyDocument=json.dumps(document))


def test_rft_preflight_passes_the_grader_the_role_may_invoke(account: Account) -> None:
    create_grader(account)
    allow_the_role_to_invoke(account, GRADER)
    report = rft_preflight(account)
    assert report.result("rft-grader").status is Status.PASS
    assert report.result("rft-grader-access").status is Status.PASS


def test_rft_preflight_fails_a_grader_that_does_not_exist(account: Account) -> None:
    report = rft_preflight(account)
    assert report.result("rft-grader").status is Status.FAIL
    assert "there is no Lambda function" in report.result("rft-grader").message


def test_rft_preflight_fails_a_grader_the_role_may_not_invoke(account: Account) -> None:
    create_grader(account)
    allow_the_role_to_invoke(account, GRADER.replace(":grader", ":other"))
    report = rft_preflight(account)
    access = report.result("rft-grader-access")
    assert access.status is Status.FAIL
    assert access.hint is not None and "lambda:InvokeFunction" in access.hint


def test_rft_preflight_fails_a_grader_in_another_region(account: Account) -> None:
    report = rft_preflight(account, GRADER.replace(REGION, "us-west-2"))
    assert report.result("rft-grader").status is Status.FAIL
    assert "the job runs in us-east-1" in report.result("rft-grader").message


def test_a_fine_tuning_preflight_has_no_grader_and_no_teacher_check(account: Account) -> None:
    names = [r.name for r in preflight(account).results]
    assert not [n for n in names if n.startswith("rft-grader") or n == "distillation-teacher"]


def test_distillation_preflight_passes_a_teacher_of_the_base_model(account: Account) -> None:
    report = preflight(account, customization_type="DISTILLATION", teacher=NOVA_PRO)
    assert report.result("distillation-teacher").status is Status.PASS


def test_distillation_preflight_fails_a_teacher_not_allowed_for_the_base_model(account: Account) -> None:
    report = preflight(account, customization_type="DISTILLATION", teacher="meta.llama3-1-405b-instruct-v1:0")
    teacher = report.result("distillation-teacher")
    assert teacher.status is Status.FAIL
    assert teacher.hint is not None and NOVA_PRO in teacher.hint


def test_the_preflight_command_takes_the_teacher(account: Account, outputs_file: Path) -> None:
    args = ["--base-model", MODEL, "--training-data", account.training_uri, "--customization-type", "DISTILLATION"]
    wrong = ["--teacher", "meta.llama3-1-405b-instruct-v1:0", "--output", "json", "--tf-outputs", str(outputs_file)]
    result = CliRunner().invoke(cli, ["preflight", *args, *wrong])
    checks = {c["name"]: c for c in json.loads(result.stdout)["checks"]}
    assert checks["distillation-teacher"]["status"] == "fail"
    assert result.exit_code == 1


def test_a_run_passes_the_teacher_and_the_grader_on_and_counts_them_in_its_fingerprint(tmp_path: Path) -> None:
    from bedrock_ft.job.requests import RunRequest

    plain = RunRequest(work_dir=tmp_path, dataset=tmp_path)
    distilled = RunRequest(work_dir=tmp_path, dataset=tmp_path, customization_type="DISTILLATION", teacher=NOVA_PRO)
    assert set(plain.job_settings()) == {"job_name", "model_name", "customization_type", "hyperparameters"}
    assert distilled.job_settings()["teacher"] == NOVA_PRO


def test_run_on_the_command_line_takes_the_teacher_and_the_grader() -> None:
    result = CliRunner().invoke(cli, ["run", "--help"])
    assert "--teacher" in result.output and "--grader" in result.output and "--max-response-length" in result.output


def test_rft_preflight_checks_the_typed_hyperparameters(account: Account) -> None:
    report = preflight(
        account,
        base_model=NOVA_2_LITE,
        customization_type="REINFORCEMENT_FINE_TUNING",
        grader=GRADER,
        hyperparameters={"batchSize": "8"},
    )
    assert report.result("hyperparameters").status is Status.FAIL


def test_rft_preflight_takes_hyperparameters_within_the_api_ranges(account: Account) -> None:
    report = preflight(
        account,
        base_model=NOVA_2_LITE,
        customization_type="REINFORCEMENT_FINE_TUNING",
        grader=GRADER,
        hyperparameters={"batchSize": "64", "reasoningEffort": "high"},
    )
    assert report.result("hyperparameters").status is Status.PASS


def stub_bedrock(account: Account, monkeypatch: pytest.MonkeyPatch, kind: str, details: dict[str, Any]) -> Stubber:
    """A Stubber-checked bedrock client for the base-model checks: ListFoundationModels lists the model for ``kind``,
    GetFoundationModel answers ``details``."""
    client = boto3.client("bedrock", region_name=REGION)
    original = account.session.client

    def client_for(name: str, *, probe: bool = False) -> Any:
        return client if name == "bedrock" else original(name, probe=probe)

    monkeypatch.setattr(account.session, "client", client_for)
    stubber = Stubber(client)
    summary = {"modelId": "amazon.nova-lite-v1:0", "modelArn": f"arn:aws:bedrock:{REGION}::foundation-model/{MODEL}"}
    stubber.add_response(
        "list_foundation_models", {"modelSummaries": [{**summary, "modelId": MODEL}]}, {"byCustomizationType": kind}
    )
    model = {
        "modelArn": f"arn:aws:bedrock:{REGION}::foundation-model/amazon.nova-lite-v1:0",
        "modelId": "amazon.nova-lite-v1:0",
        **details,
    }
    stubber.add_response("get_foundation_model", {"modelDetails": model}, {"modelIdentifier": MODEL})
    stubber.activate()
    return stubber


def test_the_catalogue_check_passes_an_active_model_that_supports_the_type(
    account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    details = {"customizationsSupported": ["FINE_TUNING", "DISTILLATION"], "modelLifecycle": {"status": "ACTIVE"}}
    stubber = stub_bedrock(account, monkeypatch, "FINE_TUNING", details)
    result = preflight(account).result("base-model-catalogue")
    stubber.assert_no_pending_responses()
    assert result.status is Status.PASS
    assert "supports FINE_TUNING and is ACTIVE" in result.message


def test_the_catalogue_check_warns_of_a_legacy_model(account: Account, monkeypatch: pytest.MonkeyPatch) -> None:
    details = {"customizationsSupported": ["FINE_TUNING"], "modelLifecycle": {"status": "LEGACY"}}
    stub_bedrock(account, monkeypatch, "FINE_TUNING", details)
    report = preflight(account)
    assert report.result("base-model-catalogue").status is Status.WARN
    assert report.ok  # LEGACY is warned about, never refused


def test_the_catalogue_check_fails_a_type_the_model_does_not_support(
    account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    details = {"customizationsSupported": ["FINE_TUNING"], "modelLifecycle": {"status": "ACTIVE"}}
    stub_bedrock(account, monkeypatch, "DISTILLATION", details)
    report = preflight(account, customization_type="DISTILLATION")
    assert report.result("base-model-catalogue").status is Status.FAIL
    assert "not DISTILLATION" in report.result("base-model-catalogue").message


def test_the_catalogue_check_falls_back_to_the_table_where_the_endpoint_cannot_answer(account: Account) -> None:
    # moto has no GetFoundationModel: the model table speaks for Nova Lite, which it lists as current.
    result = preflight(account).result("base-model-catalogue")
    assert result.status in (Status.PASS, Status.SKIPPED)
    assert "model table" in result.message


def test_preflight_of_invocation_logs_skips_the_checks_of_a_data_file(account: Account) -> None:
    report = preflight(
        account, training_data=None, customization_type="DISTILLATION", invocation_logs="s3://logs-1/AWSLogs/"
    )
    for name in ("training-data", "images", "data-fits-model"):
        assert report.result(name).status is Status.SKIPPED
        assert "invocation logs" in report.result(name).message
    assert report.result("role-s3-access").status is not Status.FAIL


def rft_record(question: str) -> dict[str, Any]:
    return {
        "messages": [{"role": "system", "content": "Answer."}, {"role": "user", "content": question}],
        "reference_answer": {"answer": "4"},
    }


def test_an_rft_record_is_recognised_as_rft_messages() -> None:
    assert str(record_format_of(rft_record("2+2?"))) == "rft-messages"


def test_a_chat_record_without_a_reference_answer_is_not_an_rft_record() -> None:
    assert str(record_format_of({"messages": [{"role": "user", "content": "hi"}]})) == "claude-messages"


def test_rft_data_fits_nova_2_lite(account: Account) -> None:
    account.put_records("data/rft/train.jsonl", [rft_record(f"{i}+{i}?") for i in range(5)])
    report = preflight(
        account,
        base_model=NOVA_2_LITE,
        training_data=f"s3://{account.bucket}/data/rft/train.jsonl",
        customization_type="REINFORCEMENT_FINE_TUNING",
        grader=GRADER,
    )
    fits = report.result("data-fits-model")
    assert fits.status is Status.PASS, fits.message
    assert "rft-messages" in fits.message


def test_conversation_data_does_not_fit_an_rft_job(account: Account) -> None:
    report = preflight(account, base_model=NOVA_2_LITE, customization_type="REINFORCEMENT_FINE_TUNING", grader=GRADER)
    fits = report.result("data-fits-model")
    assert fits.status is Status.FAIL
    assert "takes rft-messages for REINFORCEMENT_FINE_TUNING" in fits.message


def test_the_preflight_command_takes_the_grader(account: Account, outputs_file: Path) -> None:
    args = ["--base-model", NOVA_2_LITE, "--training-data", account.training_uri, "--customization-type"]
    rft = ["REINFORCEMENT_FINE_TUNING", "--grader", GRADER, "--output", "json", "--tf-outputs", str(outputs_file)]
    result = CliRunner().invoke(cli, ["preflight", *args, *rft])
    checks = {c["name"]: c for c in json.loads(result.stdout)["checks"]}
    assert checks["rft-grader"]["status"] == "fail"  # no such function in this account
    assert result.exit_code == 1


# --- upload of plain JSONL ------------------------------------------------------------------------------------


def conversation(text: str) -> dict[str, Any]:
    return {
        "schemaVersion": "bedrock-conversation-2024",
        "messages": [
            {"role": "user", "content": [{"text": text}]},
            {"role": "assistant", "content": [{"text": "ok"}]},
        ],
    }


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def upload(outputs_file: Path, *args: str) -> Any:
    return CliRunner().invoke(cli, ["upload", *args, "--tf-outputs", str(outputs_file)])


def test_upload_of_a_plain_folder_validates_and_sends_it(account: Account, outputs_file: Path, tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    write_jsonl(folder / "train.jsonl", [conversation(f"Question {i}") for i in range(8)])
    write_jsonl(folder / "validation.jsonl", [conversation("Another question")])
    result = upload(outputs_file, str(folder), "--base-model", MODEL, "--output", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["command"] == "upload" and document["ok"] is True
    bucket, key = document["training_data"].removeprefix("s3://").split("/", 1)
    assert bucket == account.bucket
    sent = account.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    assert sent == (folder / "train.jsonl").read_bytes()
    assert document["validation_data"].endswith("/validation.jsonl")


def test_the_uploaded_plain_data_can_be_submitted(account: Account, outputs_file: Path, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "mine.jsonl", [conversation(f"Question {i}") for i in range(8)])
    uploaded = json.loads(upload(outputs_file, str(path), "--base-model", MODEL, "--output", "json").stdout)
    data = ["--training-data", uploaded["training_data"], "--dry-run", "--output", "json"]
    submitted = CliRunner().invoke(cli, ["submit", "--base-model", MODEL, *data, "--tf-outputs", str(outputs_file)])
    assert submitted.exit_code == 0, submitted.output
    assert json.loads(submitted.stdout)["preflight"]["ok"] is True


def test_upload_of_plain_data_that_does_not_validate_sends_nothing_and_exits_1(
    account: Account, outputs_file: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "bad"
    write_jsonl(folder / "train.jsonl", [{"prompt": "p", "completion": "c"}] * 8)
    before = account.client("s3").list_objects_v2(Bucket=account.bucket).get("KeyCount")
    result = main(["upload", str(folder), "--base-model", MODEL, "--tf-outputs", str(outputs_file)])
    assert result == 1
    assert account.client("s3").list_objects_v2(Bucket=account.bucket).get("KeyCount") == before


def test_upload_of_plain_data_needs_the_base_model(
    account: Account, outputs_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_jsonl(tmp_path / "mine.jsonl", [conversation("Question")])
    assert main(["upload", str(path), "--tf-outputs", str(outputs_file)]) == 2
    assert "say which base model the data is for (--base-model)" in capsys.readouterr().err


def test_upload_of_generates_folder_refuses_a_base_model(
    account: Account, outputs_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "out"
    write_jsonl(folder / "train.jsonl", [conversation("Question")])
    (folder / "manifest.json").write_text("{}", encoding="utf-8")
    assert main(["upload", str(folder), "--base-model", MODEL, "--tf-outputs", str(outputs_file)]) == 2
    assert "its manifest names the model" in capsys.readouterr().err


def test_a_distillation_run_without_a_teacher_is_refused_before_anything_is_generated(tmp_path: Path) -> None:
    from bedrock_ft.job.requests import RunRequest

    with pytest.raises(UsageError, match="needs a teacher") as caught:
        RunRequest(work_dir=tmp_path, dataset=tmp_path, customization_type="DISTILLATION")
    assert caught.value.settings == ("teacher",)


def test_an_rft_run_with_a_grader_that_is_not_a_lambda_arn_is_refused(tmp_path: Path) -> None:
    from bedrock_ft.job.requests import RunRequest

    with pytest.raises(UsageError, match="not a Lambda function ARN"):
        RunRequest(work_dir=tmp_path, dataset=tmp_path, customization_type="REINFORCEMENT_FINE_TUNING", grader="g")
