"""The two Bedrock jobs ``evaluate`` can hand work to: batch inference and an LLM-as-a-judge evaluation job.

Batch inference (CreateModelInvocationJob, ``modelInvocationType`` Converse) runs inside the module's VPC: the
module's subnets and security group in ``vpcConfig``, input and output under the module's bucket. Its answers go into
the same answer cache as Converse's, so scoring does not know where they came from; records the batch job could not
answer are asked through Converse afterwards.

The judge (CreateEvaluationJob) gets the answers already collected as a precomputed inference source, one job per
model (tuned, base), and its per-metric means are folded into the report.

Both roles come from the Terraform outputs: the module's service role must trust ``model-invocation-job/*`` and
``evaluation-job/*`` for these jobs (``aws:SourceArn``), which the AWS error says when it does not. The module's
``evaluation_jobs_enabled`` gives the role the judge's part and an ``evaluation_prefix`` output: the judge's dataset
and results go there when the outputs name it, else under the output prefix as before.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from bedrock_ft import CREATED_BY_TAG_KEY, CREATED_BY_TAG_VALUE
from bedrock_ft.core.errors import AwsError, Interrupted, JobFailed
from bedrock_ft.core.s3_uris import S3Uri, join_key
from bedrock_ft.core.tf_outputs import TerraformOutputs
from bedrock_ft.job.session import AwsSession

if TYPE_CHECKING:
    from bedrock_ft.lifecycle.evaluation import AnswerCache, Call, EvalRecord, EvaluateRequest

MIN_BATCH_RECORDS = 100  # Bedrock's minimum number of records in one batch inference job
MAX_JUDGE_PROMPTS = 1000  # an evaluation job's dataset holds at most this many prompts
BATCH_TIMEOUT_HOURS = 24  # the smallest timeoutDurationInHours the API takes
MAX_OUTPUT_BYTES = 256 * 1024 * 1024
DEFAULT_JUDGE_METRICS = ("Builtin.Correctness", "Builtin.Completeness", "Builtin.Helpfulness")
BATCH_DONE = ("Completed", "PartiallyCompleted")
BATCH_BAD = ("Failed", "Stopped", "Expired")
JUDGE_BAD = ("Failed", "Stopped", "Deleting")
POLL_INITIAL_SECONDS = 15.0
POLL_MAX_SECONDS = 120.0


def _tags_list() -> list[dict[str, str]]:
    return [{"key": CREATED_BY_TAG_KEY, "value": CREATED_BY_TAG_VALUE}]


def run_id(keys: Sequence[str]) -> str:
    """12 hex characters naming one set of requests: the same requests reuse the same names and tokens."""
    return hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()[:12]


def _evaluate_prefix(outputs: TerraformOutputs, run: str, *parts: str) -> str:
    return join_key(outputs.output_prefix, "evaluate", run, *parts)


def _judge_prefix(outputs: TerraformOutputs, run: str, role: str) -> str:
    """Where one judge job's dataset and results go: under the module's evaluation prefix, the only place its
    evaluation policy lets the service role (and the operator) read and write; under the output prefix when the
    outputs name none."""
    if outputs.evaluation_prefix is None:
        return _evaluate_prefix(outputs, run, "judge", role)
    return join_key(outputs.evaluation_prefix, run, "judge", role)


def _put_jsonl(session: AwsSession, bucket: str, key: str, lines: Sequence[dict[str, Any]]) -> str:
    body = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines).encode()
    session.s3().put_object(Bucket=bucket, Key=key, Body=body)
    return str(S3Uri(bucket, key))


def _read_outputs(session: AwsSession, bucket: str, prefix: str, suffix: str) -> list[dict[str, Any]]:
    """Every JSON line of the objects under ``prefix`` whose key ends with ``suffix`` (bounded; bad lines skipped)."""
    s3 = session.s3()
    rows: list[dict[str, Any]] = []
    total = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            if not str(item["Key"]).endswith(suffix):
                continue
            total += int(item.get("Size", 0))
            if total > MAX_OUTPUT_BYTES:
                raise AwsError(f"the job's output under s3://{bucket}/{prefix} is over {MAX_OUTPUT_BYTES} bytes")
            body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read(MAX_OUTPUT_BYTES + 1)
            for raw in body.split(b"\n"):
                if not raw.strip():
                    continue
                try:
                    value = json.loads(raw)
                except (ValueError, RecursionError):
                    continue
                if isinstance(value, dict):
                    rows.append(value)
    return rows


class JobWaitInterrupted(Interrupted):
    """Ctrl-C while waiting for a batch or judge job: the job keeps running (and billing)."""


def _poll(
    describe: Callable[[], dict[str, Any]],
    *,
    done: Sequence[str],
    bad: Sequence[str],
    what: str,
    timeout: float | None,
    sleep: Callable[[float], None],
    clock: Callable[[], float] = time.monotonic,
) -> dict[str, Any]:
    try:
        return _poll_until(describe, done=done, bad=bad, what=what, timeout=timeout, sleep=sleep, clock=clock)
    except KeyboardInterrupt:
        raise JobWaitInterrupted(
            f"stopped waiting for {what}; it keeps running on AWS",
            hint="run the same evaluation again to pick its answers up (the same request names the same job)",
        ) from None


def _poll_until(
    describe: Callable[[], dict[str, Any]],
    *,
    done: Sequence[str],
    bad: Sequence[str],
    what: str,
    timeout: float | None,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
) -> dict[str, Any]:
    start = clock()
    delay = POLL_INITIAL_SECONDS
    while True:
        job = describe()
        status = str(job.get("status"))
        if status in done:
            return job
        if status in bad:
            reason = job.get("message") or "; ".join(job.get("failureMessages") or []) or "no message"
            raise JobFailed(f"{what} ended {status}: {reason}")
        elapsed = clock() - start
        if timeout is not None and elapsed >= timeout:
            raise JobFailed(
                f"{what} is still {status} after {elapsed:.0f} s",
                hint="it keeps running (and billing); run the same evaluation again later to pick its answers up",
            )
        sleep(delay if timeout is None else max(0.0, min(delay, timeout - elapsed)))
        delay = min(delay * 2, POLL_MAX_SECONDS)


# ------------------------------------------------------------------------------------------------------- batch


def batch_request(
    outputs: TerraformOutputs, *, role: str, run: str, model_id: str, input_uri: str, output_uri: str
) -> dict[str, Any]:
    """The CreateModelInvocationJob request: Converse records, inside the module's VPC, under its bucket."""
    output_config: dict[str, Any] = {"s3Uri": output_uri, "s3BucketOwner": outputs.account_id}
    if outputs.kms_key_arn:
        output_config["s3EncryptionKeyId"] = outputs.kms_key_arn
    return {
        "jobName": f"bedrock-ft-eval-{role}-{run}",
        "roleArn": outputs.role_arn,
        "clientRequestToken": f"bft{role}{run}",
        "modelId": model_id,
        "inputDataConfig": {
            "s3InputDataConfig": {"s3Uri": input_uri, "s3InputFormat": "JSONL", "s3BucketOwner": outputs.account_id}
        },
        "outputDataConfig": {"s3OutputDataConfig": output_config},
        "vpcConfig": {"subnetIds": list(outputs.subnet_ids), "securityGroupIds": list(outputs.security_group_ids)},
        "timeoutDurationInHours": BATCH_TIMEOUT_HOURS,
        "modelInvocationType": "Converse",
        "tags": _tags_list(),
    }


def run_batch_inference(
    session: AwsSession,
    outputs: TerraformOutputs,
    calls: Sequence[Call],
    cache: AnswerCache,
    *,
    timeout: float | None,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """One batch job per model for the calls the cache lacks; their answers cached. A summary for the report."""
    from bedrock_ft.lifecycle.evaluation import answer_from_response

    outputs.require("bucket_name", "role_arn", "subnet_ids", "security_group_ids", "account_id")
    bedrock = session.bedrock()
    summary: dict[str, Any] = {"jobs": {}, "notes": []}
    by_role: dict[str, list[Call]] = {}
    for call in calls:
        if cache.get(call.key) is None:
            by_role.setdefault(call.role, [])
            if all(c.key != call.key for c in by_role[call.role]):
                by_role[call.role].append(call)
    submitted: dict[str, tuple[str, str, dict[str, Call]]] = {}
    for role, pending in by_role.items():
        if len(pending) < MIN_BATCH_RECORDS:
            summary["notes"].append(
                f"{role}: {len(pending)} records to answer, fewer than the {MIN_BATCH_RECORDS} a batch job takes; "
                "asked through Converse instead"
            )
            continue
        run = run_id([c.key for c in pending])
        prefix = _evaluate_prefix(outputs, run, "batch", role)
        by_record = {f"{i:011d}": call for i, call in enumerate(pending)}
        lines = [
            {"recordId": record_id, "modelInput": {k: v for k, v in call.body.items() if k != "modelId"}}
            for record_id, call in by_record.items()
        ]
        input_uri = _put_jsonl(session, outputs.bucket_name, join_key(prefix, "input", "records.jsonl"), lines)
        output_uri = str(S3Uri(outputs.bucket_name, join_key(prefix, "output") + "/"))
        request = batch_request(
            outputs, role=role, run=run, model_id=pending[0].body["modelId"], input_uri=input_uri, output_uri=output_uri
        )
        arn = str(bedrock.create_model_invocation_job(**request)["jobArn"])
        submitted[role] = (arn, join_key(prefix, "output") + "/", by_record)
        summary["jobs"][role] = {
            "job_arn": arn,
            "input_uri": input_uri,
            "output_uri": output_uri,
            "records": len(lines),
        }
    for role, (arn, output_prefix, by_record) in submitted.items():
        job = _poll(
            lambda arn=arn: bedrock.get_model_invocation_job(jobIdentifier=arn),  # type: ignore[misc]
            done=BATCH_DONE,
            bad=BATCH_BAD,
            what=f"batch inference job {arn}",
            timeout=timeout,
            sleep=sleep,
        )
        answered = 0
        for row in _read_outputs(session, outputs.bucket_name, output_prefix, ".jsonl.out"):
            found = by_record.get(str(row.get("recordId")))
            model_output = row.get("modelOutput")
            if found is None or not isinstance(model_output, dict) or row.get("error"):
                continue
            answer = answer_from_response(model_output, found.key, found.role, found.body["modelId"], found.record.line)
            answer.source = "batch"
            cache.add(answer)
            answered += 1
        summary["jobs"][role].update(status=job.get("status"), answered=answered)
        if answered < len(by_record):
            summary["notes"].append(
                f"{role}: the batch job answered {answered} of {len(by_record)}; the rest asked through Converse"
            )
    return summary


# ------------------------------------------------------------------------------------------------------- judge


def judge_dataset(
    records: Sequence[EvalRecord], answers: Sequence[str], source: str, task: str
) -> list[dict[str, Any]]:
    """Records of an evaluation dataset carrying precomputed answers (``modelResponses``)."""
    return [
        {
            "prompt": record.prompt_text,
            "referenceResponse": record.reference,
            "category": task,
            "modelResponses": [{"response": answer, "modelIdentifier": source}],
        }
        for record, answer in zip(records, answers, strict=True)
    ][:MAX_JUDGE_PROMPTS]


def judge_request(
    outputs: TerraformOutputs,
    *,
    role: str,
    run: str,
    judge_model: str,
    dataset_uri: str,
    output_uri: str,
    metrics: Sequence[str] = DEFAULT_JUDGE_METRICS,
) -> dict[str, Any]:
    """The CreateEvaluationJob request: LLM-as-a-judge on a precomputed inference source."""
    return {
        "jobName": f"bedrock-ft-judge-{role}-{run}",
        "roleArn": outputs.role_arn,
        "clientRequestToken": f"bft-judge-{role}-{run}",
        "applicationType": "ModelEvaluation",
        "evaluationConfig": {
            "automated": {
                "datasetMetricConfigs": [
                    {
                        "taskType": "Generation",
                        "dataset": {"name": f"heldout-{role}", "datasetLocation": {"s3Uri": dataset_uri}},
                        "metricNames": list(metrics),
                    }
                ],
                "evaluatorModelConfig": {"bedrockEvaluatorModels": [{"modelIdentifier": judge_model}]},
            }
        },
        "inferenceConfig": {"models": [{"precomputedInferenceSource": {"inferenceSourceIdentifier": role}}]},
        "outputDataConfig": {"s3Uri": output_uri},
        "jobTags": _tags_list(),
    }


def judge_scores(rows: Sequence[dict[str, Any]]) -> dict[str, float]:
    """Mean of each metric over the judged records (``automatedEvaluationResult.scores[].result``)."""
    sums: dict[str, float] = {}
    counts: dict[str, int] = {}
    for row in rows:
        result = row.get("automatedEvaluationResult")
        for entry in (result or {}).get("scores") or [] if isinstance(result, dict) else []:
            if not isinstance(entry, dict):
                continue
            name, value = entry.get("metricName"), entry.get("result")
            if isinstance(name, str) and isinstance(value, int | float) and not isinstance(value, bool):
                sums[name] = sums.get(name, 0.0) + float(value)
                counts[name] = counts.get(name, 0) + 1
    return {name: sums[name] / counts[name] for name in sorted(sums)}


def _judge_hint(outputs: TerraformOutputs) -> str:
    """What to fix when AWS refuses a judge job's upload or submission."""
    model = "the judge model must be enabled in this region (give a foundation model ID of this region)"
    if outputs.evaluation_prefix is None:
        return (
            "apply the module with evaluation_jobs_enabled = true (the service role then trusts evaluation-job/* and "
            f"uses the evaluation prefix) and read its outputs again; {model}"
        )
    return (
        "attach the operator's after-training policy (output operator_after_training_policy_arn) for "
        f"bedrock:CreateEvaluationJob and s3://{outputs.bucket_name}/{outputs.evaluation_prefix}/; {model}"
    )


def run_judge(
    session: AwsSession,
    outputs: TerraformOutputs,
    request: EvaluateRequest,
    records: Sequence[EvalRecord],
    texts: dict[str, list[str]],
    models: dict[str, str],
    *,
    timeout: float | None,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """One evaluation job per model on its collected answers; wait; the judge's scores per model."""
    outputs.require("bucket_name", "role_arn")
    assert request.judge_model is not None
    bedrock = session.bedrock()
    summary: dict[str, Any] = {"evaluator_model": request.judge_model, "jobs": {}, "notes": []}
    if len(records) > MAX_JUDGE_PROMPTS:
        summary["notes"].append(f"the judge saw the first {MAX_JUDGE_PROMPTS} of {len(records)} records")
    arns: dict[str, tuple[str, str]] = {}
    for role in models:
        dataset = judge_dataset(records, texts[role], role, request.task)
        run = run_id([json.dumps(line, sort_keys=True) for line in dataset] + [request.judge_model])
        prefix = _judge_prefix(outputs, run, role)
        try:
            dataset_uri = _put_jsonl(session, outputs.bucket_name, join_key(prefix, "dataset.jsonl"), dataset)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            raise AwsError(
                f"uploading the judge's dataset to s3://{outputs.bucket_name}/{prefix}/ was refused: "
                f"{error.get('Code')}: {error.get('Message', '')}",
                hint=_judge_hint(outputs),
            ) from None
        output_prefix = join_key(prefix, "output") + "/"
        output_uri = str(S3Uri(outputs.bucket_name, output_prefix))
        body = judge_request(
            outputs, role=role, run=run, judge_model=request.judge_model, dataset_uri=dataset_uri, output_uri=output_uri
        )
        try:
            arn = str(bedrock.create_evaluation_job(**body)["jobArn"])
        except ClientError as exc:
            error = exc.response.get("Error", {})
            raise AwsError(
                f"CreateEvaluationJob refused: {error.get('Code')}: {error.get('Message', '')}",
                hint=_judge_hint(outputs),
            ) from None
        arns[role] = (arn, output_prefix)
        summary["jobs"][role] = {"job_arn": arn, "dataset_uri": dataset_uri, "output_uri": output_uri}
    for role, (arn, output_prefix) in arns.items():
        job = _poll(
            lambda arn=arn: bedrock.get_evaluation_job(jobIdentifier=arn),  # type: ignore[misc]
            done=("Completed",),
            bad=JUDGE_BAD,
            what=f"evaluation job {arn}",
            timeout=timeout,
            sleep=sleep,
        )
        rows = _read_outputs(session, outputs.bucket_name, output_prefix, "_output.jsonl")
        scores = [{"metric": name, "score": value} for name, value in judge_scores(rows).items()]
        summary["jobs"][role].update(status=job.get("status"), judged=len(rows), scores=scores)
    return summary
