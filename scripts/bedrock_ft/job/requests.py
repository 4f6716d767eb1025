"""What each AWS operation of bedrock-ft is asked to do: one frozen request type per operation.

Every operation takes its arguments in one order, ``(session, outputs, request)``: the AWS session, the Terraform
module's outputs (where the job runs: the bucket, the role, the subnets ...) and the request (what the caller chose):

    upload(session, outputs, UploadRequest(...))              job/upload.py
    run_preflight(session, outputs, PreflightRequest(...))    job/preflight/
    submit_job(session, outputs, SubmitRequest(...))          job/submit.py
    run_pipeline(session, outputs, RunRequest(...))           job/run.py

The Terraform outputs are folded into generate's settings in one place,
:func:`bedrock_ft.data.module_bucket.settings_in_module_bucket` (in ``data``, so ``generate`` can use it without
importing this group).
Errors name the request's fields (``setting="training_data"``), never a command-line flag.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bedrock_ft.core.errors import BedrockFtError, UsageError
from bedrock_ft.core.models import CustomizationType, find_model
from bedrock_ft.core.s3_uris import S3Uri, parse_s3_uri
from bedrock_ft.job.customization import check_grader_arn, parse_metadata_filters

if TYPE_CHECKING:  # generate is imported only by the run step that uses it
    from bedrock_ft.data.generate import GenerateSettings

DEFAULT_CUSTOMIZATION_TYPE = "FINE_TUNING"
DEFAULT_WORKERS = 8
DISTILLATION = CustomizationType.DISTILLATION.value
RFT = CustomizationType.REINFORCEMENT_FINE_TUNING.value


def data_uri(uri: str, setting: str) -> S3Uri:
    """``uri`` parsed as an S3 URI, or a UsageError about the request field ``setting`` (e.g. ``training_data``)."""
    try:
        return parse_s3_uri(uri, what=f"the {setting.replace('_', ' ')}")
    except UsageError as exc:
        raise UsageError(exc.message, hint=exc.hint, setting=setting) from None


@dataclass(frozen=True)
class UploadRequest:
    """Upload generate's folder ``out_dir`` into the module's bucket."""

    out_dir: Path
    workers: int = DEFAULT_WORKERS
    replace_changed: bool = False  # replace objects at the dataset's keys that hold other content

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise UsageError("workers must be at least 1", setting="workers")


@dataclass(frozen=True)
class PreflightRequest:
    """What the job will be: the model, its data and its hyperparameters (the values the job will get)."""

    base_model: str
    training_data: str | None  # None: the data comes from the invocation logs
    validation_data: str | None = None
    hyperparameters: Mapping[str, str] = field(default_factory=dict)
    customization_type: str = DEFAULT_CUSTOMIZATION_TYPE
    grader: str | None = None  # REINFORCEMENT_FINE_TUNING: the grader Lambda's ARN
    invocation_logs: str | None = None  # DISTILLATION from the model invocation logs under this s3:// URI
    teacher: str | None = None  # DISTILLATION: the teacher model


@dataclass(frozen=True)
class SubmitRequest:
    """Start one customization job: its data, model and settings, and how to submit it."""

    base_model: str
    training_data: str | None = None  # None only with invocation_logs
    validation_data: str | None = None
    job_name: str | None = None
    model_name: str | None = None
    customization_type: str = DEFAULT_CUSTOMIZATION_TYPE
    hyperparameters: Mapping[str, str] = field(default_factory=dict)  # overrides of the model's defaults only
    # What the data IS: "sha256:<hex>" of the object's content (or, failing that, another content identifier S3
    # gives, e.g. "etag:..."). None: not known yet; submit_job asks S3 for it.
    training_digest: str | None = None
    validation_digest: str | None = None
    skip_preflight: bool = False
    dry_run: bool = False  # build the request, run preflight, send nothing
    # DISTILLATION: the teacher model (id, ARN or inference profile) and, optionally, the longest answer it gives.
    teacher: str | None = None
    max_response_length: int | None = None
    # REINFORCEMENT_FINE_TUNING: the grader Lambda's ARN.
    grader: str | None = None
    # DISTILLATION from the account's model invocation logs (an s3:// URI) instead of a data file, keeping only the
    # invocations whose request metadata match every filter ("key=value" or "key!=value").
    invocation_logs: str | None = None
    metadata_filters: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        kind = self.customization_type
        # Malformed settings are refused here, before anything reads them (each error names its setting).
        if self.grader is not None:
            check_grader_arn(self.grader)
        try:
            parse_metadata_filters(self.metadata_filters)
        except UsageError as exc:
            if exc.settings:
                raise
            raise UsageError(exc.message, hint=exc.hint, setting="metadata_filters") from None
        if self.max_response_length is not None and self.max_response_length < 1:
            raise UsageError(
                f"the maximum response length {self.max_response_length} must be at least 1",
                setting="max_response_length",
            )
        if self.invocation_logs and (self.training_data or self.validation_data):
            raise UsageError(
                "the training data comes either from the invocation logs or from a data file, not both",
                hint="drop the data file to distill from the logs, or the invocation logs to use the file",
                settings=("invocation_logs", "training_data", "validation_data", "data"),
            )
        if not self.invocation_logs and not self.training_data:
            raise UsageError(
                "no training data given",
                hint="give the training data's s3:// URI (or, for distillation, the invocation logs)",
                settings=("training_data", "data"),
            )
        if self.invocation_logs and kind != DISTILLATION:
            raise UsageError(
                f"invocation logs are training data of a DISTILLATION job only, not of {kind}",
                settings=("invocation_logs", "customization_type"),
            )
        if self.metadata_filters and not self.invocation_logs:
            raise UsageError(
                "metadata filters select invocation logs, and no invocation logs are given",
                settings=("metadata_filters", "invocation_logs"),
            )
        for setting, value, wanted in (
            ("teacher", self.teacher, DISTILLATION),
            ("max_response_length", self.max_response_length, DISTILLATION),
            ("grader", self.grader, RFT),
        ):
            if value is not None and kind != wanted:
                raise UsageError(
                    f"the {setting.replace('_', ' ')} is a setting of {wanted} jobs, not of {kind}",
                    hint=f"choose customization type {wanted}, or drop the {setting.replace('_', ' ')}",
                    settings=(setting, "customization_type"),
                )

    def hyperparameter_values(self, *, validate: bool = True) -> dict[str, str]:
        """The model's defaults overridden by ``hyperparameters``, as strings; a UsageError for values out of
        range (with ``validate``). DISTILLATION and REINFORCEMENT_FINE_TUNING jobs take no string map (see
        ``customization_config`` in job/submit.py): their values are the given ones only."""
        if self.customization_type in (DISTILLATION, RFT):
            return {k: str(v) for k, v in self.hyperparameters.items()}
        try:
            spec = find_model(self.base_model)
        except BedrockFtError:
            return {k: str(v) for k, v in self.hyperparameters.items()}
        kind = self.customization_type if self.customization_type in set(CustomizationType) else None
        values = spec.default_hyperparameters(kind) if kind else spec.default_hyperparameters()
        values.update({k: str(v) for k, v in self.hyperparameters.items()})
        problems = (
            spec.check_hyperparameters(dict(self.hyperparameters), kind)
            if kind
            else spec.check_hyperparameters(dict(self.hyperparameters))
        )
        if problems and validate:
            raise UsageError(
                "; ".join(problems), hint="choose hyperparameters within the model's ranges", setting="hyperparameters"
            )
        return values

    def preflight_request(self) -> PreflightRequest:
        """What preflight checks for this job: its data, and the hyperparameters it will get (not yet validated)."""
        return PreflightRequest(
            base_model=self.base_model,
            training_data=self.training_data,
            validation_data=self.validation_data,
            hyperparameters=self.hyperparameter_values(validate=False),
            customization_type=self.customization_type,
            grader=self.grader,
            invocation_logs=self.invocation_logs,
            teacher=self.teacher,
        )


@dataclass(frozen=True)
class RunRequest:
    """generate -> upload -> preflight -> submit (-> wait), resumable in ``work_dir``.

    Exactly one of ``generate`` (generate's settings; the bucket fields come from the Terraform outputs) and
    ``dataset`` (a folder generate already wrote, or its manifest) says where the data comes from. ``base_model``
    overrides the model the dataset's manifest names (with ``generate``, its ``base_model`` counts).
    """

    work_dir: Path
    generate: GenerateSettings | None = None
    dataset: Path | None = None
    base_model: str | None = None
    job_name: str | None = None
    model_name: str | None = None
    customization_type: str | None = None  # None: the dataset's (the manifest's), or FINE_TUNING
    hyperparameters: Mapping[str, str] = field(default_factory=dict)
    teacher: str | None = None  # DISTILLATION
    max_response_length: int | None = None  # DISTILLATION
    grader: str | None = None  # REINFORCEMENT_FINE_TUNING
    workers: int = DEFAULT_WORKERS
    skip_preflight: bool = False
    wait: bool = False
    timeout: float | None = None
    poll_interval: float = 10.0
    restart: bool = False

    def __post_init__(self) -> None:
        if (self.generate is None) == (self.dataset is None):
            raise UsageError(
                "a run takes either generate settings or a dataset generate already wrote, not both or neither",
                settings=("generate", "dataset"),
            )
        if self.generate is not None and not (self.generate.base_model or self.base_model):
            raise UsageError("no base model", hint="name one, or a preset that names one", setting="base_model")
        if self.workers < 1:
            raise UsageError("workers must be at least 1", setting="workers")
        # Refused before generating and uploading anything (submit would refuse them after).
        if self.customization_type == DISTILLATION and not self.teacher:
            raise UsageError("a DISTILLATION job needs a teacher model", setting="teacher")
        if self.customization_type == RFT and not self.grader:
            raise UsageError("a REINFORCEMENT_FINE_TUNING job needs a grader Lambda function", setting="grader")
        if self.grader is not None:
            check_grader_arn(self.grader)

    def job_settings(self) -> dict[str, object]:
        """The job's settings beyond its data (part of what makes a run this run). The distillation and RFT settings
        count only when given, so the work folders of earlier releases resume."""
        settings: dict[str, object] = {
            "job_name": self.job_name,
            "model_name": self.model_name,
            "customization_type": self.customization_type,
            "hyperparameters": dict(self.hyperparameters),
        }
        extra = {"teacher": self.teacher, "max_response_length": self.max_response_length, "grader": self.grader}
        settings.update({k: v for k, v in extra.items() if v is not None})
        return settings
