"""Emulation of the Bedrock APIs moto lacks: custom model deployments, provisioned throughput, Converse and
ConverseStream, batch inference jobs, evaluation jobs (LLM-as-a-judge on precomputed answers); and the end of a
customization job (status, metrics files).

Batch and evaluation jobs complete when created: their output files are written to the (emulated) bucket at once,
batch answers by the emulated model, judge scores as the token overlap of each answer with its reference (a
deterministic stand-in for a judge model, labelled as emulated in the job's description).

It hooks into the clients of one ``AwsSession`` through botocore's events: ``before-parameter-build`` keeps the
call's parameters, and ``before-call`` answers with a parsed response instead of sending the request. botocore has
validated the parameters against the real service model by then, so a request the service would refuse for its
shape fails here too; the answers are built to the service model's output shapes (a test checks them). Calls that
moto implements (custom models, jobs, tags) go on to moto, with a few answers completed after the call.

The emulated model is deterministic and learns from the job's training data only: for a prompt it finds the
training prompt closest in words (Jaccard similarity of the user turns' words) and, when a hash of (model, prompt)
falls under its accuracy (85 % for the tuned model, 30 % for the base model), answers with that record's answer;
otherwise with another training answer or a generic one. So on held-out records the tuned model is measurably better
than the base model, as a real fine-tune should be. Every answer says it is emulated in
``additionalModelResponseFields`` ({"emulated": true}).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError

from bedrock_ft.core.bounded_json import JsonInputError, parse_json
from bedrock_ft.core.s3_uris import parse_s3_uri
from bedrock_ft.job.session import AwsSession

ACCOUNT = "123456789012"
TUNED_ACCURACY = 0.85
BASE_ACCURACY = 0.30
EMULATED_FIELDS = {"emulated": True}
GENERIC_ANSWER = (
    "This page may have accessibility problems. Check colour contrast, form labels, image alternative text and "
    "keyboard focus."
)
PARAMS_KEY = "bedrock_ft_emulated_params"
MAX_DATA_BYTES = 64 * 1024 * 1024
TRAINING_STEPS = 40


def _ok(parsed: dict[str, Any]) -> tuple[AWSResponse, dict[str, Any]]:
    return AWSResponse("", 200, {}, None), parsed


def _error(code: str, message: str, status: int = 400) -> tuple[AWSResponse, dict[str, Any]]:
    parsed = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    return AWSResponse("", status, {}, None), parsed


def _fraction(*parts: str) -> float:
    digest = hashlib.sha256("\0".join(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _id12(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:12]


_WORD = re.compile(r"[a-z0-9]+")


def prompt_words(messages: list[dict[str, Any]]) -> frozenset[str]:
    """The words of the user turns (up to the last user turn), lower case."""
    words: set[str] = set()
    for message in messages:
        if message.get("role") != "user":
            continue
        for block in message.get("content", []):
            if isinstance(block, dict) and "text" in block:
                words.update(_WORD.findall(str(block["text"]).lower()))
    return frozenset(words)


def prompt_key(system: Iterable[Any], messages: list[dict[str, Any]]) -> str:
    """What identifies a prompt: the system texts and the user turns' texts (images are named by their text)."""
    texts = [str(block.get("text", "")) for block in system if isinstance(block, dict)]
    turns = messages
    if turns and turns[-1].get("role") == "assistant":
        turns = turns[:-1]
    for message in turns:
        if message.get("role") != "user":
            continue
        for block in message.get("content", []):
            if isinstance(block, dict) and "text" in block:
                texts.append(str(block["text"]).strip())
    return hashlib.sha256("\n\x1e".join(texts).encode("utf-8")).hexdigest()


@dataclass
class _Served:
    kind: str  # deployment | provisioned
    arn: str
    name: str
    model_arn: str
    created: datetime
    token: str | None
    tags: list[dict[str, str]]
    polls: int = 0
    model_units: int = 1
    commitment: str | None = None
    base_model_arn: str = ""


@dataclass
class BedrockEmulator:
    """The emulated services of one session; ``install`` hooks them into its bedrock and bedrock-runtime clients."""

    session: AwsSession
    account: str = ACCOUNT
    creating_polls: int = 1  # Gets that answer Creating before Active / InService
    served: dict[str, _Served] = field(default_factory=dict)
    completed_jobs: dict[str, str] = field(default_factory=dict)  # job ARN -> custom model ARN
    batch_jobs: dict[str, dict[str, Any]] = field(default_factory=dict)  # ARN -> GetModelInvocationJob answer
    evaluation_jobs: dict[str, dict[str, Any]] = field(default_factory=dict)  # ARN -> GetEvaluationJob answer
    # model ARN -> what it learned: (words of the prompt, answer) of each training record
    knowledge: dict[str, list[tuple[frozenset[str], str]]] = field(default_factory=dict)
    tags: dict[str, list[dict[str, str]]] = field(default_factory=dict)  # batch and evaluation job ARN -> tags
    calls: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # -- wiring --------------------------------------------------------------------------------------------------
    def install(self) -> BedrockEmulator:
        bedrock = self.session.bedrock()
        runtime = self.session.client("bedrock-runtime")
        for client, service, handlers in (
            (bedrock, "bedrock", self._bedrock_handlers()),
            (runtime, "bedrock-runtime", self._runtime_handlers()),
        ):
            events = client.meta.events
            for operation, handler in handlers.items():
                events.register(f"before-parameter-build.{service}.{operation}", self._keep_params)
                events.register(f"before-call.{service}.{operation}", self._answer(operation, handler))
        bedrock.meta.events.register("after-call.bedrock.GetModelCustomizationJob", self._after_get_job)
        bedrock.meta.events.register("after-call.bedrock.ListModelCustomizationJobs", self._after_list_jobs)
        bedrock.meta.events.register("after-call.bedrock.GetCustomModel", self._after_get_model)
        return self

    def _bedrock_handlers(self) -> dict[str, Any]:
        return {
            "CreateCustomModelDeployment": self._create_deployment,
            "GetCustomModelDeployment": self._get_deployment,
            "ListCustomModelDeployments": self._list_deployments,
            "DeleteCustomModelDeployment": self._delete_deployment,
            "CreateProvisionedModelThroughput": self._create_provisioned,
            "GetProvisionedModelThroughput": self._get_provisioned,
            "ListProvisionedModelThroughputs": self._list_provisioned,
            "DeleteProvisionedModelThroughput": self._delete_provisioned,
            "ListTagsForResource": self._list_tags,
            "DeleteCustomModel": self._delete_custom_model,
            "ListModelInvocationJobs": self._list_invocation_jobs,
            "CreateModelInvocationJob": self._create_invocation_job,
            "GetModelInvocationJob": self._get_invocation_job,
            "StopModelInvocationJob": self._stop_invocation_job,
            "CreateEvaluationJob": self._create_evaluation_job,
            "GetEvaluationJob": self._get_evaluation_job,
        }

    def _runtime_handlers(self) -> dict[str, Any]:
        return {"Converse": self._converse, "ConverseStream": self._converse_stream}

    @staticmethod
    def _keep_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context[PARAMS_KEY] = dict(params)

    def _answer(self, operation: str, handler: Any) -> Any:
        def respond(context: dict[str, Any], **_: Any) -> Any:
            params = context.get(PARAMS_KEY, {})
            with self._lock:
                self.calls.append(operation)
            return handler(params)

        return respond

    def _region(self) -> str:
        return self.session.region or "us-east-1"

    # -- deployments and provisioned throughput -----------------------------------------------------------------
    def _base_model_of(self, model_arn: str) -> str | None:
        """The base model ARN of the custom model ``model_arn``; None when there is no such model."""
        try:
            model = self.session.bedrock().get_custom_model(modelIdentifier=model_arn)
        except ClientError:  # any refusal means: no such model here
            return None
        return str(model.get("baseModelArn") or "")

    def _create(self, kind: str, params: dict[str, Any], name: str, model_arn: str) -> Any:
        token = params.get("clientRequestToken")
        with self._lock:
            for served in self.served.values():
                if token and served.token == token and served.kind == kind:
                    return served  # the service ignores a repeated token
                if served.name == name and served.kind == kind:
                    return f"a {kind} named {name} already exists"
        base = self._base_model_of(model_arn)
        if base is None:
            return f"custom model {model_arn} not found"
        resource = "custom-model-deployment" if kind == "deployment" else "provisioned-model"
        arn = f"arn:aws:bedrock:{self._region()}:{self.account}:{resource}/{_id12(kind, name, model_arn)}"
        served = _Served(
            kind=kind,
            arn=arn,
            name=name,
            model_arn=model_arn,
            created=datetime.now(UTC).replace(microsecond=0),
            token=token,
            tags=list(params.get("tags") or []),
            model_units=int(params.get("modelUnits") or 1),
            commitment=params.get("commitmentDuration"),
            base_model_arn=base,
        )
        with self._lock:
            self.served[arn] = served
        return served

    def _find(self, kind: str, identifier: str) -> _Served | None:
        with self._lock:
            for served in self.served.values():
                if served.kind == kind and identifier in (served.arn, served.name):
                    return served
        return None

    def _status(self, served: _Served) -> str:
        ready = "Active" if served.kind == "deployment" else "InService"
        with self._lock:
            served.polls += 1
            return "Creating" if served.polls <= self.creating_polls else ready

    def _create_deployment(self, params: dict[str, Any]) -> Any:
        result = self._create("deployment", params, params["modelDeploymentName"], params["modelArn"])
        if isinstance(result, str):
            return _error("ValidationException" if "exists" not in result else "ConflictException", result)
        return _ok({"customModelDeploymentArn": result.arn})

    def _deployment_dict(self, served: _Served, status: str) -> dict[str, Any]:
        return {
            "customModelDeploymentArn": served.arn,
            "modelDeploymentName": served.name,
            "modelArn": served.model_arn,
            "createdAt": served.created,
            "status": status,
            "description": "emulated on-demand deployment",
            "lastUpdatedAt": served.created,
        }

    def _get_deployment(self, params: dict[str, Any]) -> Any:
        served = self._find("deployment", params["customModelDeploymentIdentifier"])
        if served is None:
            return _error("ResourceNotFoundException", "custom model deployment not found", 404)
        return _ok(self._deployment_dict(served, self._status(served)))

    def _list_deployments(self, params: dict[str, Any]) -> Any:
        summaries = []
        for served in list(self.served.values()):
            if served.kind != "deployment":
                continue
            if params.get("modelArnEquals") and served.model_arn != params["modelArnEquals"]:
                continue
            status = "Creating" if served.polls < self.creating_polls else "Active"
            summaries.append(
                {
                    "customModelDeploymentArn": served.arn,
                    "customModelDeploymentName": served.name,
                    "modelArn": served.model_arn,
                    "createdAt": served.created,
                    "status": status,
                }
            )
        return _ok({"modelDeploymentSummaries": summaries})

    def _delete(self, kind: str, identifier: str) -> Any:
        served = self._find(kind, identifier)
        if served is None:
            return _error("ResourceNotFoundException", f"{kind} {identifier} not found", 404)
        if served.commitment:
            ends = served.created + timedelta(days=30 if served.commitment == "OneMonth" else 182)
            return _error(
                "ValidationException",
                f"provisioned throughput with a {served.commitment} commitment cannot be deleted before "
                f"{ends:%Y-%m-%d}",
            )
        with self._lock:
            self.served.pop(served.arn, None)
        return _ok({})

    def _delete_deployment(self, params: dict[str, Any]) -> Any:
        return self._delete("deployment", params["customModelDeploymentIdentifier"])

    def _create_provisioned(self, params: dict[str, Any]) -> Any:
        result = self._create("provisioned", params, params["provisionedModelName"], params["modelId"])
        if isinstance(result, str):
            return _error("ValidationException" if "exists" not in result else "ConflictException", result)
        return _ok({"provisionedModelArn": result.arn})

    def _provisioned_dict(self, served: _Served, status: str) -> dict[str, Any]:
        base = served.base_model_arn or f"arn:aws:bedrock:{self._region()}::foundation-model/unknown"
        item: dict[str, Any] = {
            "modelUnits": served.model_units,
            "desiredModelUnits": served.model_units,
            "provisionedModelName": served.name,
            "provisionedModelArn": served.arn,
            "modelArn": served.model_arn,
            "desiredModelArn": served.model_arn,
            "foundationModelArn": base,
            "status": status,
            "creationTime": served.created,
            "lastModifiedTime": served.created,
        }
        if served.commitment:
            item["commitmentDuration"] = served.commitment
            days = 30 if served.commitment == "OneMonth" else 182
            item["commitmentExpirationTime"] = served.created + timedelta(days=days)
        return item

    def _get_provisioned(self, params: dict[str, Any]) -> Any:
        served = self._find("provisioned", params["provisionedModelId"])
        if served is None:
            return _error("ResourceNotFoundException", "provisioned model throughput not found", 404)
        return _ok(self._provisioned_dict(served, self._status(served)))

    def _list_provisioned(self, params: dict[str, Any]) -> Any:
        summaries = []
        for served in list(self.served.values()):
            if served.kind != "provisioned":
                continue
            if params.get("modelArnEquals") and served.model_arn != params["modelArnEquals"]:
                continue
            status = "Creating" if served.polls < self.creating_polls else "InService"
            summaries.append(self._provisioned_dict(served, status))
        return _ok({"provisionedModelSummaries": summaries})

    def _delete_provisioned(self, params: dict[str, Any]) -> Any:
        return self._delete("provisioned", params["provisionedModelId"])

    def _list_tags(self, params: dict[str, Any]) -> Any:
        served = self.served.get(params["resourceARN"])
        if served is not None:
            return _ok({"tags": served.tags})
        if params["resourceARN"] in self.tags:
            return _ok({"tags": self.tags[params["resourceARN"]]})
        return None  # moto's own resources: moto answers

    def _delete_custom_model(self, params: dict[str, Any]) -> Any:
        identifier = params["modelIdentifier"]
        for served in list(self.served.values()):
            if identifier in (served.model_arn, served.model_arn.rsplit("/", 1)[-1]):
                what = "deployment" if served.kind == "deployment" else "provisioned throughput"
                return _error("ValidationException", f"the model is in use by {what} {served.arn}: delete that first")
        return None  # moto deletes it

    # -- batch inference and evaluation jobs -----------------------------------------------------------------------
    def _read_jsonl(self, uri: str) -> list[dict[str, Any]]:
        where = parse_s3_uri(uri)
        body = self.session.s3().get_object(Bucket=where.bucket, Key=where.key)["Body"].read(MAX_DATA_BYTES)
        rows = []
        for line in body.splitlines():
            try:
                row = parse_json(line) if line.strip() else None
            except JsonInputError:
                row = None
            if isinstance(row, dict):
                rows.append(row)
        return rows

    def _write_jsonl(self, uri: str, rows: list[dict[str, Any]]) -> None:
        where = parse_s3_uri(uri)
        body = "".join(json.dumps(row, default=str) + "\n" for row in rows).encode()
        self.session.s3().put_object(Bucket=where.bucket, Key=where.key, Body=body)

    def _create_invocation_job(self, params: dict[str, Any]) -> Any:
        token = params.get("clientRequestToken")
        for arn, job in self.batch_jobs.items():
            if token and job.get("clientRequestToken") == token:
                return _ok({"jobArn": arn})
        job_id = _id12("batch", params["jobName"])
        arn = f"arn:aws:bedrock:{self._region()}:{self.account}:model-invocation-job/{job_id}"
        source = params["inputDataConfig"]["s3InputDataConfig"]["s3Uri"]
        target = params["outputDataConfig"]["s3OutputDataConfig"]["s3Uri"]
        rows = []
        for row in self._read_jsonl(source):
            body = dict(row.get("modelInput") or {})
            reply = self._reply({**body, "modelId": params["modelId"]})
            if reply is None:
                rows.append({"recordId": row.get("recordId"), "error": {"errorMessage": "invalid model identifier"}})
                continue
            text, usage, latency = reply
            output = {
                "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
                "stopReason": "end_turn",
                "usage": usage,
                "metrics": {"latencyMs": latency},
                "additionalModelResponseFields": dict(EMULATED_FIELDS),
            }
            rows.append({"recordId": row.get("recordId"), "modelInput": body, "modelOutput": output})
        name = source.rsplit("/", 1)[-1]
        self._write_jsonl(f"{target.rstrip('/')}/{job_id}/{name}.out", rows)
        now = datetime.now(UTC).replace(microsecond=0)
        answer = {
            "jobArn": arn,
            "jobName": params["jobName"],
            "modelId": params["modelId"],
            "roleArn": params["roleArn"],
            "status": "Completed",
            "message": "emulated batch inference job",
            "submitTime": now,
            "lastModifiedTime": now,
            "endTime": now,
            "inputDataConfig": params["inputDataConfig"],
            "outputDataConfig": params["outputDataConfig"],
            "totalRecordCount": len(rows),
            "processedRecordCount": len(rows),
            "successRecordCount": sum("modelOutput" in r for r in rows),
            "errorRecordCount": sum("error" in r for r in rows),
        }
        for key in ("clientRequestToken", "vpcConfig", "timeoutDurationInHours", "modelInvocationType"):
            if key in params:
                answer[key] = params[key]
        with self._lock:
            self.batch_jobs[arn] = answer
            self.tags[arn] = list(params.get("tags") or [])
        return _ok({"jobArn": arn})

    def _get_invocation_job(self, params: dict[str, Any]) -> Any:
        job = self._batch_job(params["jobIdentifier"])
        if job is None:
            return _error("ResourceNotFoundException", "model invocation job not found", 404)
        return _ok(dict(job))

    def _batch_job(self, identifier: str) -> dict[str, Any] | None:
        for arn, job in self.batch_jobs.items():
            if identifier in (arn, job["jobName"]):
                return job
        return None

    def _stop_invocation_job(self, params: dict[str, Any]) -> Any:
        job = self._batch_job(params["jobIdentifier"])
        if job is None:
            return _error("ResourceNotFoundException", "model invocation job not found", 404)
        if job["status"] in ("Completed", "Failed", "Stopped", "Expired", "PartiallyCompleted"):
            return _error("ValidationException", f"the job has already ended {job['status']}")
        job["status"] = "Stopped"
        return _ok({})

    def _list_invocation_jobs(self, params: dict[str, Any]) -> Any:
        summaries = [dict(job) for job in self.batch_jobs.values()]
        if params.get("statusEquals"):
            summaries = [job for job in summaries if job["status"] == params["statusEquals"]]
        return _ok({"invocationJobSummaries": summaries})

    @staticmethod
    def overlap(answer: str, reference: str) -> float:
        """Token F1 of an answer against its reference: the emulated judge's score, 0-1."""
        a, r = _WORD.findall(answer.lower()), _WORD.findall(reference.lower())
        if not a or not r:
            return 0.0
        common = sum(min(a.count(w), r.count(w)) for w in set(a))
        if common == 0:
            return 0.0
        precision, recall = common / len(a), common / len(r)
        return round(2 * precision * recall / (precision + recall), 4)

    def _create_evaluation_job(self, params: dict[str, Any]) -> Any:
        token = params.get("clientRequestToken")
        for arn, job in self.evaluation_jobs.items():
            if token and job.get("_token") == token:
                return _ok({"jobArn": arn})
        automated = params["evaluationConfig"].get("automated")
        if not automated:
            return _error("ValidationException", "the emulator runs automated evaluation jobs only")
        job_id = _id12("evaluation", params["jobName"])
        arn = f"arn:aws:bedrock:{self._region()}:{self.account}:evaluation-job/{job_id}"
        target = params["outputDataConfig"]["s3Uri"].rstrip("/")
        for config in automated.get("datasetMetricConfigs", []):
            location = config["dataset"].get("datasetLocation", {}).get("s3Uri")
            if not location:
                return _error("ValidationException", "the emulator needs a dataset location")
            rows = []
            for record in self._read_jsonl(location):
                responses = record.get("modelResponses") or [{}]
                answer = str(responses[0].get("response", "")) if isinstance(responses[0], dict) else ""
                score = self.overlap(answer, str(record.get("referenceResponse", "")))
                rows.append(
                    {
                        "automatedEvaluationResult": {
                            "scores": [{"metricName": name, "result": score} for name in config["metricNames"]]
                        },
                        "inputRecord": record,
                    }
                )
            name = config["dataset"]["name"]
            self._write_jsonl(f"{target}/{params['jobName']}/{job_id}/datasets/{name}_output.jsonl", rows)
        now = datetime.now(UTC).replace(microsecond=0)
        described = {
            "jobName": params["jobName"],
            "status": "Completed",
            "jobArn": arn,
            "jobDescription": "emulated evaluation job (judge scores are token overlap with the reference)",
            "roleArn": params["roleArn"],
            "jobType": "Automated",
            "applicationType": params.get("applicationType", "ModelEvaluation"),
            "evaluationConfig": params["evaluationConfig"],
            "inferenceConfig": params["inferenceConfig"],
            "outputDataConfig": params["outputDataConfig"],
            "creationTime": now,
            "lastModifiedTime": now,
        }
        with self._lock:
            self.evaluation_jobs[arn] = {**described, "_token": token}
            self.tags[arn] = list(params.get("jobTags") or [])
        return _ok({"jobArn": arn})

    def _get_evaluation_job(self, params: dict[str, Any]) -> Any:
        for arn, job in self.evaluation_jobs.items():
            if params["jobIdentifier"] in (arn, job["jobName"]):
                return _ok({k: v for k, v in job.items() if not k.startswith("_")})
        return _error("ResourceNotFoundException", "evaluation job not found", 404)

    # -- the end of a customization job --------------------------------------------------------------------------
    def complete_job(self, job_identifier: str) -> str:
        """Finish the job: learn its data, write its metrics files, report it Completed. Returns its model's ARN."""
        bedrock = self.session.bedrock()
        job = bedrock.get_model_customization_job(jobIdentifier=job_identifier.rsplit("/", 1)[-1])
        job_arn = str(job["jobArn"])
        model_arn = str(job.get("outputModelArn") or "")
        for page in bedrock.get_paginator("list_custom_models").paginate():
            for summary in page.get("modelSummaries", []):
                found = bedrock.get_custom_model(modelIdentifier=summary["modelArn"])
                if found.get("jobArn") == job_arn:
                    model_arn = str(found["modelArn"])
        learned = self._learn(job["trainingDataConfig"]["s3Uri"])
        self._write_metrics(job_arn, str(job["outputDataConfig"]["s3Uri"]))
        with self._lock:
            self.knowledge[model_arn] = learned
            self.completed_jobs[job_arn] = model_arn
        return model_arn

    def _learn(self, uri: str) -> list[tuple[frozenset[str], str]]:
        where = parse_s3_uri(uri)
        bucket, key = where.bucket, where.key
        body = self.session.s3().get_object(Bucket=bucket, Key=key)["Body"].read(MAX_DATA_BYTES)
        learned: list[tuple[frozenset[str], str]] = []
        for line in body.splitlines():
            if not line.strip():
                continue
            try:
                record = parse_json(line)
            except JsonInputError:
                continue
            if not isinstance(record, dict) or not isinstance(record.get("messages"), list):
                continue
            messages = [m for m in record["messages"] if isinstance(m, dict)]
            if not messages or messages[-1].get("role") != "assistant":
                continue
            answer = " ".join(
                str(b.get("text", "")) for b in messages[-1].get("content", []) if isinstance(b, dict)
            ).strip()
            learned.append((prompt_words(messages), answer))
        return learned

    @staticmethod
    def curves(steps: int = TRAINING_STEPS) -> tuple[list[tuple[int, int, float]], list[tuple[int, int, float]]]:
        """Deterministic loss curves: (step, epoch, loss) for training (every step) and validation (every 10)."""
        training = []
        for step in range(1, steps + 1):
            wiggle = 0.04 * math.sin(step * 1.7)
            training.append((step, (step - 1) * 2 // steps, round(2.4 * math.exp(-step / 12) + 0.35 + wiggle, 4)))
        validation = [
            (step, (step - 1) * 2 // steps, round(2.3 * math.exp(-step / 14) + 0.45, 4))
            for step in range(10, steps + 1, 10)
        ]
        return training, validation

    def _write_metrics(self, job_arn: str, output_uri: str) -> None:
        where = parse_s3_uri(output_uri)
        bucket, prefix = where.bucket, where.key
        folder = f"{prefix.rstrip('/')}/model-customization-job-{job_arn.rsplit('/', 1)[-1]}".lstrip("/")
        training, validation = self.curves()
        files = {
            "training_artifacts/step_wise_training_metrics.csv": (
                ["step_number", "epoch_number", "training_loss", "perplexity"],
                [(s, e, loss, round(math.exp(loss), 4)) for s, e, loss in training],
            ),
            "validation_artifacts/post_fine_tuning_validation/validation/validation_metrics.csv": (
                ["step_number", "epoch_number", "validation_loss", "perplexity"],
                [(s, e, loss, round(math.exp(loss), 4)) for s, e, loss in validation],
            ),
        }
        for relative, (header, rows) in files.items():
            text = io.StringIO()
            writer = csv.writer(text, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)
            self.session.s3().put_object(Bucket=bucket, Key=f"{folder}/{relative}", Body=text.getvalue().encode())

    def _job_fields(self, job: dict[str, Any]) -> None:
        model_arn = self.completed_jobs.get(str(job.get("jobArn")))
        if model_arn is None:
            return
        training, validation = self.curves()
        job["status"] = "Completed"
        job.pop("failureMessage", None)
        job["outputModelArn"] = model_arn
        job["trainingMetrics"] = {"trainingLoss": training[-1][2]}
        job["validationMetrics"] = [{"validationLoss": validation[-1][2]}]

    def _after_get_job(self, parsed: dict[str, Any], **_: Any) -> None:
        if "Error" not in parsed:
            self._job_fields(parsed)

    def _after_list_jobs(self, parsed: dict[str, Any], **_: Any) -> None:
        for summary in parsed.get("modelCustomizationJobSummaries", []):
            if summary.get("jobArn") in self.completed_jobs:
                summary["status"] = "Completed"
                summary["customModelArn"] = self.completed_jobs[summary["jobArn"]]

    @staticmethod
    def _after_get_model(parsed: dict[str, Any], **_: Any) -> None:
        if "Error" not in parsed and "modelArn" in parsed:
            parsed.setdefault("modelStatus", "Active")

    # -- the emulated model ----------------------------------------------------------------------------------------
    def answer(self, model_id: str, system: list[Any], messages: list[dict[str, Any]]) -> str | None:
        """The emulated model's answer; None when ``model_id`` names a deployment or provisioned model not here."""
        served = self.served.get(model_id)
        if served is None and (":custom-model-deployment/" in model_id or ":provisioned-model/" in model_id):
            return None
        key = prompt_key(system, messages)
        if served is not None:
            known = self.knowledge.get(served.model_arn, [])
            accuracy, who = TUNED_ACCURACY, "tuned"
        else:
            known = [pair for learned in self.knowledge.values() for pair in learned]
            accuracy, who = BASE_ACCURACY, "base"
        if not known:
            return GENERIC_ANSWER
        words = prompt_words(messages)
        best = max(known, key=lambda pair: (len(words & pair[0]) / max(1, len(words | pair[0])), pair[1]))[1]
        roll = _fraction(who, key)
        if roll < accuracy:
            return best
        others = sorted({answer for _, answer in known if answer != best})
        if others and (who == "tuned" or roll > 0.65):
            return others[int(_fraction("other", who, key) * len(others))]
        return GENERIC_ANSWER

    def _reply(self, params: dict[str, Any]) -> tuple[str, dict[str, int], int] | None:
        messages = list(params.get("messages") or [])
        text = self.answer(str(params["modelId"]), list(params.get("system") or []), messages)
        if text is None:
            return None
        max_tokens = (params.get("inferenceConfig") or {}).get("maxTokens")
        if isinstance(max_tokens, int) and max_tokens > 0:
            text = " ".join(text.split(" ")[: max(1, max_tokens)])
        prompt_chars = sum(
            len(str(b.get("text", ""))) for m in messages for b in m.get("content", []) if isinstance(b, dict)
        )
        images = sum(1 for m in messages for b in m.get("content", []) if isinstance(b, dict) and "image" in b)
        usage = {"inputTokens": prompt_chars // 4 + 1 + 1600 * images, "outputTokens": len(text) // 4 + 1}
        usage["totalTokens"] = usage["inputTokens"] + usage["outputTokens"]
        return text, usage, 150 + 4 * usage["outputTokens"]

    def _converse(self, params: dict[str, Any]) -> Any:
        reply = self._reply(params)
        if reply is None:
            return _error("ValidationException", "The provided model identifier is invalid.")
        text, usage, latency = reply
        return _ok(
            {
                "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
                "stopReason": "end_turn",
                "usage": usage,
                "metrics": {"latencyMs": latency},
                "additionalModelResponseFields": dict(EMULATED_FIELDS),
            }
        )

    def _converse_stream(self, params: dict[str, Any]) -> Any:
        reply = self._reply(params)
        if reply is None:
            return _error("ValidationException", "The provided model identifier is invalid.")
        text, usage, latency = reply
        words = text.split(" ")
        chunks = [" ".join(words[i : i + 4]) + (" " if i + 4 < len(words) else "") for i in range(0, len(words), 4)]
        events: list[dict[str, Any]] = [{"messageStart": {"role": "assistant"}}]
        events += [{"contentBlockDelta": {"delta": {"text": chunk}, "contentBlockIndex": 0}} for chunk in chunks]
        events.append({"contentBlockStop": {"contentBlockIndex": 0}})
        events.append(
            {"messageStop": {"stopReason": "end_turn", "additionalModelResponseFields": dict(EMULATED_FIELDS)}}
        )
        events.append({"metadata": {"usage": usage, "metrics": {"latencyMs": latency}}})
        return _ok({"stream": events})


def install_emulation(session: AwsSession, *, creating_polls: int = 1) -> BedrockEmulator:
    """Hook the emulated services into ``session``'s bedrock and bedrock-runtime clients."""
    return BedrockEmulator(session, creating_polls=creating_polls).install()
