"""The request parts of the customization types beyond fine-tuning: distillation, reinforcement fine-tuning and
training data taken from the account's model invocation logs.

Each function is pure: it checks its inputs against the model table (``core/models.py``) and against the patterns
and ranges of botocore's ``bedrock`` service model, and returns the dict that goes into
``create_model_customization_job``:

- ``distillation_config`` -> the ``customizationConfig`` of a DISTILLATION job;
- ``rft_config`` -> the ``customizationConfig`` of a REINFORCEMENT_FINE_TUNING job;
- ``invocation_logs_config`` -> the ``trainingDataConfig`` of a distillation job that learns from invocation logs
  instead of a data file.

Every refusal is a ``UsageError`` saying what to pass instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import botocore.session

from bedrock_ft.core.errors import BedrockFtError, UsageError
from bedrock_ft.core.models import (
    DISTILLATION_PAIRS,
    RFT_HP,
    CustomizationType,
    find_model,
    model_id_from,
    teachers_for,
)
from bedrock_ft.core.s3_uris import check_bedrock_uri

OPERATION = "CreateModelCustomizationJob"
# RequestMetadataFiltersList: at most 16 filters combined with andAll.
MAX_METADATA_FILTERS = 16
_INFERENCE_PROFILE_ARN = re.compile(r"^arn:[a-z-]+:bedrock:[a-z0-9-]+:\d{12}:inference-profile/")


@cache
def _shape(*path: str) -> Any:
    """The service-model shape at ``path`` below the operation's input (structure members, list and map values)."""
    model = botocore.session.get_session().get_service_model("bedrock")
    shape: Any = model.operation_model(OPERATION).input_shape
    for name in path:
        if name == "[]":
            shape = shape.member
        elif name == "{key}":
            shape = shape.key
        elif name == "{value}":
            shape = shape.value
        else:
            shape = shape.members[name]
    return shape


def _pattern(*path: str) -> re.Pattern[str]:
    return re.compile(_shape(*path).metadata["pattern"])


def _fits(value: str, *path: str) -> bool:
    """``value`` matches the pattern and the length bounds botocore's model gives the string shape at ``path``."""
    metadata = _shape(*path).metadata
    if len(value) < metadata.get("min", 0) or len(value) > metadata.get("max", len(value)):
        return False
    return bool(_pattern(*path).fullmatch(value))


# --- distillation ---------------------------------------------------------------------------------------------


def _bare_teacher_id(teacher: str) -> str:
    return _INFERENCE_PROFILE_ARN.sub("", model_id_from(teacher))


def distillation_config(
    teacher: str, student: str, region: str, *, max_response_length: int | None = None
) -> dict[str, Any]:
    """The ``customizationConfig`` of a DISTILLATION job distilling ``teacher`` into ``student`` in ``region``.

    ``teacher`` is a model id, a foundation-model ARN or (Nova Premier) an inference profile id or ARN; it is sent as
    given. The pair must be in the model table's DISTILLATION_PAIRS for ``region``.
    """
    teacher = teacher.strip()
    if not _fits(teacher, "customizationConfig", "distillationConfig", "teacherModelConfig", "teacherModelIdentifier"):
        raise UsageError(
            f"teacher {teacher!r} is not a model id, foundation-model ARN or inference profile the API accepts",
            hint="for example amazon.nova-pro-v1:0",
            setting="teacher",
        )
    try:
        spec = find_model(student)
    except BedrockFtError:
        raise UsageError(
            f"{student!r} is not a base model bedrock-ft knows as a distillation student",
            hint="students: " + ", ".join(sorted({s for pair in DISTILLATION_PAIRS for s in pair.students})),
        ) from None
    if CustomizationType.DISTILLATION not in spec.customization_types:
        raise UsageError(
            f"{spec.display_name} cannot be a distillation student",
            hint="students: " + ", ".join(sorted({s for pair in DISTILLATION_PAIRS for s in pair.students})),
        )
    regions = spec.regions_for(CustomizationType.DISTILLATION)
    if regions and region not in regions:
        raise UsageError(
            f"{spec.display_name} can be distilled into only in {', '.join(regions)}, not {region}",
            hint=f"apply the module in {regions[0]} and use its outputs",
        )
    wanted = _bare_teacher_id(teacher)
    pairs = teachers_for(student, region)
    if not any(pair.teacher == wanted or _bare_teacher_id(pair.teacher) == wanted for pair in pairs):
        offered = ", ".join(f"{pair.teacher} ({pair.teacher_name})" for pair in pairs) or "none"
        raise UsageError(
            f"{wanted} is not a teacher for {model_id_from(student)} in {region}",
            hint=f"teachers for it there: {offered}",
        )
    config: dict[str, Any] = {"teacherModelIdentifier": teacher}
    if max_response_length is not None:
        if isinstance(max_response_length, bool) or not isinstance(max_response_length, int):
            raise UsageError(f"the maximum response length {max_response_length!r} is not a whole number")
        if max_response_length < 1:
            raise UsageError(f"the maximum response length {max_response_length} must be at least 1")
        config["maxResponseLengthForInference"] = max_response_length
    return {"distillationConfig": {"teacherModelConfig": config}}


# --- reinforcement fine-tuning --------------------------------------------------------------------------------


def check_grader_arn(grader_arn: str) -> str:
    """``grader_arn`` stripped, or a UsageError when it is not a Lambda function ARN the API accepts."""
    arn = grader_arn.strip()
    if not _fits(arn, "customizationConfig", "rftConfig", "graderConfig", "lambdaGrader", "lambdaArn"):
        raise UsageError(
            f"grader {grader_arn!r} is not a Lambda function ARN",
            hint="for example arn:aws:lambda:us-east-1:123456789012:function:my-grader",
            setting="grader",
        )
    return arn


def grader_region(grader_arn: str) -> str:
    """The region named in a Lambda function ARN (check it with ``check_grader_arn`` first)."""
    return grader_arn.split(":")[3]


def rft_hyperparameters(values: Mapping[str, str]) -> dict[str, int | float | str]:
    """Hyperparameter strings as ``rftConfig.hyperParameters`` takes them: numbers where the API types them."""
    known = {hp.name: hp for hp in RFT_HP}
    problems = []
    typed: dict[str, int | float | str] = {}
    for name, value in values.items():
        hp = known.get(name)
        if hp is None:
            problems.append(f"{name} is not a reinforcement fine-tuning hyperparameter (known: {', '.join(known)})")
            continue
        why = hp.check(str(value).strip())
        if why:
            problems.append(f"{why} (range {hp.range_text})")
            continue
        typed[name] = hp.api_value(str(value).strip())
    if problems:
        raise UsageError("; ".join(problems), hint="fix the hyperparameter values", setting="hyperparameters")
    return typed


def rft_config(grader_arn: str, hyperparameters: Mapping[str, str]) -> dict[str, Any]:
    """The ``customizationConfig`` of a REINFORCEMENT_FINE_TUNING job: the grader Lambda and the typed
    hyperparameters (``hyperParameters`` left out when none is given: the service's defaults apply)."""
    config: dict[str, Any] = {"graderConfig": {"lambdaGrader": {"lambdaArn": check_grader_arn(grader_arn)}}}
    typed = rft_hyperparameters(hyperparameters)
    if typed:
        config["hyperParameters"] = typed
    return {"rftConfig": config}


# --- invocation logs ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MetadataFilter:
    """One request-metadata filter: ``key=value`` (equals) or ``key!=value`` (notEquals)."""

    key: str
    value: str
    equals: bool = True

    def to_api(self) -> dict[str, dict[str, str]]:
        return {"equals" if self.equals else "notEquals": {self.key: self.value}}


_FILTER_MAP = ("trainingDataConfig", "invocationLogsConfig", "requestMetadataFilters", "equals")


def parse_metadata_filters(pairs: Sequence[str]) -> list[MetadataFilter]:
    """``key=value`` / ``key!=value`` strings, each checked against the API's key and value patterns."""
    filters = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        equals = True
        if key.endswith("!"):
            key, equals = key[:-1], False
        key = key.strip()
        if not sep or not key:
            raise UsageError(
                f"metadata filter {pair!r} is not key=value or key!=value",
                hint="for example team=qa",
                setting="metadata_filters",
            )
        if not _fits(key, *_FILTER_MAP, "{key}"):
            raise UsageError(
                f"metadata filter key {key!r} is not a request-metadata key the API accepts",
                hint="1-256 letters, digits, spaces and . _ : / = + $ @ -",
            )
        if not _fits(value, *_FILTER_MAP, "{value}"):
            raise UsageError(
                f"metadata filter value {value!r} is not a request-metadata value the API accepts",
                hint="at most 256 letters, digits, spaces and . _ : / = + $ @ -",
            )
        filters.append(MetadataFilter(key, value, equals))
    if len(filters) > MAX_METADATA_FILTERS:
        raise UsageError(
            f"{len(filters)} metadata filters; the API combines at most {MAX_METADATA_FILTERS}",
            setting="metadata_filters",
        )
    return filters


def invocation_logs_config(
    s3_uri: str, metadata_filters: Sequence[str] = (), *, use_prompt_response: bool = False
) -> dict[str, Any]:
    """The ``trainingDataConfig`` of a distillation job learning from the model invocation logs under ``s3_uri``.

    ``metadata_filters`` (``key=value`` or ``key!=value``) keep only the invocations whose request metadata match
    all of them. ``use_prompt_response``: train on the logged responses instead of asking the teacher again.
    """
    uri = s3_uri.strip()
    check_bedrock_uri(uri, what="invocation logs")
    if not _fits(uri, "trainingDataConfig", "invocationLogsConfig", "invocationLogSource", "s3Uri"):
        raise UsageError(f"invocation logs {s3_uri!r} is not an S3 URI the API accepts", setting="invocation_logs")
    config: dict[str, Any] = {"invocationLogSource": {"s3Uri": uri}, "usePromptResponse": use_prompt_response}
    filters = parse_metadata_filters(metadata_filters)
    if len(filters) == 1:
        config["requestMetadataFilters"] = filters[0].to_api()
    elif filters:
        config["requestMetadataFilters"] = {"andAll": [f.to_api() for f in filters]}
    return {"invocationLogsConfig": config}
