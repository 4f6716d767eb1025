"""Follow the customization jobs: status, wait, stop, and list the ones this tool started.

There is no boto3 waiter for customization jobs, so ``wait_for_job`` polls with exponential backoff (capped).
A job is named by its name or its ARN; where an endpoint only accepts the name (moto), the ARN is resolved to it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from bedrock_ft import CREATED_BY_TAG_KEY, CREATED_BY_TAG_VALUE
from bedrock_ft.core.errors import AwsError, JobFailed, UsageError
from bedrock_ft.core.timestamps import iso_utc
from bedrock_ft.job.submit import NAME_PREFIX

TERMINAL_OK = "Completed"
TERMINAL_BAD = ("Failed", "Stopped")
DEFAULT_INITIAL_DELAY = 10.0
DEFAULT_MAX_DELAY = 120.0
# Submitting the same inputs again names the same job (see submit.py), so a new attempt needs new names.
RESUBMIT_HINT = "fix the cause, then submit with a new job name and model name (the same inputs name the same job)"


@dataclass(frozen=True)
class JobStatus:
    name: str
    arn: str
    status: str
    status_details: dict[str, str] = field(default_factory=dict)
    failure_message: str | None = None
    training_loss: float | None = None
    validation_loss: float | None = None
    output_model_arn: str | None = None
    output_model_name: str | None = None
    created: str | None = None
    ended: str | None = None

    @classmethod
    def from_response(cls, job: dict[str, Any]) -> JobStatus:
        details = {
            stage.removesuffix("Details"): str(value.get("status"))
            for stage, value in (job.get("status_details") or {}).items()
            if isinstance(value, dict) and value.get("status")
        }
        validation = [m.get("validationLoss") for m in job.get("validationMetrics") or [] if "validationLoss" in m]
        status = str(job.get("status", "Unknown"))
        return cls(
            name=str(job.get("jobName")),
            arn=str(job.get("jobArn")),
            status=status,
            status_details=details,
            # moto fills failureMessage on every job; only a failed or stopped job has one for real.
            failure_message=job.get("failureMessage") if status in TERMINAL_BAD else None,
            training_loss=(job.get("trainingMetrics") or {}).get("trainingLoss"),
            validation_loss=validation[-1] if validation else None,
            output_model_arn=job.get("outputModelArn"),
            output_model_name=job.get("outputModelName"),
            created=iso_utc(job.get("creationTime")),
            ended=iso_utc(job.get("endTime")) if status in (TERMINAL_OK, *TERMINAL_BAD) else None,
        )

    @property
    def finished(self) -> bool:
        return self.status in (TERMINAL_OK, *TERMINAL_BAD)

    def summary(self) -> str:
        parts = [f"{self.name}: {self.status}"]
        if self.status_details:
            parts.append("(" + ", ".join(f"{k} {v}" for k, v in self.status_details.items()) + ")")
        # Metrics are final only once the job has ended (moto reports placeholder zeros while it runs).
        if self.training_loss is not None and self.finished:
            parts.append(f"training loss {self.training_loss:g}")
        if self.validation_loss is not None and self.finished:
            parts.append(f"validation loss {self.validation_loss:g}")
        if self.failure_message:
            parts.append(f"- {self.failure_message}")
        return " ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "job_name": self.name,
            "job_arn": self.arn,
            "status": self.status,
            "status_details": self.status_details,
            "failure_message": self.failure_message,
            "training_loss": self.training_loss,
            "validation_loss": self.validation_loss,
            "output_model_arn": self.output_model_arn,
            "output_model_name": self.output_model_name,
            "creation_time": self.created,
            "end_time": self.ended,
        }


class JobNotCompleted(JobFailed):
    """The job ended Failed or Stopped, or was still running at the timeout; ``job`` is its last status."""

    def __init__(
        self, message: str, *, job: JobStatus, hint: str | None = None, settings: tuple[str, ...] = ()
    ) -> None:
        super().__init__(message, hint=hint, settings=settings)
        self.job = job


def job_name_from(identifier: str) -> str:
    """The job's name: the identifier itself, or the last path segment of a job ARN."""
    identifier = identifier.strip()
    if not identifier:
        raise UsageError("no job given", hint="pass the job name or ARN `bedrock-ft submit` printed")
    if identifier.startswith("arn:"):
        return identifier.rsplit("/", 1)[-1]
    return identifier


def describe_job(bedrock: Any, identifier: str) -> dict[str, Any]:
    """GetModelCustomizationJob's answer for a job name or ARN; an ARN the endpoint rejects is retried by name."""
    identifier = identifier.strip()
    candidates = (
        [identifier, job_name_from(identifier)] if identifier.startswith("arn:") else [job_name_from(identifier)]
    )
    last: ClientError | None = None
    for candidate in candidates:
        try:
            response: dict[str, Any] = bedrock.get_model_customization_job(jobIdentifier=candidate)
            return response
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("ResourceNotFoundException", "ValidationException"):
                raise
            last = exc
    message = last.response.get("Error", {}).get("Message", "") if last else ""
    raise AwsError(
        f"no customization job {identifier} in this region ({message})",
        hint="check the name, and that the outputs or AWS_REGION name the job's region; `bedrock-ft list` shows jobs",
    )


def get_job(bedrock: Any, identifier: str) -> JobStatus:
    """The job's status; an ARN the endpoint rejects is retried by name."""
    return JobStatus.from_response(describe_job(bedrock, identifier))


def wait_for_job(
    bedrock: Any,
    identifier: str,
    *,
    timeout: float | None = None,
    initial_delay: float = DEFAULT_INITIAL_DELAY,
    max_delay: float = DEFAULT_MAX_DELAY,
    on_poll: Callable[[JobStatus], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> JobStatus:
    """Poll until the job ends: return it when Completed; JobNotCompleted when Failed, Stopped or out of time."""
    start = clock()
    delay = initial_delay
    last_seen: JobStatus | None = None
    while True:
        job = get_job(bedrock, identifier)
        if on_poll and job != last_seen:
            on_poll(job)
        last_seen = job
        if job.status == TERMINAL_OK:
            return job
        if job.status in TERMINAL_BAD:
            reason = job.failure_message or "no failure message"
            raise JobNotCompleted(
                f"job {job.name} ended {job.status}: {reason}",
                job=job,
                hint=None if job.status == "Stopped" else RESUBMIT_HINT,
                settings=() if job.status == "Stopped" else ("job_name", "model_name"),
            )
        elapsed = clock() - start
        if timeout is not None and elapsed >= timeout:
            raise JobNotCompleted(
                f"job {job.name} is still {job.status} after {elapsed:.0f} s (the timeout, {timeout:g} s)",
                job=job,
                settings=("timeout",),
                hint=f"it keeps running; follow it with `bedrock-ft wait {job.name}` or stop it with `bedrock-ft stop`",
            )
        pause = delay if timeout is None else max(0.0, min(delay, timeout - elapsed))
        sleep(pause)
        delay = min(delay * 2, max_delay)


def stop_job(bedrock: Any, identifier: str) -> JobStatus:
    """Ask the job to stop and return its status after the request; a job that has already ended is returned as it
    is (``finished``), with nothing asked of it."""
    job = get_job(bedrock, identifier)
    if job.finished:
        return job
    if job.status == "Stopping":
        return job  # asked already; asking again only earns a ValidationException
    try:
        bedrock.stop_model_customization_job(jobIdentifier=job.arn)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in ("ResourceNotFoundException", "ValidationException"):
            raise
        bedrock.stop_model_customization_job(jobIdentifier=job.name)
    return get_job(bedrock, job.name)


def list_tool_jobs(bedrock: Any, *, status: str | None = None, limit: int = 100) -> tuple[list[JobStatus], str]:
    """The jobs this tool started, newest first, and how they were recognised ("tag" or "name prefix").

    A job counts when it carries the created-by tag; where tags cannot be read, when its name has the tool's prefix.
    """
    kwargs: dict[str, Any] = {"sortBy": "CreationTime", "sortOrder": "Descending"}
    if status:
        kwargs["statusEquals"] = status
    summaries: list[dict[str, Any]] = []
    for page in bedrock.get_paginator("list_model_customization_jobs").paginate(**kwargs):
        summaries += page.get("modelCustomizationJobSummaries", [])
    found: list[JobStatus] = []
    method = "tag"
    for summary in summaries:
        mine: bool
        if method == "tag":
            try:
                tags = bedrock.list_tags_for_resource(resourceARN=summary["jobArn"]).get("tags", [])
                mine = any(t.get("key") == CREATED_BY_TAG_KEY and t.get("value") == CREATED_BY_TAG_VALUE for t in tags)
            except (ClientError, NotImplementedError):
                method = "name prefix"
        if method == "name prefix":
            mine = str(summary.get("jobName", "")).startswith(f"{NAME_PREFIX}-")
        if mine:
            found.append(JobStatus.from_response(summary))
        if len(found) >= limit:
            break
    return found, method
