"""`evaluate --batch` and `--judge`: the Bedrock jobs moto lacks, through botocore's Stubber (requests and responses
checked against the service model), with the module's bucket in moto S3.

Each create request is asserted field by field. A hook on the create call plays the service's part: it reads the
input the request names from S3 and writes the output files where the service would.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber
from moto import mock_aws

from bedrock_ft.core.errors import AwsError, JobFailed
from bedrock_ft.core.tf_outputs import TerraformOutputs, parse_outputs
from bedrock_ft.job.session import AwsSession, make_session
from bedrock_ft.lifecycle import bedrock_jobs
from bedrock_ft.lifecycle.evaluation import EvalRecord, EvaluateRequest, run_evaluation
from helpers.converse_fakes import FakeConverse

ACCOUNT = "123456789012"
BUCKET = "bft-eval-jobs"
TUNED = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:provisioned-model/abcdef123456"
BASE_PROFILE = "us.amazon.nova-lite-v1:0"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/bft-service"
BATCH_ARN = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:model-invocation-job/abcdefghijkl"
NOW = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)


def outputs(**changes: Any) -> TerraformOutputs:
    values: dict[str, Any] = {
        "region": "us-east-1",
        "account_id": ACCOUNT,
        "vpc_id": "vpc-1",
        "subnet_ids": ["subnet-a", "subnet-b"],
        "availability_zones": ["us-east-1a", "us-east-1b"],
        "security_group_ids": ["sg-1"],
        "bucket_name": BUCKET,
        "bucket_arn": f"arn:aws:s3:::{BUCKET}",
        "role_arn": ROLE,
        "kms_key_arn": None,
        "s3_endpoint_id": "vpce-1",
        "operator_policy_arn": None,
        "data_prefix": "data",
        "output_prefix": "output",
    }
    values.update(changes)
    return parse_outputs(values, "test outputs")


def record(i: int) -> dict[str, Any]:
    label = "spam" if i % 2 else "ham"
    return {
        "schemaVersion": "bedrock-conversation-2024",
        "messages": [
            {"role": "user", "content": [{"text": f"message {i}"}]},
            {"role": "assistant", "content": [{"text": label}]},
        ],
    }


@pytest.fixture
def session() -> Iterator[AwsSession]:
    with mock_aws():
        aws = make_session("us-east-1")
        aws.s3().create_bucket(Bucket=BUCKET)
        yield aws


def write_records(tmp_path: Path, count: int) -> Path:
    path = tmp_path / "held.jsonl"
    path.write_text("".join(json.dumps(record(i)) + "\n" for i in range(count)), encoding="utf-8")
    return path


def read_s3_jsonl(session: AwsSession, uri: str) -> list[dict[str, Any]]:
    bucket, _, key = uri[5:].partition("/")
    body = session.s3().get_object(Bucket=bucket, Key=key)["Body"].read().decode()
    return [json.loads(line) for line in body.splitlines() if line]


def capture(client: Any, operation: str, action: Any) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []

    def keep(params: dict[str, Any], **_: Any) -> None:
        seen.append(dict(params))
        action(params)

    client.meta.events.register(f"before-parameter-build.bedrock.{operation}", keep)
    return seen


# ---------------------------------------------------------------------------------------------------- batch


def batch_job_response(status: str, request: dict[str, Any]) -> dict[str, Any]:
    return {
        "jobArn": BATCH_ARN,
        "jobName": request["jobName"],
        "modelId": request["modelId"],
        "roleArn": ROLE,
        "status": status,
        "submitTime": NOW,
        "inputDataConfig": request["inputDataConfig"],
        "outputDataConfig": request["outputDataConfig"],
    }


def answer_batch(session: AwsSession, params: dict[str, Any], *, skip: int = 0) -> None:
    """The service's part: answer each input record (but the first ``skip``) in OUTPUT/<job id>/records.jsonl.out."""
    lines = read_s3_jsonl(session, params["inputDataConfig"]["s3InputDataConfig"]["s3Uri"])
    output = params["outputDataConfig"]["s3OutputDataConfig"]["s3Uri"]
    bucket, _, prefix = output[5:].partition("/")
    rows = []
    for n, line in enumerate(lines):
        if n < skip:
            rows.append({"recordId": line["recordId"], "modelInput": line["modelInput"], "error": {"errorCode": 400}})
            continue
        i = int(line["modelInput"]["messages"][0]["content"][0]["text"].split()[-1])
        text = "spam" if i % 2 else "ham"
        rows.append(
            {
                "recordId": line["recordId"],
                "modelInput": line["modelInput"],
                "modelOutput": {
                    "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
                    "stopReason": "end_turn",
                    "usage": {"inputTokens": 5, "outputTokens": 1, "totalTokens": 6},
                },
            }
        )
    body = "".join(json.dumps(r) + "\n" for r in rows).encode()
    session.s3().put_object(Bucket=bucket, Key=f"{prefix}abcdefghijkl/records.jsonl.out", Body=body)


def test_batch_request_runs_in_the_module_vpc_with_input_and_output_under_its_bucket(
    session: AwsSession, tmp_path: Path
) -> None:
    bedrock = session.bedrock()
    stubber = Stubber(bedrock)
    seen = capture(bedrock, "CreateModelInvocationJob", lambda params: answer_batch(session, params))
    stubber.add_response("create_model_invocation_job", {"jobArn": BATCH_ARN})
    stubber.activate()
    # The get response needs the request's own values: queue it once the request is seen.
    bedrock.meta.events.register(
        "after-call.bedrock.CreateModelInvocationJob",
        lambda **_: stubber.add_response(
            "get_model_invocation_job", batch_job_response("Completed", seen[0]), {"jobIdentifier": BATCH_ARN}
        ),
    )
    fake = FakeConverse(session, lambda params: "never")
    request = EvaluateRequest(
        tuned_model=TUNED,
        base_model=None,
        records=write_records(tmp_path, 100),
        report_dir=tmp_path / "report",
        task="classification",
        batch=True,
    )
    report = run_evaluation(session, outputs(), request, sleep=lambda s: None)
    stubber.assert_no_pending_responses()
    sent = seen[0]
    run = sent["jobName"].rsplit("-", 1)[-1]
    assert sent["jobName"] == f"bedrock-ft-eval-tuned-{run}" and len(run) == 12
    assert sent["roleArn"] == ROLE
    assert sent["clientRequestToken"] == f"bfttuned{run}"
    assert sent["modelId"] == TUNED
    assert sent["inputDataConfig"] == {
        "s3InputDataConfig": {
            "s3Uri": f"s3://{BUCKET}/output/evaluate/{run}/batch/tuned/input/records.jsonl",
            "s3InputFormat": "JSONL",
            "s3BucketOwner": ACCOUNT,
        }
    }
    assert sent["outputDataConfig"] == {
        "s3OutputDataConfig": {
            "s3Uri": f"s3://{BUCKET}/output/evaluate/{run}/batch/tuned/output/",
            "s3BucketOwner": ACCOUNT,
        }
    }
    assert sent["vpcConfig"] == {"subnetIds": ["subnet-a", "subnet-b"], "securityGroupIds": ["sg-1"]}
    assert sent["timeoutDurationInHours"] == 24
    assert sent["modelInvocationType"] == "Converse"
    assert sent["tags"] == [{"key": "created-by", "value": "bedrock-ft"}]
    assert set(sent) == {
        "jobName",
        "roleArn",
        "clientRequestToken",
        "modelId",
        "inputDataConfig",
        "outputDataConfig",
        "vpcConfig",
        "timeoutDurationInHours",
        "modelInvocationType",
        "tags",
    }
    inputs = read_s3_jsonl(session, sent["inputDataConfig"]["s3InputDataConfig"]["s3Uri"])
    assert inputs[0] == {
        "recordId": "00000000000",
        "modelInput": {
            "messages": [{"role": "user", "content": [{"text": "message 0"}]}],
            "inferenceConfig": {"maxTokens": 512, "temperature": 0.0},
        },
    }
    assert fake.requests == []
    assert report.tuned.scores.values["accuracy"] == 1.0
    assert report.batch is not None and report.batch["jobs"]["tuned"]["answered"] == 100


def test_records_the_batch_job_could_not_answer_are_asked_through_converse(session: AwsSession, tmp_path: Path) -> None:
    bedrock = session.bedrock()
    stubber = Stubber(bedrock)
    seen = capture(bedrock, "CreateModelInvocationJob", lambda params: answer_batch(session, params, skip=3))
    stubber.add_response("create_model_invocation_job", {"jobArn": BATCH_ARN})
    stubber.activate()
    bedrock.meta.events.register(
        "after-call.bedrock.CreateModelInvocationJob",
        lambda **_: stubber.add_response("get_model_invocation_job", batch_job_response("PartiallyCompleted", seen[0])),
    )
    fake = FakeConverse(session, lambda params: "ham")
    request = EvaluateRequest(
        tuned_model=TUNED,
        base_model=None,
        records=write_records(tmp_path, 100),
        report_dir=tmp_path / "report",
        task="classification",
        batch=True,
    )
    report = run_evaluation(session, outputs(), request, sleep=lambda s: None)
    assert len(fake.requests) == 3
    assert report.batch is not None and any("97 of 100" in note for note in report.batch["notes"])


def test_fewer_records_than_a_batch_job_takes_go_through_converse(session: AwsSession, tmp_path: Path) -> None:
    stubber = Stubber(session.bedrock())
    stubber.activate()  # any bedrock call would fail: none is expected
    fake = FakeConverse(session, lambda params: "ham")
    request = EvaluateRequest(
        tuned_model=TUNED,
        base_model=None,
        records=write_records(tmp_path, 10),
        report_dir=tmp_path / "report",
        task="classification",
        batch=True,
    )
    report = run_evaluation(session, outputs(), request)
    assert len(fake.requests) == 10
    assert report.batch is not None and "fewer than the 100" in report.batch["notes"][0]


def test_a_failed_batch_job_is_a_job_failure(session: AwsSession, tmp_path: Path) -> None:
    bedrock = session.bedrock()
    stubber = Stubber(bedrock)
    seen = capture(bedrock, "CreateModelInvocationJob", lambda params: None)
    stubber.add_response("create_model_invocation_job", {"jobArn": BATCH_ARN})
    stubber.activate()
    bedrock.meta.events.register(
        "after-call.bedrock.CreateModelInvocationJob",
        lambda **_: stubber.add_response(
            "get_model_invocation_job", {**batch_job_response("Failed", seen[0]), "message": "role not trusted"}
        ),
    )
    request = EvaluateRequest(
        tuned_model=TUNED, base_model=None, records=write_records(tmp_path, 100), report_dir=tmp_path / "r", batch=True
    )
    with pytest.raises(JobFailed, match="ended Failed: role not trusted"):
        run_evaluation(session, outputs(), request, sleep=lambda s: None)


def test_a_batch_job_past_the_timeout_says_it_keeps_running(session: AwsSession, tmp_path: Path) -> None:
    bedrock = session.bedrock()
    stubber = Stubber(bedrock)
    seen = capture(bedrock, "CreateModelInvocationJob", lambda params: None)
    stubber.add_response("create_model_invocation_job", {"jobArn": BATCH_ARN})
    stubber.activate()
    bedrock.meta.events.register(
        "after-call.bedrock.CreateModelInvocationJob",
        lambda **_: stubber.add_response("get_model_invocation_job", batch_job_response("InProgress", seen[0])),
    )
    request = EvaluateRequest(
        tuned_model=TUNED,
        base_model=None,
        records=write_records(tmp_path, 100),
        report_dir=tmp_path / "r",
        batch=True,
        timeout=0,
    )
    with pytest.raises(JobFailed, match="still InProgress") as caught:
        run_evaluation(session, outputs(), request, sleep=lambda s: None)
    assert caught.value.hint and "keeps running" in caught.value.hint


# ---------------------------------------------------------------------------------------------------- judge


def judge_arn(role: str) -> str:
    return f"arn:aws:bedrock:us-east-1:{ACCOUNT}:evaluation-job/{'a' * 11}{'t' if role == 'tuned' else 'b'}"


def evaluation_job_response(request: dict[str, Any], arn: str, status: str = "Completed") -> dict[str, Any]:
    return {
        "jobName": request["jobName"],
        "status": status,
        "jobArn": arn,
        "roleArn": ROLE,
        "jobType": "Automated",
        "applicationType": "ModelEvaluation",
        "evaluationConfig": request["evaluationConfig"],
        "inferenceConfig": request["inferenceConfig"],
        "outputDataConfig": request["outputDataConfig"],
        "creationTime": NOW,
    }


def write_judgements(session: AwsSession, params: dict[str, Any]) -> None:
    """The service's part: one judged line per dataset record, Correctness 1 for "ham" answers, else 0."""
    dataset_uri = params["evaluationConfig"]["automated"]["datasetMetricConfigs"][0]["dataset"]["datasetLocation"][
        "s3Uri"
    ]
    rows = []
    for line in read_s3_jsonl(session, dataset_uri):
        right = line["modelResponses"][0]["response"] == line["referenceResponse"]
        rows.append(
            {
                "automatedEvaluationResult": {
                    "scores": [
                        {"metricName": "Builtin.Correctness", "result": 1.0 if right else 0.0},
                        {"metricName": "Builtin.Helpfulness", "result": 0.5},
                    ]
                }
            }
        )
    bucket, _, prefix = params["outputDataConfig"]["s3Uri"][5:].partition("/")
    key = f"{prefix}{params['jobName']}/xyz/models/m/taskTypes/Generation/datasets/d/abc_output.jsonl"
    session.s3().put_object(Bucket=bucket, Key=key, Body="".join(json.dumps(r) + "\n" for r in rows).encode())


def test_judge_jobs_get_the_collected_answers_as_a_precomputed_source_and_their_scores_join_the_report(
    session: AwsSession, tmp_path: Path
) -> None:
    bedrock = session.bedrock()
    stubber = Stubber(bedrock)
    seen = capture(bedrock, "CreateEvaluationJob", lambda params: write_judgements(session, params))
    stubber.add_response("create_evaluation_job", {"jobArn": judge_arn("tuned")})
    stubber.add_response("create_evaluation_job", {"jobArn": judge_arn("base")})
    stubber.activate()

    def queue_gets(**_: Any) -> None:
        if len(seen) == 2:
            for sent, role in zip(seen, ("tuned", "base"), strict=True):
                stubber.add_response(
                    "get_evaluation_job",
                    evaluation_job_response(sent, judge_arn(role)),
                    {"jobIdentifier": judge_arn(role)},
                )

    bedrock.meta.events.register("after-call.bedrock.CreateEvaluationJob", queue_gets)
    FakeConverse(session, lambda params: "ham" if params["modelId"] == TUNED else "spam")
    request = EvaluateRequest(
        tuned_model=TUNED,
        base_model="amazon.nova-lite-v1:0",
        records=write_records(tmp_path, 4),
        report_dir=tmp_path / "report",
        task="classification",
        judge_model="amazon.nova-pro-v1:0",
    )
    report = run_evaluation(session, outputs(), request, sleep=lambda s: None)
    stubber.assert_no_pending_responses()
    tuned_request = seen[0]
    run = tuned_request["jobName"].rsplit("-", 1)[-1]
    prefix = f"s3://{BUCKET}/output/evaluate/{run}/judge/tuned"
    assert tuned_request == {
        "jobName": f"bedrock-ft-judge-tuned-{run}",
        "roleArn": ROLE,
        "clientRequestToken": f"bft-judge-tuned-{run}",
        "applicationType": "ModelEvaluation",
        "evaluationConfig": {
            "automated": {
                "datasetMetricConfigs": [
                    {
                        "taskType": "Generation",
                        "dataset": {"name": "heldout-tuned", "datasetLocation": {"s3Uri": f"{prefix}/dataset.jsonl"}},
                        "metricNames": ["Builtin.Correctness", "Builtin.Completeness", "Builtin.Helpfulness"],
                    }
                ],
                "evaluatorModelConfig": {"bedrockEvaluatorModels": [{"modelIdentifier": "amazon.nova-pro-v1:0"}]},
            }
        },
        "inferenceConfig": {"models": [{"precomputedInferenceSource": {"inferenceSourceIdentifier": "tuned"}}]},
        "outputDataConfig": {"s3Uri": f"{prefix}/output/"},
        "jobTags": [{"key": "created-by", "value": "bedrock-ft"}],
    }
    assert seen[1]["inferenceConfig"]["models"][0]["precomputedInferenceSource"]["inferenceSourceIdentifier"] == "base"
    dataset = read_s3_jsonl(session, f"{prefix}/dataset.jsonl")
    assert dataset[1] == {
        "prompt": "message 1",
        "referenceResponse": "spam",
        "category": "classification",
        "modelResponses": [{"response": "ham", "modelIdentifier": "tuned"}],
    }
    assert report.judge is not None
    assert report.judge["jobs"]["tuned"]["scores"] == [
        {"metric": "Builtin.Correctness", "score": 0.5},
        {"metric": "Builtin.Helpfulness", "score": 0.5},
    ]
    assert report.judge["jobs"]["base"]["scores"][0] == {"metric": "Builtin.Correctness", "score": 0.5}
    assert report.judge["jobs"]["tuned"]["judged"] == 4
    markdown = (tmp_path / "report" / "report.md").read_text(encoding="utf-8")
    assert "| tuned | Builtin.Correctness | 0.500 |" in markdown


def judge_request_for(tmp_path: Path) -> EvaluateRequest:
    return EvaluateRequest(
        tuned_model=TUNED,
        base_model=None,
        records=tmp_path / "held.jsonl",
        report_dir=tmp_path / "report",
        task="classification",
        judge_model="amazon.nova-pro-v1:0",
    )


def held_out(count: int) -> list[EvalRecord]:
    return [
        EvalRecord(i + 1, (), ({"role": "user", "content": [{"text": f"message {i}"}]},), "ham") for i in range(count)
    ]


def run_one_judge(session: AwsSession, tmp_path: Path, tf: TerraformOutputs) -> dict[str, Any]:
    """One judge job on the tuned model's answers, the service played by write_judgements; the request sent."""
    bedrock = session.bedrock()
    stubber = Stubber(bedrock)
    seen = capture(bedrock, "CreateEvaluationJob", lambda params: write_judgements(session, params))
    stubber.add_response("create_evaluation_job", {"jobArn": judge_arn("tuned")})
    stubber.activate()
    bedrock.meta.events.register(
        "after-call.bedrock.CreateEvaluationJob",
        lambda **_: stubber.add_response("get_evaluation_job", evaluation_job_response(seen[0], judge_arn("tuned"))),
    )
    summary = bedrock_jobs.run_judge(
        session,
        tf,
        judge_request_for(tmp_path),
        held_out(2),
        {"tuned": ["ham", "spam"]},
        {"tuned": TUNED},
        timeout=None,
        sleep=lambda s: None,
    )
    stubber.assert_no_pending_responses()
    assert summary["jobs"]["tuned"]["judged"] == 2
    return seen[0]


def keys_in_bucket(session: AwsSession) -> list[str]:
    return [item["Key"] for item in session.s3().list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def test_with_the_evaluation_prefix_the_judges_dataset_and_results_go_under_it(
    session: AwsSession, tmp_path: Path
) -> None:
    sent = run_one_judge(session, tmp_path, outputs(evaluation_prefix="evaluation"))
    run = sent["jobName"].rsplit("-", 1)[-1]
    prefix = f"s3://{BUCKET}/evaluation/{run}/judge/tuned"
    dataset = sent["evaluationConfig"]["automated"]["datasetMetricConfigs"][0]["dataset"]
    assert dataset["datasetLocation"] == {"s3Uri": f"{prefix}/dataset.jsonl"}
    assert sent["outputDataConfig"] == {"s3Uri": f"{prefix}/output/"}
    assert [key for key in keys_in_bucket(session) if not key.startswith("evaluation/")] == []


@pytest.mark.parametrize(
    "changes", [{}, {"evaluation_prefix": None}], ids=["an older module", "evaluation_jobs_enabled false"]
)
def test_without_the_evaluation_prefix_the_judge_keeps_the_output_prefix(
    session: AwsSession, tmp_path: Path, changes: dict[str, Any]
) -> None:
    sent = run_one_judge(session, tmp_path, outputs(**changes))
    run = sent["jobName"].rsplit("-", 1)[-1]
    assert sent["outputDataConfig"] == {"s3Uri": f"s3://{BUCKET}/output/evaluate/{run}/judge/tuned/output/"}
    assert [key for key in keys_in_bucket(session) if not key.startswith("output/evaluate/")] == []


def refuse_judge_job(session: AwsSession) -> None:
    stubber = Stubber(session.bedrock())
    stubber.add_client_error(
        "create_evaluation_job",
        service_error_code="ValidationException",
        service_message="Bedrock cannot assume the role",
        http_status_code=400,
    )
    stubber.activate()


def test_a_refused_judge_job_from_a_module_without_the_switch_says_to_turn_it_on(
    session: AwsSession, tmp_path: Path
) -> None:
    refuse_judge_job(session)
    with pytest.raises(AwsError, match="CreateEvaluationJob refused: ValidationException") as caught:
        bedrock_jobs.run_judge(
            session,
            outputs(),
            judge_request_for(tmp_path),
            held_out(1),
            {"tuned": ["ham"]},
            {"tuned": TUNED},
            timeout=None,
        )
    assert "evaluation_jobs_enabled = true" in str(caught.value.hint)


def test_a_refused_judge_job_with_the_switch_on_points_at_the_operators_policy(
    session: AwsSession, tmp_path: Path
) -> None:
    refuse_judge_job(session)
    with pytest.raises(AwsError, match="CreateEvaluationJob refused") as caught:
        bedrock_jobs.run_judge(
            session,
            outputs(evaluation_prefix="evaluation"),
            judge_request_for(tmp_path),
            held_out(1),
            {"tuned": ["ham"]},
            {"tuned": TUNED},
            timeout=None,
        )
    hint = str(caught.value.hint)
    assert "operator_after_training_policy_arn" in hint and f"s3://{BUCKET}/evaluation/" in hint
    assert "evaluation_jobs_enabled" not in hint


def test_a_refused_dataset_upload_is_an_aws_error_saying_to_turn_the_switch_on(
    session: AwsSession, tmp_path: Path
) -> None:
    s3 = Stubber(session.s3())
    s3.add_client_error("put_object", service_error_code="AccessDenied", service_message="Access Denied")
    s3.activate()
    bedrock = Stubber(session.bedrock())
    bedrock.activate()  # no response queued: a job submitted after a failed upload would fail the test
    with pytest.raises(AwsError, match=f"uploading the judge's dataset to s3://{BUCKET}/output/evaluate/") as caught:
        bedrock_jobs.run_judge(
            session,
            outputs(),
            judge_request_for(tmp_path),
            held_out(1),
            {"tuned": ["ham"]},
            {"tuned": TUNED},
            timeout=None,
        )
    assert "AccessDenied" in str(caught.value) and "evaluation_jobs_enabled = true" in str(caught.value.hint)
    s3.assert_no_pending_responses()


def test_judge_scores_average_each_metric_and_ignore_malformed_rows() -> None:
    rows = [
        {"automatedEvaluationResult": {"scores": [{"metricName": "A", "result": 1}, {"metricName": "B", "result": 0}]}},
        {"automatedEvaluationResult": {"scores": [{"metricName": "A", "result": 0.5}, {"metricName": "B"}]}},
        {"automatedEvaluationResult": "nonsense"},
        {"automatedEvaluationResult": {"scores": [{"metricName": "A", "result": True}, "x"]}},
        {},
    ]
    assert bedrock_jobs.judge_scores(rows) == {"A": 0.75, "B": 0.0}


def test_judge_dataset_stops_at_the_service_limit() -> None:
    from bedrock_ft.lifecycle.evaluation import EvalRecord

    records = [EvalRecord(i, (), ({"role": "user", "content": [{"text": "q"}]},), "a") for i in range(1001)]
    assert len(bedrock_jobs.judge_dataset(records, ["a"] * 1001, "tuned", "generation")) == 1000


def test_ctrl_c_while_waiting_says_the_job_keeps_running(session: AwsSession, tmp_path: Path) -> None:
    bedrock = session.bedrock()
    stubber = Stubber(bedrock)
    seen = capture(bedrock, "CreateModelInvocationJob", lambda params: None)
    stubber.add_response("create_model_invocation_job", {"jobArn": BATCH_ARN})
    stubber.activate()
    bedrock.meta.events.register(
        "after-call.bedrock.CreateModelInvocationJob",
        lambda **_: stubber.add_response("get_model_invocation_job", batch_job_response("InProgress", seen[0])),
    )

    def interrupt(seconds: float) -> None:
        raise KeyboardInterrupt

    request = EvaluateRequest(
        tuned_model=TUNED, base_model=None, records=write_records(tmp_path, 100), report_dir=tmp_path / "r", batch=True
    )
    with pytest.raises(bedrock_jobs.JobWaitInterrupted, match=f"{BATCH_ARN}; it keeps running") as caught:
        run_evaluation(session, outputs(), request, sleep=interrupt)
    assert caught.value.exit_code == 130


def test_the_same_requests_name_the_same_batch_job() -> None:
    assert bedrock_jobs.run_id(["b", "a"]) == bedrock_jobs.run_id(["a", "b"]) != bedrock_jobs.run_id(["a"])
