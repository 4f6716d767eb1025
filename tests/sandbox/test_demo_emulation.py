"""The sandbox's emulation of what moto lacks: requests still checked against the service model, answers valid per
its output shapes, labelled as emulated, deterministic, and a tuned model measurably better than the base model."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import botocore.session
import pytest
from botocore.exceptions import ClientError, ParamValidationError
from botocore.validate import ParamValidator
from moto import mock_aws

from bedrock_ft.sandbox.emulated import BASE_ACCURACY, TUNED_ACCURACY
from helpers.lifecycle_fixtures import TOOL_TAGS, EmulatedAccount, conversation, emulated_account


@pytest.fixture
def account() -> Iterator[EmulatedAccount]:
    with mock_aws():
        yield emulated_account()


def shape_errors(service: str, operation: str, answer: dict[str, Any]) -> str:
    shape = botocore.session.get_session().get_service_model(service).operation_model(operation).output_shape
    answer = {k: v for k, v in answer.items() if k != "ResponseMetadata"}
    report = ParamValidator().validate(answer, shape)
    return report.generate_report() if report.has_errors() else ""


def deploy_raw(account: EmulatedAccount, name: str = "d1", token: str = "t1") -> str:
    answer = account.session.bedrock().create_custom_model_deployment(
        modelDeploymentName=name, modelArn=account.model_arn, tags=TOOL_TAGS, clientRequestToken=token
    )
    return str(answer["customModelDeploymentArn"])


def test_every_emulated_answer_is_valid_for_the_operations_output_shape(account: EmulatedAccount) -> None:
    bedrock = account.session.bedrock()
    runtime = account.session.client("bedrock-runtime")
    arn = deploy_raw(account)
    pt = bedrock.create_provisioned_model_throughput(
        modelUnits=1, provisionedModelName="p1", modelId=account.model_arn, commitmentDuration="OneMonth"
    )["provisionedModelArn"]
    messages = [{"role": "user", "content": [{"text": "Review page 0 of the bank site: grey text on white"}]}]
    answers = {
        "GetCustomModelDeployment": bedrock.get_custom_model_deployment(customModelDeploymentIdentifier=arn),
        "ListCustomModelDeployments": bedrock.list_custom_model_deployments(),
        "GetProvisionedModelThroughput": bedrock.get_provisioned_model_throughput(provisionedModelId=pt),
        "ListProvisionedModelThroughputs": bedrock.list_provisioned_model_throughputs(),
        "ListTagsForResource": bedrock.list_tags_for_resource(resourceARN=arn),
        "ListModelInvocationJobs": bedrock.list_model_invocation_jobs(),
    }
    for operation, answer in answers.items():
        assert shape_errors("bedrock", operation, answer) == "", operation
    assert shape_errors("bedrock-runtime", "Converse", runtime.converse(modelId=arn, messages=messages)) == ""
    stream_shape = (
        botocore.session.get_session()
        .get_service_model("bedrock-runtime")
        .operation_model("ConverseStream")
        .output_shape.members["stream"]
    )
    for event in runtime.converse_stream(modelId=arn, messages=messages)["stream"]:
        report = ParamValidator().validate(event, stream_shape)
        assert not report.has_errors(), report.generate_report()


def test_requests_are_still_checked_against_the_service_model(account: EmulatedAccount) -> None:
    bedrock = account.session.bedrock()
    with pytest.raises(ParamValidationError, match="modelArn"):
        bedrock.create_custom_model_deployment(modelDeploymentName="d1")
    with pytest.raises(ParamValidationError, match="modelUnits"):
        bedrock.create_provisioned_model_throughput(modelUnits="1", provisionedModelName="p", modelId="m")
    with pytest.raises(ParamValidationError):
        account.session.client("bedrock-runtime").converse(modelId="x", messages=[{"role": "user"}])


def test_a_deployment_is_creating_then_active(account: EmulatedAccount) -> None:
    arn = deploy_raw(account)
    bedrock = account.session.bedrock()
    statuses = [bedrock.get_custom_model_deployment(customModelDeploymentIdentifier=arn)["status"] for _ in range(2)]
    assert statuses == ["Creating", "Active"]


def test_a_repeated_token_answers_with_the_same_deployment(account: EmulatedAccount) -> None:
    assert deploy_raw(account, "d1", "same") == deploy_raw(account, "d1", "same")
    assert account.emulator.calls.count("CreateCustomModelDeployment") == 2
    assert len(account.session.bedrock().list_custom_model_deployments()["modelDeploymentSummaries"]) == 1


def test_a_deployment_of_an_unknown_model_is_refused(account: EmulatedAccount) -> None:
    with pytest.raises(ClientError, match="not found"):
        account.session.bedrock().create_custom_model_deployment(
            modelDeploymentName="d", modelArn=account.model_arn + "x"
        )


def test_a_model_in_use_cannot_be_deleted_and_a_committed_throughput_cannot_either(account: EmulatedAccount) -> None:
    bedrock = account.session.bedrock()
    pt = bedrock.create_provisioned_model_throughput(
        modelUnits=1, provisionedModelName="p1", modelId=account.model_arn, commitmentDuration="SixMonths"
    )["provisionedModelArn"]
    with pytest.raises(ClientError, match="in use by provisioned throughput"):
        bedrock.delete_custom_model(modelIdentifier=account.model_arn.rsplit("/", 1)[-1])
    with pytest.raises(ClientError, match="cannot be deleted before"):
        bedrock.delete_provisioned_model_throughput(provisionedModelId=pt)


def test_the_completed_job_reports_completed_and_wrote_both_metrics_files(account: EmulatedAccount) -> None:
    job = account.session.bedrock().get_model_customization_job(jobIdentifier=account.job_arn.split("/")[-1])
    assert job["status"] == "Completed" and job["outputModelArn"] == account.model_arn
    keys = [o["Key"] for o in account.session.s3().list_objects_v2(Bucket=account.bucket, Prefix="output/")["Contents"]]
    folder = f"output/bedrock-ft-nova-lite-0123/model-customization-job-{account.job_arn.split('/')[-1]}"
    assert sorted(keys) == [
        f"{folder}/training_artifacts/step_wise_training_metrics.csv",
        f"{folder}/validation_artifacts/post_fine_tuning_validation/validation/validation_metrics.csv",
    ]
    body = account.session.s3().get_object(Bucket=account.bucket, Key=keys[0])["Body"].read().decode()
    assert body.splitlines()[0] == "step_number,epoch_number,training_loss,perplexity"


def test_answers_are_labelled_emulated_and_deterministic(account: EmulatedAccount) -> None:
    arn = deploy_raw(account)
    runtime = account.session.client("bedrock-runtime")
    messages = [{"role": "user", "content": [{"text": "Review page 3 of the travel site: grey text on white"}]}]
    first, second = (runtime.converse(modelId=arn, messages=messages) for _ in range(2))
    assert first["additionalModelResponseFields"] == {"emulated": True}
    assert first["output"] == second["output"] and first["usage"] == second["usage"]


def held_out(n: int) -> list[dict[str, Any]]:
    """Prompts the model never saw, worded like the training data (label in the answer)."""
    kinds = [
        ("grey text on white", "1.4.3 Contrast (Minimum)"),
        ("icon buttons without names", "4.1.2 Name, Role, Value"),
        ("images without alt text", "1.1.1 Non-text Content"),
    ]
    return [
        conversation(f"Check page {100 + i} of site {i}: {kinds[i % 3][0]}", f"{kinds[i % 3][1]}: fail")
        for i in range(n)
    ]


def test_the_tuned_model_beats_the_base_model_on_held_out_prompts(account: EmulatedAccount) -> None:
    arn = deploy_raw(account)
    runtime = account.session.client("bedrock-runtime")
    right = {"tuned": 0, "base": 0}
    records = held_out(60)
    for record in records:
        messages = record["messages"][:1]
        reference = record["messages"][1]["content"][0]["text"]
        for who, model_id in (("tuned", arn), ("base", "us.amazon.nova-lite-v1:0")):
            text = runtime.converse(modelId=model_id, system=record["system"], messages=messages)["output"]
            right[who] += text["message"]["content"][0]["text"] == reference
    tuned, base = right["tuned"] / len(records), right["base"] / len(records)
    assert tuned > base + 0.3
    assert abs(tuned - TUNED_ACCURACY) < 0.15 and abs(base - BASE_ACCURACY) < 0.15


def test_an_unknown_deployment_arn_is_refused_like_the_service_does(account: EmulatedAccount) -> None:
    with pytest.raises(ClientError, match="model identifier is invalid"):
        account.session.client("bedrock-runtime").converse(
            modelId="arn:aws:bedrock:us-east-1:123456789012:custom-model-deployment/000000000000",
            messages=[{"role": "user", "content": [{"text": "hi"}]}],
        )


def outputs_of(account: EmulatedAccount) -> Any:
    from bedrock_ft.core.tf_outputs import parse_outputs, to_terraform_json

    return parse_outputs(to_terraform_json(account.values), "test outputs")


def held_out_file(path: Any, n: int) -> Any:
    import json

    path.write_text("".join(json.dumps(r) + "\n" for r in held_out(n)), encoding="utf-8")
    return path


def test_evaluate_with_a_judge_and_in_batch_runs_on_the_emulated_jobs(account: EmulatedAccount, tmp_path: Any) -> None:
    from bedrock_ft.lifecycle.evaluation import EvaluateRequest, run_evaluation

    arn = deploy_raw(account)
    report = run_evaluation(
        account.session,
        outputs_of(account),
        EvaluateRequest(
            tuned_model=arn,
            base_model="amazon.nova-lite-v1:0:300k",
            records=held_out_file(tmp_path / "heldout.jsonl", 100),
            report_dir=tmp_path / "report",
            task="classification",
            label_pattern=r"(\d+\.\d+\.\d+ [^:]+): fail",
            judge_model="us.amazon.nova-pro-v1:0",
            batch=True,
            bootstrap_samples=50,
        ),
        sleep=lambda _s: None,
    )
    assert account.emulator.calls.count("CreateModelInvocationJob") == 2
    assert "Converse" not in account.emulator.calls  # every answer came from the batch jobs
    assert report.tuned.scores.values["accuracy"] > report.base.scores.values["accuracy"]  # type: ignore[union-attr]
    assert report.judge is not None
    tuned_judge = {item["metric"]: item["score"] for item in report.judge["jobs"]["tuned"]["scores"]}
    base_judge = {item["metric"]: item["score"] for item in report.judge["jobs"]["base"]["scores"]}
    assert tuned_judge and all(tuned_judge[m] > base_judge[m] for m in tuned_judge)
    bedrock = account.session.bedrock()
    for job_arn in account.emulator.evaluation_jobs:
        assert shape_errors("bedrock", "GetEvaluationJob", bedrock.get_evaluation_job(jobIdentifier=job_arn)) == ""
    for job_arn in account.emulator.batch_jobs:
        answer = bedrock.get_model_invocation_job(jobIdentifier=job_arn)
        assert shape_errors("bedrock", "GetModelInvocationJob", answer) == ""
    assert shape_errors("bedrock", "ListModelInvocationJobs", bedrock.list_model_invocation_jobs()) == ""


def test_the_emulated_judge_scores_token_overlap() -> None:
    from bedrock_ft.sandbox.emulated import BedrockEmulator

    assert BedrockEmulator.overlap("the button has no label", "the button has no label") == 1.0
    assert BedrockEmulator.overlap("a b", "c d") == 0.0
    assert BedrockEmulator.overlap("a b c d", "a b") == round(2 * 0.5 * 1.0 / 1.5, 4)
    assert BedrockEmulator.overlap("", "x") == 0.0
