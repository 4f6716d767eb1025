"""deploy against botocore's Stubber, which checks every request and answer against the real service model."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from botocore.stub import Stubber

from bedrock_ft.core.errors import JobFailed, UsageError
from bedrock_ft.job.session import AwsSession, make_session
from bedrock_ft.lifecycle.deploy import (
    DEPLOYMENT,
    PROVISIONED,
    CommitmentNotConfirmed,
    DeployRequest,
    default_name,
    deploy,
    request_token,
)
from bedrock_ft.lifecycle.ledger import Ledger
from bedrock_ft.lifecycle.resolve import CustomModel
from bedrock_ft.lifecycle.waiting import Interrupted, ResourceFailed, WaitTimedOut
from helpers.lifecycle_fixtures import (
    DEPLOYMENT_ARN,
    FAST,
    JOB_ARN,
    MODEL_ARN,
    PROVISIONED_ARN,
    TOOL_TAGS,
    custom_model,
    deployment,
    no_sleep,
    provisioned,
)

NAME_PATTERN = re.compile(r"([0-9a-zA-Z][_-]?){1,63}")
TOKEN_PATTERN = re.compile(r"[a-zA-Z0-9]([-a-zA-Z0-9]{0,254}[a-zA-Z0-9])?")
LLAMA_BASE = "arn:aws:bedrock:us-west-2::foundation-model/meta.llama3-3-70b-instruct-v1:0:128k"


@pytest.fixture
def session() -> AwsSession:
    return make_session("us-east-1")


@pytest.fixture
def stub(session: AwsSession) -> Iterator[Stubber]:
    with Stubber(session.bedrock()) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    return Ledger(tmp_path / "state" / "ledger.jsonl")


def model_of(answer: dict[str, object]) -> CustomModel:
    return CustomModel.from_response(answer)  # type: ignore[arg-type]


def test_on_demand_create_request_field_by_field(session: AwsSession, stub: Stubber, ledger: Ledger) -> None:
    model = model_of(custom_model())
    name = default_name(model, DEPLOYMENT)
    token = request_token(model, DEPLOYMENT, DeployRequest(MODEL_ARN))
    stub.add_response("get_custom_model", custom_model(), {"modelIdentifier": MODEL_ARN})
    stub.add_response("list_custom_model_deployments", {"modelDeploymentSummaries": []}, {"modelArnEquals": MODEL_ARN})
    captured: dict[str, object] = {}
    session.bedrock().meta.events.register(
        "before-parameter-build.bedrock.CreateCustomModelDeployment", lambda params, **_: captured.update(params)
    )
    stub.add_response(
        "create_custom_model_deployment",
        {"customModelDeploymentArn": DEPLOYMENT_ARN},
        {
            "modelDeploymentName": name,
            "modelArn": MODEL_ARN,
            "description": f"bedrock-ft: on-demand deployment of {model.name}",
            "tags": TOOL_TAGS,
            "clientRequestToken": token,
        },
    )
    stub.add_response(
        "get_custom_model_deployment", deployment("Active"), {"customModelDeploymentIdentifier": DEPLOYMENT_ARN}
    )

    result = deploy(session, DeployRequest(MODEL_ARN), ledger=ledger, sleep=no_sleep, backoff=FAST)

    assert captured["modelDeploymentName"] == name and NAME_PATTERN.fullmatch(name)
    assert captured["modelArn"] == MODEL_ARN
    assert captured["tags"] == [{"key": "created-by", "value": "bedrock-ft"}]
    assert captured["clientRequestToken"] == token and TOKEN_PATTERN.fullmatch(token)
    assert "commitmentDuration" not in captured
    assert (result.kind, result.arn, result.status, result.reused) == (DEPLOYMENT, DEPLOYMENT_ARN, "Active", False)
    assert "us-east-1" in result.reason


def test_provisioned_create_request_field_by_field_with_a_confirmed_commitment(
    session: AwsSession, stub: Stubber, ledger: Ledger
) -> None:
    model = model_of(custom_model())
    request = DeployRequest(MODEL_ARN, model_units=2, commitment="OneMonth", commitment_confirmed=True)
    stub.add_response("get_custom_model", custom_model(), {"modelIdentifier": MODEL_ARN})
    stub.add_response(
        "list_provisioned_model_throughputs", {"provisionedModelSummaries": []}, {"modelArnEquals": MODEL_ARN}
    )
    stub.add_response(
        "create_provisioned_model_throughput",
        {"provisionedModelArn": PROVISIONED_ARN},
        {
            "provisionedModelName": default_name(model, PROVISIONED),
            "modelId": MODEL_ARN,
            "modelUnits": 2,
            "commitmentDuration": "OneMonth",
            "tags": TOOL_TAGS,
            "clientRequestToken": request_token(model, PROVISIONED, request),
        },
    )
    ends = datetime(2025, 10, 1, tzinfo=UTC)
    stub.add_response(
        "get_provisioned_model_throughput", provisioned("Creating", units=2), {"provisionedModelId": PROVISIONED_ARN}
    )
    stub.add_response(
        "get_provisioned_model_throughput",
        provisioned("InService", units=2, commitment="OneMonth", ends=ends),
        {"provisionedModelId": PROVISIONED_ARN},
    )

    result = deploy(session, request, ledger=ledger, sleep=no_sleep, backoff=FAST)

    assert (result.kind, result.status, result.model_units) == (PROVISIONED, "InService", 2)
    assert (result.commitment, result.commitment_ends) == ("OneMonth", ends)
    [entry] = ledger.live(PROVISIONED)
    assert (entry.arn, entry.model_arn, entry.details["model_units"]) == (PROVISIONED_ARN, MODEL_ARN, 2)


def test_a_commitment_without_confirmation_is_refused_before_any_call(session: AwsSession, stub: Stubber) -> None:
    with pytest.raises(CommitmentNotConfirmed) as refused:
        deploy(session, DeployRequest(MODEL_ARN, commitment="SixMonths"), sleep=no_sleep)
    assert "cannot be deleted before the term ends" in refused.value.message
    assert refused.value.exit_code == 2


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (DeployRequest(MODEL_ARN, mode="on-demand", commitment="OneMonth", commitment_confirmed=True), "applies to"),
        (DeployRequest(MODEL_ARN, mode="on-demand", model_units=3), "model units apply"),
        (DeployRequest(MODEL_ARN, model_units=0), "at least 1"),
        (DeployRequest(MODEL_ARN, mode="serverless"), "not one of"),
        (DeployRequest(MODEL_ARN, commitment="OneWeek", commitment_confirmed=True), "not one of"),
        (DeployRequest(MODEL_ARN, name="my model"), "does not match the API's pattern"),
        (DeployRequest(MODEL_ARN, name="a--b"), "does not match the API's pattern"),
        (DeployRequest(MODEL_ARN, name="x" * 64), "does not match the API's pattern"),
    ],
)
def test_settings_that_cannot_work_are_refused_before_any_call(
    session: AwsSession, stub: Stubber, request_: DeployRequest, message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        deploy(session, request_, sleep=no_sleep)


def test_a_repeat_returns_the_deployment_in_the_ledger_and_creates_nothing(
    session: AwsSession, stub: Stubber, ledger: Ledger
) -> None:
    ledger.record(DEPLOYMENT, DEPLOYMENT_ARN, model_arn=MODEL_ARN, region="us-east-1")
    stub.add_response("get_custom_model", custom_model(), {"modelIdentifier": MODEL_ARN})
    stub.add_response(
        "get_custom_model_deployment", deployment("Active"), {"customModelDeploymentIdentifier": DEPLOYMENT_ARN}
    )
    stub.add_response(
        "get_custom_model_deployment", deployment("Active"), {"customModelDeploymentIdentifier": DEPLOYMENT_ARN}
    )

    result = deploy(session, DeployRequest(MODEL_ARN), ledger=ledger, sleep=no_sleep)

    assert (result.arn, result.reused) == (DEPLOYMENT_ARN, True)


def test_a_repeat_on_a_new_machine_finds_the_deployment_by_its_tag(
    session: AwsSession, stub: Stubber, ledger: Ledger
) -> None:
    summary = {
        "customModelDeploymentArn": DEPLOYMENT_ARN,
        "customModelDeploymentName": "x",
        "modelArn": MODEL_ARN,
        "createdAt": datetime(2025, 9, 1, tzinfo=UTC),
        "status": "Active",
    }
    stub.add_response("get_custom_model", custom_model(), {"modelIdentifier": MODEL_ARN})
    stub.add_response(
        "list_custom_model_deployments", {"modelDeploymentSummaries": [summary]}, {"modelArnEquals": MODEL_ARN}
    )
    stub.add_response("list_tags_for_resource", {"tags": TOOL_TAGS}, {"resourceARN": DEPLOYMENT_ARN})
    stub.add_response(
        "get_custom_model_deployment", deployment("Active"), {"customModelDeploymentIdentifier": DEPLOYMENT_ARN}
    )
    stub.add_response(
        "get_custom_model_deployment", deployment("Active"), {"customModelDeploymentIdentifier": DEPLOYMENT_ARN}
    )

    result = deploy(session, DeployRequest(MODEL_ARN), ledger=ledger, sleep=no_sleep)

    assert (result.arn, result.reused) == (DEPLOYMENT_ARN, True)


def test_a_deployment_someone_else_made_is_not_taken_over(session: AwsSession, stub: Stubber, ledger: Ledger) -> None:
    other = f"{DEPLOYMENT_ARN[:-12]}999999999999"
    summary = {
        "customModelDeploymentArn": other,
        "customModelDeploymentName": "theirs",
        "modelArn": MODEL_ARN,
        "createdAt": datetime(2025, 9, 1, tzinfo=UTC),
        "status": "Active",
    }
    stub.add_response("get_custom_model", custom_model(), {"modelIdentifier": MODEL_ARN})
    stub.add_response(
        "list_custom_model_deployments", {"modelDeploymentSummaries": [summary]}, {"modelArnEquals": MODEL_ARN}
    )
    stub.add_response("list_tags_for_resource", {"tags": [{"key": "team", "value": "x"}]}, {"resourceARN": other})
    stub.add_response("create_custom_model_deployment", {"customModelDeploymentArn": DEPLOYMENT_ARN})
    stub.add_response(
        "get_custom_model_deployment", deployment("Active"), {"customModelDeploymentIdentifier": DEPLOYMENT_ARN}
    )

    result = deploy(session, DeployRequest(MODEL_ARN), ledger=ledger, sleep=no_sleep)

    assert (result.arn, result.reused) == (DEPLOYMENT_ARN, False)


@pytest.mark.parametrize(
    ("base", "region", "created", "kind"),
    [
        (
            "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0:128k",
            "us-east-1",
            CREATED_OK := datetime(2025, 7, 16, tzinfo=UTC),
            DEPLOYMENT,
        ),
        ("arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0:300k", "us-east-1", CREATED_OK, DEPLOYMENT),
        (
            "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0:300k",
            "us-east-1",
            datetime(2025, 7, 15, 23, tzinfo=UTC),
            PROVISIONED,
        ),
        (LLAMA_BASE, "us-west-2", CREATED_OK, DEPLOYMENT),
        (LLAMA_BASE, "us-east-1", CREATED_OK, PROVISIONED),
        (
            "arn:aws:bedrock:us-west-2::foundation-model/meta.llama3-2-11b-instruct-v1:0:128k",
            "us-west-2",
            CREATED_OK,
            PROVISIONED,
        ),
        (
            "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0:300k",
            "eu-west-1",
            CREATED_OK,
            PROVISIONED,
        ),
    ],
)
def test_auto_mode_chooses_on_demand_only_where_model_region_and_date_allow(
    base: str, region: str, created: datetime, kind: str
) -> None:
    from bedrock_ft.lifecycle.deploy import choose_mode

    chosen, reason = choose_mode(DeployRequest(MODEL_ARN), model_of(custom_model(base=base, created=created)), region)
    assert chosen == kind, reason


def test_asking_for_on_demand_where_it_is_not_offered_is_a_usage_error(session: AwsSession, stub: Stubber) -> None:
    stub.add_response("get_custom_model", custom_model(base=LLAMA_BASE), {"modelIdentifier": MODEL_ARN})
    with pytest.raises(UsageError, match="cannot deploy on demand"):
        deploy(session, DeployRequest(MODEL_ARN, mode="on-demand"), sleep=no_sleep)


def test_a_deployment_that_fails_is_a_job_failed_error_with_its_message(
    session: AwsSession, stub: Stubber, ledger: Ledger
) -> None:
    stub.add_response("get_custom_model", custom_model(), {"modelIdentifier": MODEL_ARN})
    stub.add_response("list_custom_model_deployments", {"modelDeploymentSummaries": []})
    stub.add_response("create_custom_model_deployment", {"customModelDeploymentArn": DEPLOYMENT_ARN})
    failed = {**deployment("Failed"), "failureMessage": "quota exceeded"}
    stub.add_response("get_custom_model_deployment", failed)
    with pytest.raises(ResourceFailed, match="quota exceeded") as error:
        deploy(session, DeployRequest(MODEL_ARN), ledger=ledger, sleep=no_sleep)
    assert error.value.exit_code == JobFailed.exit_code


def test_the_timeout_says_the_provisioned_throughput_keeps_billing(session: AwsSession, stub: Stubber) -> None:
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    stub.add_response("get_custom_model", custom_model(), {"modelIdentifier": MODEL_ARN})
    stub.add_response("list_provisioned_model_throughputs", {"provisionedModelSummaries": []})
    stub.add_response("create_provisioned_model_throughput", {"provisionedModelArn": PROVISIONED_ARN})
    for _ in range(4):  # at 0, 1, 3 and 5 seconds (backoff 1, 2, then 4 cut to the 2 left)
        stub.add_response("get_provisioned_model_throughput", provisioned("Creating"))
    with pytest.raises(WaitTimedOut) as late:
        deploy(
            session,
            DeployRequest(MODEL_ARN, mode="provisioned", timeout=5),
            sleep=sleep,
            clock=lambda: now[0],
            backoff=FAST,
        )
    assert "still Creating after 5 s" in late.value.message
    assert PROVISIONED_ARN in str(late.value) and "bills hourly" in str(late.value)


def test_ctrl_c_while_waiting_says_what_keeps_running(session: AwsSession, stub: Stubber) -> None:
    def interrupt(_seconds: float) -> None:
        raise KeyboardInterrupt

    stub.add_response("get_custom_model", custom_model(), {"modelIdentifier": MODEL_ARN})
    stub.add_response("list_custom_model_deployments", {"modelDeploymentSummaries": []})
    stub.add_response("create_custom_model_deployment", {"customModelDeploymentArn": DEPLOYMENT_ARN})
    stub.add_response("get_custom_model_deployment", deployment("Creating"))
    with pytest.raises(Interrupted) as stopped:
        deploy(session, DeployRequest(MODEL_ARN), sleep=interrupt)
    assert stopped.value.exit_code == 130
    assert DEPLOYMENT_ARN in str(stopped.value) and "cleanup" in str(stopped.value)


def test_a_job_still_running_has_no_model_to_deploy_yet(session: AwsSession, stub: Stubber) -> None:
    job = {
        "jobArn": JOB_ARN,
        "jobName": "bedrock-ft-nova-lite-0123",
        "outputModelName": "bedrock-ft-nova-lite-model-0123",
        "roleArn": "arn:aws:iam::123456789012:role/r",
        "baseModelArn": "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0:300k",
        "status": "InProgress",
        "creationTime": datetime(2025, 9, 1, tzinfo=UTC),
        "trainingDataConfig": {"s3Uri": "s3://b/train.jsonl"},
        "validationDataConfig": {"validators": []},
        "outputDataConfig": {"s3Uri": "s3://b/out/"},
        "hyperParameters": {},
    }
    stub.add_response("get_model_customization_job", job, {"jobIdentifier": JOB_ARN})
    with pytest.raises(UsageError, match="is InProgress") as early:
        deploy(session, DeployRequest(JOB_ARN), sleep=no_sleep)
    assert "bedrock-ft wait" in str(early.value)


def test_ctrl_c_during_the_create_call_says_it_may_exist_and_how_to_find_it(session: AwsSession, stub: Stubber) -> None:
    def interrupt(**_: object) -> None:
        raise KeyboardInterrupt  # as the answer arrives: the deployment exists, the ledger never heard of it

    stub.add_response("get_custom_model", custom_model(), {"modelIdentifier": MODEL_ARN})
    stub.add_response("list_custom_model_deployments", {"modelDeploymentSummaries": []})
    stub.add_response("create_custom_model_deployment", {"customModelDeploymentArn": DEPLOYMENT_ARN})
    session.bedrock().meta.events.register("after-call.bedrock.CreateCustomModelDeployment", interrupt)
    with pytest.raises(Interrupted) as stopped:
        deploy(session, DeployRequest(MODEL_ARN), sleep=no_sleep)
    assert stopped.value.exit_code == 130
    assert "may have been created" in str(stopped.value) and "bedrock-ft cleanup" in str(stopped.value)


def test_a_chosen_name_names_the_deployment(session: AwsSession, stub: Stubber) -> None:
    stub.add_response("get_custom_model", custom_model(), {"modelIdentifier": MODEL_ARN})
    stub.add_response("list_custom_model_deployments", {"modelDeploymentSummaries": []})
    captured: dict[str, object] = {}
    session.bedrock().meta.events.register(
        "before-parameter-build.bedrock.CreateCustomModelDeployment", lambda params, **_: captured.update(params)
    )
    stub.add_response("create_custom_model_deployment", {"customModelDeploymentArn": DEPLOYMENT_ARN})
    stub.add_response("get_custom_model_deployment", deployment("Active"))
    deploy(session, DeployRequest(MODEL_ARN, name="a11y-reviewer_v2"), sleep=no_sleep)
    assert captured["modelDeploymentName"] == "a11y-reviewer_v2"
