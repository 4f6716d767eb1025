"""The training and validation loss of a customization job: the CSVs it writes and its own figures.

A job writes, under its output location (``outputDataConfig.s3Uri``), ``model-customization-job-<id>/``::

    training_artifacts/step_wise_training_metrics.csv        step_number, epoch_number, training_loss, perplexity
    validation_artifacts/post_fine_tuning_validation/validation/validation_metrics.csv   ..., validation_loss, ...

A job still running may have written neither: that is a note, not an error. Every read is bounded, rows that are not
numbers are skipped and counted, and the job's own ``trainingMetrics`` / ``validationMetrics`` come along.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from bedrock_ft.core.errors import AwsError, InputError
from bedrock_ft.core.s3_uris import S3Uri, join_key, split_s3_uri
from bedrock_ft.core.tf_outputs import TerraformOutputs
from bedrock_ft.job.jobs import JobStatus, describe_job
from bedrock_ft.job.session import AwsSession

TRAINING_FILE = "training_artifacts/step_wise_training_metrics.csv"
VALIDATION_FILE = "validation_artifacts/post_fine_tuning_validation/validation/validation_metrics.csv"
DEFAULT_MAX_BYTES = 16 * 1024 * 1024
MAX_LISTED_KEYS = 10_000  # keys looked at under the output location when the job's own folder is not found
JOB_FOLDER_PREFIX = "model-customization-job-"


@dataclass(frozen=True)
class MetricsRequest:
    job: str  # job name or ARN
    max_bytes: int = DEFAULT_MAX_BYTES  # largest CSV read


@dataclass(frozen=True)
class LossPoint:
    step: int
    epoch: float | None
    loss: float
    perplexity: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.step, "epoch": self.epoch, "loss": self.loss, "perplexity": self.perplexity}


@dataclass(frozen=True)
class JobMetrics:
    job_name: str
    job_arn: str
    status: str
    output_uri: str | None  # the job's own folder under the output location, once found
    training: tuple[LossPoint, ...] = ()
    validation: tuple[LossPoint, ...] = ()
    job_training_loss: float | None = None
    job_validation_loss: float | None = None
    files: dict[str, str] = field(default_factory=dict)  # file -> "found" | "missing"
    notes: tuple[str, ...] = ()

    @property
    def has_points(self) -> bool:
        return bool(self.training or self.validation)

    def to_dict(self) -> dict[str, Any]:
        return {
            "job_name": self.job_name,
            "job_arn": self.job_arn,
            "status": self.status,
            "output_uri": self.output_uri,
            "job_training_loss": self.job_training_loss,
            "job_validation_loss": self.job_validation_loss,
            # Keys stay snake_case (docs/output.md): the files by role, not by path.
            "files": {"training": self.files.get(TRAINING_FILE), "validation": self.files.get(VALIDATION_FILE)},
            "training": [p.to_dict() for p in self.training],
            "validation": [p.to_dict() for p in self.validation],
            "notes": list(self.notes),
        }


def read_job_metrics(session: AwsSession, outputs: TerraformOutputs | None, request: MetricsRequest) -> JobMetrics:
    """The job's loss curves from its output location and its own final figures."""
    del outputs  # the job names its own output location; kept for the lifecycle's common signature
    job = describe_job(session.bedrock(), request.job)
    status = JobStatus.from_response(job)
    finished = status.finished
    notes: list[str] = []
    output = split_s3_uri((job.get("outputDataConfig") or {}).get("s3Uri")) or _bucket_only(job)
    files = {TRAINING_FILE: "missing", VALIDATION_FILE: "missing"}
    training: tuple[LossPoint, ...] = ()
    validation: tuple[LossPoint, ...] = ()
    folder: S3Uri | None = None
    if output is None:
        notes.append("the job names no output location")
    else:
        s3 = session.s3()
        folder = _job_folder(s3, output, status.arn)
        if folder is None:
            notes.append(f"nothing under {output} yet" + ("" if finished else f": the job is {status.status}"))
        else:
            for name in (TRAINING_FILE, VALIDATION_FILE):
                text = _read_bounded(s3, folder, name, request.max_bytes)
                if text is None:
                    continue
                files[name] = "found"
                points, skipped = parse_loss_csv(
                    text, "validation_loss" if name == VALIDATION_FILE else "training_loss"
                )
                if skipped:
                    notes.append(f"{name}: {skipped} rows without numbers skipped")
                if name == TRAINING_FILE:
                    training = points
                else:
                    validation = points
            if files[TRAINING_FILE] == "missing" and not finished:
                notes.append(f"the job is {status.status}: its metrics files appear as training runs")
    return JobMetrics(
        job_name=status.name,
        job_arn=status.arn,
        status=status.status,
        output_uri=str(folder) if folder else None,
        training=training,
        validation=validation,
        # moto and a running job report placeholder figures: only an ended job's are final.
        job_training_loss=status.training_loss if finished else None,
        job_validation_loss=status.validation_loss if finished else None,
        files=files,
        notes=tuple(notes),
    )


def _bucket_only(job: dict[str, Any]) -> S3Uri | None:
    uri = (job.get("outputDataConfig") or {}).get("s3Uri")
    if isinstance(uri, str) and uri.startswith("s3://") and "/" not in uri[5:].rstrip("/"):
        return S3Uri(uri[5:].rstrip("/"), "")
    return None


def _job_folder(s3: Any, output: S3Uri, job_arn: str) -> S3Uri | None:
    """``model-customization-job-<id>/`` under the output location: by the job id, else the one folder holding
    the metrics, else the output location itself when the files sit directly under it."""
    base = join_key(output.key)
    job_id = job_arn.rsplit("/", 1)[-1]
    expected = join_key(base, f"{JOB_FOLDER_PREFIX}{job_id}")
    if _any_key(s3, output.bucket, expected + "/"):
        return S3Uri(output.bucket, expected + "/")
    folders: set[str] = set()
    seen = 0
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=output.bucket, Prefix=base + "/" if base else ""):
        for item in page.get("Contents", []):
            seen += 1
            key = str(item["Key"])
            for name in (TRAINING_FILE, VALIDATION_FILE):
                if key.endswith(name):
                    folders.add(key[: -len(name)])
        if seen >= MAX_LISTED_KEYS:
            break
    if len(folders) == 1:
        return S3Uri(output.bucket, folders.pop())
    if len(folders) > 1:
        raise InputError(
            f"{output} holds the metrics of {len(folders)} jobs and none is named for job {job_id}",
            hint="read them one folder at a time",
        )
    return None


def _any_key(s3: Any, bucket: str, prefix: str) -> bool:
    try:
        response = s3.list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=1)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code")
        if code in ("NoSuchBucket", "AccessDenied"):
            raise AwsError(f"cannot list s3://{bucket}/{prefix}: {code}") from None
        raise
    return bool(response.get("KeyCount") or response.get("Contents"))


def _read_bounded(s3: Any, folder: S3Uri, name: str, max_bytes: int) -> str | None:
    key = folder.key + name
    try:
        response = s3.get_object(Bucket=folder.bucket, Key=key, Range=f"bytes=0-{max_bytes}")
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "InvalidRange"):
            return None
        raise
    body: bytes = response["Body"].read(max_bytes + 1)
    if len(body) > max_bytes:
        raise InputError(f"s3://{folder.bucket}/{key} is larger than the {max_bytes} bytes this reads")
    return body.decode("utf-8", errors="replace")


def _number(value: str | None) -> float | None:
    if value is None or not value.strip():
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def parse_loss_csv(text: str, loss_column: str) -> tuple[tuple[LossPoint, ...], int]:
    """Points of a metrics CSV (headers matched case-insensitively) and the count of rows skipped."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    try:
        fieldnames = reader.fieldnames
    except csv.Error as exc:
        raise InputError(f"a metrics file is not a CSV this can read: {exc}") from None
    headers = {(h or "").strip().lower(): h for h in fieldnames or []}
    loss_key = headers.get(loss_column) or headers.get("loss")
    step_key = headers.get("step_number") or headers.get("step")
    if loss_key is None or step_key is None:
        found = ", ".join(headers) or "no header"
        raise InputError(f"a metrics file lacks the step_number or {loss_column} column (it has {found})")
    epoch_key, perplexity_key = headers.get("epoch_number") or headers.get("epoch"), headers.get("perplexity")
    points: list[LossPoint] = []
    skipped = 0
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise InputError(f"a metrics file is not a CSV this can read: {exc}") from None
    for row in rows:
        step, loss = _number(row.get(step_key)), _number(row.get(loss_key))
        if step is None or loss is None:
            skipped += 1
            continue
        points.append(
            LossPoint(
                step=int(step),
                epoch=_number(row.get(epoch_key)) if epoch_key else None,
                loss=loss,
                perplexity=_number(row.get(perplexity_key)) if perplexity_key else None,
            )
        )
    return tuple(points), skipped
