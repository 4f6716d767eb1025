"""Build and send the ``CreateModelCustomizationJob`` request for a VPC-attached job.

The request is derived entirely from the Terraform outputs and the job's inputs. Its default job and model names
and its ``clientRequestToken`` are hashes of the job's identity: the CONTENT of the training and validation data
(their SHA-256, from generate's manifest or from the checksum S3 keeps for the objects, never only their URIs), the
base model, the customization type, the hyperparameters and the Terraform outputs. So repeating the same submit (a
retry after a timeout, a rerun of ``bedrock-ft run``) can never start a second job -- the service ignores a
repeated token, and a repeated name is recognised here and answered with the job that already exists -- while data
that changed (regenerated with another seed, say) is a new job without renaming anything by hand.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import botocore.session
from botocore.exceptions import ClientError

from bedrock_ft import CREATED_BY_TAG_KEY, CREATED_BY_TAG_VALUE, __version__
from bedrock_ft.core.errors import AwsError, BedrockFtError, InputError, UsageError
from bedrock_ft.core.models import CustomizationType, find_model, model_id_from
from bedrock_ft.core.s3_uris import check_bedrock_uri, join_key, parse_s3_uri
from bedrock_ft.core.tf_outputs import TerraformOutputs
from bedrock_ft.job.customization import distillation_config, invocation_logs_config, rft_config
from bedrock_ft.job.preflight import CheckResult, PreflightFailed, PreflightReport, run_preflight
from bedrock_ft.job.requests import DEFAULT_CUSTOMIZATION_TYPE, DISTILLATION, RFT, SubmitRequest, data_uri
from bedrock_ft.job.session import AwsSession

OPERATION = "CreateModelCustomizationJob"
NAME_PREFIX = "bedrock-ft"
CUSTOMIZATION_TYPES = tuple(str(t) for t in CustomizationType)


@cache
def api_patterns() -> dict[str, re.Pattern[str]]:
    """The patterns botocore's service model gives for the request's names and token."""
    model = botocore.session.get_session().get_service_model("bedrock")
    members = model.operation_model(OPERATION).input_shape.members
    return {
        name: re.compile(members[name].metadata["pattern"])
        for name in ("jobName", "customModelName", "clientRequestToken")
    }


def _check_pattern(field_name: str, value: str, setting: str) -> None:
    """``value`` of the request field ``field_name`` matches the API's pattern; a UsageError about ``setting``."""
    what = setting.replace("_", " ")
    if len(value) > 63 and field_name != "clientRequestToken":
        raise UsageError(f"the {what} {value!r} is longer than 63 characters", setting=setting)
    if not api_patterns()[field_name].fullmatch(value):
        hint = {
            "jobName": "letters, digits and - + . ; start with a letter or digit",
            "customModelName": "letters and digits, each optionally followed by one _ or -",
        }.get(field_name)
        raise UsageError(f"the {what} {value!r} does not match the API's pattern", hint=hint, setting=setting)


def parse_hyperparameter_options(pairs: tuple[str, ...] | list[str]) -> dict[str, str]:
    """``key=value`` strings (one hyperparameter each), as a dict of strings."""
    values: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise UsageError(
                f"hyperparameter {pair!r} is not key=value", hint="for example epochCount=2", setting="hyperparameters"
            )
        values[key.strip()] = value.strip()
    return values


def _short_family(base_model: str) -> str:
    try:
        family = find_model(base_model).family
    except BedrockFtError:
        family = model_id_from(base_model).split(":")[0].split(".")[-1]
    cleaned = re.sub(r"[^a-zA-Z0-9]+", "-", family).strip("-")
    return cleaned[:24] or "model"


def _digest(document: Any) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _about(setting: str, make: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """``make()``, its UsageError said to be about the request field ``setting``."""
    try:
        return make()
    except UsageError as exc:
        if exc.settings:
            raise
        raise UsageError(exc.message, hint=exc.hint, setting=setting) from None


def customization_config(outputs: TerraformOutputs, job: SubmitRequest) -> dict[str, Any] | None:
    """The ``customizationConfig`` of a DISTILLATION or REINFORCEMENT_FINE_TUNING job; None for the other types."""
    if job.customization_type == DISTILLATION:
        if not job.teacher:
            raise UsageError(
                "a DISTILLATION job needs a teacher model",
                hint="name one of the teachers bedrock-ft models lists for the base model",
                setting="teacher",
            )
        if job.hyperparameters:
            raise UsageError(
                "a DISTILLATION job takes no hyperparameters",
                hint="Bedrock chooses them: drop the hyperparameters",
                setting="hyperparameters",
            )
        teacher = job.teacher
        return _about(
            "teacher",
            lambda: distillation_config(
                teacher, job.base_model, outputs.region, max_response_length=job.max_response_length
            ),
        )
    if job.customization_type == RFT:
        if not job.grader:
            raise UsageError(
                "a REINFORCEMENT_FINE_TUNING job needs a grader Lambda function",
                hint="deploy a grader and give its ARN",
                setting="grader",
            )
        return rft_config(job.grader, job.hyperparameters)  # its errors name the grader or the hyperparameters
    return None


def training_data_config(job: SubmitRequest) -> dict[str, Any]:
    """The ``trainingDataConfig``: the training file, or the invocation logs (with their metadata filters)."""
    if job.invocation_logs:
        try:
            return invocation_logs_config(job.invocation_logs, job.metadata_filters)
        except UsageError as exc:
            if exc.settings:
                raise
            about = "metadata_filters" if exc.message.startswith("metadata filter") else "invocation_logs"
            raise UsageError(exc.message, hint=exc.hint, setting=about) from None
    return {"s3Uri": job.training_data}


def build_request(outputs: TerraformOutputs, job: SubmitRequest) -> dict[str, Any]:
    """The exact keyword arguments of ``create_model_customization_job`` for ``job`` in the module's network."""
    outputs.require("region", "bucket_name", "role_arn", "subnet_ids", "security_group_ids")
    if job.customization_type not in CUSTOMIZATION_TYPES:
        raise UsageError(
            f"customization type {job.customization_type} is not supported",
            hint=f"choose one of {', '.join(CUSTOMIZATION_TYPES)}",
            setting="customization_type",
        )
    for setting, uri in (("training_data", job.training_data), ("validation_data", job.validation_data)):
        if not uri:
            continue
        try:
            check_bedrock_uri(uri, what=f"the {setting.replace('_', ' ')}")
        except UsageError as exc:
            raise UsageError(exc.message, hint=exc.hint, setting=setting) from None
        if data_uri(uri, setting).bucket != outputs.bucket_name:
            raise UsageError(
                f"the {setting.replace('_', ' ')} {uri} is not in the module's bucket {outputs.bucket_name}",
                hint="the role and the endpoint policy allow only that bucket; upload the data there",
                setting=setting,
            )
    subnets = outputs.subnet_ids
    groups = outputs.security_group_ids
    if not 1 <= len(subnets) <= 16:
        raise UsageError(f"the outputs list {len(subnets)} subnets; a job takes 1 to 16")
    if not 1 <= len(groups) <= 5:
        raise UsageError(f"the outputs list {len(groups)} security groups; a job takes 1 to 5")
    customization = customization_config(outputs, job)
    training_config = training_data_config(job)
    hyperparameters = job.hyperparameter_values() if customization is None else {}
    kms_key = outputs.kms_key_arn
    output_prefix = outputs.output_prefix

    # Everything that makes this job this job; the default names and the token are hashes of it. The data counts by
    # its content; its URI only when nothing better is known (see resolve_data_digests).
    identity = {
        "baseModelIdentifier": job.base_model,
        "customizationType": job.customization_type,
        "training": job.training_digest or f"uri:{job.training_data}",
        "validation": (job.validation_digest or f"uri:{job.validation_data}") if job.validation_data else None,
        "hyperParameters": hyperparameters,
        "roleArn": outputs.role_arn,
        "subnetIds": subnets,
        "securityGroupIds": groups,
        "kms": kms_key,
        "bucket": outputs.bucket_name,
        "outputPrefix": output_prefix,
        "region": outputs.region,
    }
    # The settings of distillation and RFT count only when there are any, so a fine-tuning job keeps the names and
    # token earlier releases gave it.
    if customization is not None:
        identity["customizationConfig"] = customization
    if job.invocation_logs:
        identity["training"] = training_config
    fingerprint = _digest(identity)[:12]
    family = _short_family(job.base_model)
    job_name = job.job_name or f"{NAME_PREFIX}-{family}-{fingerprint}"
    model_name = job.model_name or f"{NAME_PREFIX}-{family}-model-{fingerprint}"
    _check_pattern("jobName", job_name, "job_name")
    _check_pattern("customModelName", model_name, "model_name")

    output_folder = join_key(output_prefix, re.sub(r"[^-!_*'().a-zA-Z0-9]", "-", job_name))
    tags = [
        {"key": CREATED_BY_TAG_KEY, "value": CREATED_BY_TAG_VALUE},
        {"key": "bedrock-ft-version", "value": __version__},
    ]
    request: dict[str, Any] = {
        "jobName": job_name,
        "customModelName": model_name,
        "roleArn": outputs.role_arn,
        "baseModelIdentifier": job.base_model,
        "customizationType": job.customization_type,
        "trainingDataConfig": training_config,
        "outputDataConfig": {"s3Uri": f"s3://{outputs.bucket_name}/{output_folder}/"},
        # Fine-tuning and continued pre-training: the string map; distillation and RFT: their own config.
        **({"hyperParameters": hyperparameters} if customization is None else {"customizationConfig": customization}),
        "vpcConfig": {"subnetIds": list(subnets), "securityGroupIds": list(groups)},
        "jobTags": tags,
        "customModelTags": list(tags),
    }
    if job.validation_data:
        request["validationDataConfig"] = {"validators": [{"s3Uri": job.validation_data}]}
    if kms_key:
        request["customModelKmsKeyId"] = kms_key
    request["clientRequestToken"] = client_request_token(identity, job_name, model_name)
    check_bedrock_uri(request["outputDataConfig"]["s3Uri"], what="the output location")
    return request


def client_request_token(identity: Mapping[str, Any], job_name: str, model_name: str) -> str:
    """A token that is the same for the same job (identity and names) and differs for any other (64 hex digits)."""
    token = _digest({"identity": identity, "jobName": job_name, "customModelName": model_name})
    _check_pattern("clientRequestToken", token, "clientRequestToken")
    return token


# -- what the data is ----------------------------------------------------------------------------------------------

SHA256_PREFIX = "sha256:"
_MULTIPART_ETAG = re.compile(r"-\d+\"?$")


def object_digest(s3: Any, uri: str) -> str | None:
    """A content identifier of the object at ``uri``, or None when it cannot be read (preflight says why).

    In order: S3's own full-object SHA-256 checksum (S3 computed and verified it), the SHA-256 upload recorded in the
    object's metadata (for multipart objects, whose S3 checksum is a composite of the parts), the composite checksum,
    and the ETag (which changes whenever the object is written).
    """
    location = parse_s3_uri(uri)
    try:
        head = s3.head_object(Bucket=location.bucket, Key=location.key, ChecksumMode="ENABLED")
    except ClientError:
        return None
    checksum = str(head.get("ChecksumSHA256") or "")
    multipart = "-" in checksum or bool(_MULTIPART_ETAG.search(str(head.get("ETag") or "")))
    if checksum and not multipart:
        try:
            return SHA256_PREFIX + base64.b64decode(checksum, validate=True).hex()
        except ValueError:
            pass
    recorded = (head.get("Metadata") or {}).get("sha256")
    if isinstance(recorded, str) and re.fullmatch(r"[0-9a-f]{64}", recorded):
        return SHA256_PREFIX + recorded
    if checksum:
        return f"s3-composite-sha256:{checksum}"
    etag = str(head.get("ETag") or "").strip('"')
    return f"etag:{etag}" if etag else None


def resolve_data_digests(s3: Any, job: SubmitRequest) -> SubmitRequest:
    """``job`` with the content identifiers of its data filled in from S3 where it does not carry them."""
    if not job.training_data:
        return job  # invocation logs: identified by their URI and filters
    training = job.training_digest or object_digest(s3, job.training_data)
    validation = job.validation_digest
    if job.validation_data and not validation:
        validation = object_digest(s3, job.validation_data)
    return replace(job, training_digest=training, validation_digest=validation)


@dataclass(frozen=True)
class DatasetData:
    """What a generated dataset's manifest says a job needs: where its data is, and what it is."""

    manifest_path: Path
    training_data: str
    training_digest: str
    validation_data: str | None
    validation_digest: str | None
    base_model: str | None
    customization_type: str | None
    digest: str


def read_dataset(path: str | Path) -> DatasetData:
    """The data URIs and content digests of a generated dataset: ``path`` is generate's folder or its manifest."""
    from bedrock_ft.job.upload import (
        MANIFEST_NAME,
        TRAINING_NAME,
        VALIDATION_NAME,
        parse_manifest,
        read_manifest_document,
    )

    given = Path(path)
    manifest_path = given / MANIFEST_NAME if given.is_dir() else given
    document = read_manifest_document(manifest_path)
    manifest = parse_manifest(document, str(manifest_path))

    def uri_and_digest(name: str) -> tuple[str | None, str | None]:
        entry = next((f for f in manifest.files if f.relative == name), None)
        if entry is None:
            return None, None
        return f"s3://{manifest.bucket}/{entry.key}", SHA256_PREFIX + entry.sha256

    training, training_digest = uri_and_digest(TRAINING_NAME)
    validation, validation_digest = uri_and_digest(VALIDATION_NAME)
    if training is None or training_digest is None:
        raise InputError(f"{manifest_path} lists no {TRAINING_NAME}", hint="generate the dataset again")
    base_model = document.get("base_model")
    kind = document.get("customization_type")
    return DatasetData(
        manifest_path=manifest_path,
        training_data=training,
        training_digest=training_digest,
        validation_data=validation,
        validation_digest=validation_digest,
        base_model=base_model if isinstance(base_model, str) and base_model else None,
        customization_type=kind if isinstance(kind, str) and kind else None,
        digest=manifest.digest,
    )


def job_from_dataset(
    path: str | Path,
    *,
    base_model: str | None = None,
    customization_type: str | None = None,
    job_name: str | None = None,
    model_name: str | None = None,
    hyperparameters: Mapping[str, str] | None = None,
    skip_preflight: bool = False,
    dry_run: bool = False,
    teacher: str | None = None,
    max_response_length: int | None = None,
    grader: str | None = None,
) -> SubmitRequest:
    """The SubmitRequest for a generated dataset (folder or manifest): its data, with the model and type it was made
    for unless given here."""
    data = read_dataset(path)
    model = base_model or data.base_model
    if not model:
        raise UsageError(
            f"{data.manifest_path} names no base model (it was generated for a record format, not a model)",
            hint="name the base model",
            setting="base_model",
        )
    return SubmitRequest(
        base_model=model,
        training_data=data.training_data,
        validation_data=data.validation_data,
        job_name=job_name,
        model_name=model_name,
        customization_type=customization_type or data.customization_type or DEFAULT_CUSTOMIZATION_TYPE,
        hyperparameters=dict(hyperparameters or {}),
        training_digest=data.training_digest,
        validation_digest=data.validation_digest,
        skip_preflight=skip_preflight,
        dry_run=dry_run,
        teacher=teacher,
        max_response_length=max_response_length,
        grader=grader,
    )


@dataclass
class SubmitResult:
    request: dict[str, Any]
    job_arn: str | None = None
    already_submitted: bool = False
    dry_run: bool = False
    preflight: PreflightReport | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def job_name(self) -> str:
        return str(self.request["jobName"])

    def to_dict(self) -> dict[str, Any]:
        return {
            "job_name": self.job_name,
            "job_arn": self.job_arn,
            "already_submitted": self.already_submitted,
            "dry_run": self.dry_run,
            "request": self.request,
            "preflight": self.preflight.to_dict() if self.preflight else None,
            "warnings": self.warnings,
        }


def submit_job(
    session: AwsSession,
    outputs: TerraformOutputs,
    request: SubmitRequest,
    *,
    on_check: Callable[[CheckResult], None] | None = None,
) -> SubmitResult:
    """Run preflight (unless ``request.skip_preflight``), then create the job; a dry run returns the API request
    without sending it.

    Data given by URI only is identified by what S3 says about its content (``resolve_data_digests``) first.
    """
    if (request.training_data and not request.training_digest) or (
        request.validation_data and not request.validation_digest
    ):
        request = resolve_data_digests(session.s3(), request)
    api_request = build_request(outputs, request)
    result = SubmitResult(request=api_request, dry_run=request.dry_run)
    if request.skip_preflight:
        result.warnings.append("preflight skipped (skip_preflight): the job may fail after it starts")
    else:
        result.preflight = run_preflight(session, outputs, request.preflight_request(), on_result=on_check)
        if not result.preflight.ok:
            raise PreflightFailed(result.preflight)
        result.warnings += [f"{w.name}: {w.message}" for w in result.preflight.warnings]
    if request.dry_run:
        return result
    bedrock = session.bedrock()
    try:
        result.job_arn = bedrock.create_model_customization_job(**api_request)["jobArn"]
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code")
        if code not in ("ResourceInUseException", "ConflictException"):
            raise _submit_error(exc) from None
        existing = _existing_job(bedrock, api_request["jobName"])
        if existing is None or not _is_same_job(existing, api_request):
            raise AwsError(
                f"a job or custom model named {api_request['jobName']} / {api_request['customModelName']} "
                "already exists with other inputs",
                hint="choose another job name and model name",
                settings=("job_name", "model_name"),
            ) from None
        if existing.get("status") in ("Failed", "Stopped"):
            reason = existing.get("failureMessage") or "no failure message"
            raise AwsError(
                f"job {api_request['jobName']} with these inputs already ran and ended {existing['status']}: {reason}",
                hint="the same inputs always name the same job; to start another after fixing the cause, "
                "choose a new job name and model name",
                settings=("job_name", "model_name"),
            ) from None
        result.job_arn = existing["jobArn"]
        result.already_submitted = True
    return result


def _is_same_job(existing: Mapping[str, Any], request: Mapping[str, Any]) -> bool:
    """Whether the job already holding the name is this request's (a retry) rather than another job."""
    token = existing.get("clientRequestToken")
    if token is not None:
        return bool(token == request["clientRequestToken"])
    # No token to compare: it is ours only if it reads the same data with the same role and settings.
    return all(existing.get(key) == request.get(key) for key in ("roleArn", "trainingDataConfig", "hyperParameters"))


def _existing_job(bedrock: Any, job_name: str) -> dict[str, Any] | None:
    try:
        return dict(bedrock.get_model_customization_job(jobIdentifier=job_name))
    except ClientError:
        return None


def _submit_error(exc: ClientError) -> AwsError:
    error = exc.response.get("Error", {})
    code = error.get("Code", "Error")
    hints = {
        "AccessDeniedException": "you need bedrock:CreateModelCustomizationJob and iam:PassRole on the role "
        "(attach the module's operator policy)",
        "ValidationException": "look at the request with a dry run, and run preflight",
        "ServiceQuotaExceededException": "wait for a running job to finish or ask for a higher quota",
        "TooManyTagsException": "remove tags",
    }
    return AwsError(f"{OPERATION} failed: {code}: {error.get('Message', '')}", hint=hints.get(code))
