"""From what the user names (a job name or ARN, a custom model name or ARN) to the custom model, its base model and
its status; and from a base model to the identifier that invokes it on demand (its inference profile).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from bedrock_ft.core.errors import AwsError, JobFailed, UsageError
from bedrock_ft.job.jobs import get_job

_ARN = re.compile(
    r"^arn:(?P<partition>[a-z-]+):bedrock:(?P<region>[a-z0-9-]*):(?P<account>\d*):(?P<kind>[a-z-]+)/(?P<rest>.+)$"
)
NOT_FOUND = ("ResourceNotFoundException", "ValidationException")


def arn_kind(identifier: str) -> str | None:
    """The resource type of a Bedrock ARN ("custom-model", "model-customization-job", ...), None for a name."""
    match = _ARN.match(identifier.strip())
    return match.group("kind") if match else None


def arn_region(identifier: str) -> str | None:
    match = _ARN.match(identifier.strip())
    return match.group("region") or None if match else None


def base_model_id(base_model_arn: str) -> str:
    """``amazon.nova-lite-v1:0:300k`` from a foundation-model ARN (or an id, returned as it is)."""
    match = _ARN.match(base_model_arn.strip())
    return match.group("rest") if match else base_model_arn.strip()


def on_demand_model_id(model_id: str) -> str:
    """The invocable id of a base model: customization variants (``...:0:300k``) end at the version (``...:0``)."""
    parts = model_id.split(":")
    return ":".join(parts[:2]) if len(parts) > 2 else model_id


def inference_profile_id(model_id: str, region: str | None) -> str:
    """The cross-region inference profile that serves a base model on demand, e.g. ``us.amazon.nova-lite-v1:0``."""
    bare = on_demand_model_id(base_model_id(model_id))
    if re.match(r"^(us|eu|apac|us-gov|global)\.", bare):
        return bare
    prefix = {"us": "us", "eu": "eu", "ap": "apac"}.get((region or "us-east-1").split("-")[0], "us")
    if (region or "").startswith("us-gov"):
        prefix = "us-gov"
    return f"{prefix}.{bare}"


def _timestamp(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


@dataclass(frozen=True)
class CustomModel:
    arn: str
    name: str
    base_model_arn: str
    status: str  # Active | Creating | Failed
    created: datetime | None = None
    job_arn: str | None = None
    failure_message: str | None = None

    @property
    def base_model_id(self) -> str:
        return base_model_id(self.base_model_arn)

    @classmethod
    def from_response(cls, model: dict[str, Any]) -> CustomModel:
        return cls(
            arn=str(model["modelArn"]),
            name=str(model.get("modelName") or model["modelArn"].rsplit("/", 1)[-1]),
            base_model_arn=str(model.get("baseModelArn") or ""),
            # An endpoint that leaves the status out (moto) has nothing but finished models.
            status=str(model.get("modelStatus") or "Active"),
            created=_timestamp(model.get("creationTime")),
            job_arn=model.get("jobArn"),
            failure_message=model.get("failureMessage"),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "model_arn": self.arn,
            "model_name": self.name,
            "base_model_arn": self.base_model_arn,
            "status": self.status,
            "creation_time": iso_z(self.created),
            "job_arn": self.job_arn,
        }


def iso_z(value: datetime | None) -> str | None:
    if value is None:
        return None
    text = value.astimezone(UTC).isoformat()
    return text.replace("+00:00", "Z")


def get_custom_model(bedrock: Any, identifier: str) -> CustomModel | None:
    """The custom model named or ARN'd ``identifier``; None when there is none."""
    try:
        return CustomModel.from_response(bedrock.get_custom_model(modelIdentifier=identifier))
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in NOT_FOUND:
            return None
        raise


def _model_of_job(bedrock: Any, job_arn: str, output_model_arn: str | None) -> CustomModel | None:
    if output_model_arn:
        found = get_custom_model(bedrock, output_model_arn)
        if found is not None:
            return found
    # Where the job's outputModelArn does not name the model (moto), the model that names the job does.
    for page in bedrock.get_paginator("list_custom_models").paginate():
        for summary in page.get("modelSummaries", []):
            model = get_custom_model(bedrock, summary["modelArn"])
            if model is not None and model.job_arn == job_arn:
                return model
    return None


def resolve_custom_model(bedrock: Any, identifier: str) -> CustomModel:
    """The custom model ``identifier`` names: a custom model name or ARN, or the name or ARN of the job that made it.

    A job that has not completed has no model yet: JobFailed when it failed or stopped, UsageError while it runs.
    """
    identifier = identifier.strip()
    if not identifier:
        raise UsageError("no job or custom model given", hint="pass the job name or ARN `bedrock-ft submit` printed")
    kind = arn_kind(identifier)
    if kind in (None, "custom-model"):
        model = get_custom_model(bedrock, identifier)
        if model is not None:
            return model
        if kind == "custom-model":
            raise AwsError(f"no custom model {identifier} in this region", hint="`bedrock-ft cleanup` lists yours")
    if kind not in (None, "model-customization-job"):
        raise UsageError(
            f"{identifier} is a {kind} ARN, not a customization job or a custom model",
            hint="pass the job name or ARN, or the custom model's name or ARN",
        )
    job = get_job(bedrock, identifier)
    if job.status in ("Failed", "Stopped"):
        raise JobFailed(f"job {job.name} ended {job.status}: it made no model ({job.failure_message or 'no message'})")
    if job.status != "Completed":
        raise UsageError(
            f"job {job.name} is {job.status}: its model exists once the job completes",
            hint=f"wait for it with `bedrock-ft wait {job.name}`, then deploy again",
        )
    model = _model_of_job(bedrock, job.arn, job.output_model_arn)
    if model is None:
        raise AwsError(f"job {job.name} completed but its custom model {job.output_model_arn} is not found (deleted?)")
    return model
