"""Deploy a custom model: an on-demand custom model deployment where the model and region allow it, otherwise
provisioned throughput without a commitment; wait until it serves; return the ARN to use as ``modelId``.

Repeat-safe: a deployment of the same model that this tool made (found in the ledger, or in AWS by the
``created-by`` tag) is returned instead of creating a second, and the create call carries a client request token
derived from the model and the settings, so even a retry after a lost answer cannot start two.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from bedrock_ft import CREATED_BY_TAG_KEY, CREATED_BY_TAG_VALUE
from bedrock_ft.core.errors import Interrupted, UsageError
from bedrock_ft.job.session import AwsSession
from bedrock_ft.lifecycle.ledger import Ledger
from bedrock_ft.lifecycle.resolve import NOT_FOUND, CustomModel, iso_z, resolve_custom_model
from bedrock_ft.lifecycle.waiting import Backoff, poll_until

MODES = ("auto", "on-demand", "provisioned")
NAME_PATTERN = re.compile(r"([0-9a-zA-Z][_-]?){1,63}")  # modelDeploymentName and provisionedModelName
COMMITMENTS = ("OneMonth", "SixMonths")
DEPLOYMENT = "custom_model_deployment"
PROVISIONED = "provisioned_throughput"

# On-demand custom model deployments (Bedrock user guide): these base models, in these regions, for models
# customized on or after this date.
ON_DEMAND_SINCE = datetime(2025, 7, 16, tzinfo=UTC)
ON_DEMAND_BASES: tuple[tuple[str, str], ...] = (
    (r"amazon\.nova-micro-v1", "us-east-1"),
    (r"amazon\.nova-lite-v1", "us-east-1"),
    (r"amazon\.nova-pro-v1", "us-east-1"),
    (r"amazon\.nova-2-lite-v1", "us-east-1"),
    (r"meta\.llama3-3-70b-instruct-v1", "us-west-2"),
)


class CommitmentNotConfirmed(UsageError):
    """A commitment term was asked for without the explicit confirmation it needs."""


def commitment_warning(commitment: str, model_units: int) -> str:
    term = {"OneMonth": "one month", "SixMonths": "six months"}.get(commitment, commitment)
    return (
        f"a {commitment} commitment bills {model_units} model unit(s) for {term} whether used or not, and the "
        f"provisioned throughput cannot be deleted before the term ends"
    )


@dataclass(frozen=True)
class DeployRequest:
    model: str  # job name/ARN or custom model name/ARN
    mode: str = "auto"
    model_units: int = 1
    commitment: str | None = None
    commitment_confirmed: bool = False
    name: str | None = None
    timeout: float | None = None

    def check(self) -> None:
        if self.mode not in MODES:
            raise UsageError(f"deployment mode {self.mode!r} is not one of {', '.join(MODES)}")
        if self.model_units < 1:
            raise UsageError(f"model units must be at least 1, not {self.model_units}")
        if self.commitment is not None:
            if self.commitment not in COMMITMENTS:
                raise UsageError(f"commitment {self.commitment!r} is not one of {', '.join(COMMITMENTS)}")
            if self.mode == "on-demand":
                raise UsageError("a commitment term applies to provisioned throughput, not to on-demand deployments")
            if not self.commitment_confirmed:
                raise CommitmentNotConfirmed(
                    f"refused: {commitment_warning(self.commitment, self.model_units)}",
                    hint="confirm the commitment explicitly, or deploy without one (hourly, deletable any time)",
                )
        if self.name is not None and not NAME_PATTERN.fullmatch(self.name):
            raise UsageError(
                f"deployment name {self.name!r} does not match the API's pattern",
                hint="1-63 letters and digits, each optionally followed by one _ or -",
            )
        if self.mode == "on-demand" and self.model_units != 1:
            raise UsageError("model units apply to provisioned throughput, not to on-demand deployments")


@dataclass(frozen=True)
class Deployment:
    kind: str  # custom_model_deployment | provisioned_throughput
    arn: str  # the modelId to invoke
    name: str
    model_arn: str
    status: str
    created: datetime | None = None
    model_units: int | None = None
    commitment: str | None = None
    commitment_ends: datetime | None = None
    reused: bool = False
    reason: str = ""  # why this kind
    failure_message: str | None = None

    @property
    def mode(self) -> str:
        return "on-demand" if self.kind == DEPLOYMENT else "provisioned"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "mode": self.mode,
            "arn": self.arn,
            "model_id": self.arn,
            "name": self.name,
            "model_arn": self.model_arn,
            "status": self.status,
            "creation_time": iso_z(self.created),
            "model_units": self.model_units,
            "commitment_duration": self.commitment,
            "commitment_expiration_time": iso_z(self.commitment_ends),
            "reused": self.reused,
            "reason": self.reason,
        }


def _time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return None


def deployment_from(response: dict[str, Any]) -> Deployment:
    """A Deployment from GetCustomModelDeployment's answer or a ListCustomModelDeployments summary."""
    return Deployment(
        kind=DEPLOYMENT,
        arn=str(response["customModelDeploymentArn"]),
        name=str(response.get("modelDeploymentName") or response.get("customModelDeploymentName")),
        model_arn=str(response["modelArn"]),
        status=str(response["status"]),
        created=_time(response.get("createdAt")),
        failure_message=response.get("failureMessage"),
    )


def provisioned_from(response: dict[str, Any]) -> Deployment:
    """A Deployment from GetProvisionedModelThroughput's answer or a list summary."""
    return Deployment(
        kind=PROVISIONED,
        arn=str(response["provisionedModelArn"]),
        name=str(response["provisionedModelName"]),
        model_arn=str(response["modelArn"]),
        status=str(response["status"]),
        created=_time(response.get("creationTime")),
        model_units=int(response["modelUnits"]),
        commitment=response.get("commitmentDuration"),
        commitment_ends=_time(response.get("commitmentExpirationTime")),
        failure_message=response.get("failureMessage"),
    )


def on_demand_support(model: CustomModel, region: str | None) -> tuple[bool, str]:
    """Whether the model can be deployed on demand in ``region``, and why (or why not)."""
    base = model.base_model_id
    regions = [r for pattern, r in ON_DEMAND_BASES if re.match(pattern, base)]
    if not regions:
        return False, f"on-demand deployment is not offered for models customized from {base}"
    if region not in regions:
        return False, f"on-demand deployment of {base} customizations is offered in {regions[0]}, not {region}"
    if model.created is not None and model.created < ON_DEMAND_SINCE:
        return False, f"the model was customized on {model.created:%Y-%m-%d}, before on-demand support (2025-07-16)"
    return True, f"on-demand deployment is offered for {base} customizations in {region}"


def choose_mode(request: DeployRequest, model: CustomModel, region: str | None) -> tuple[str, str]:
    """The kind to create (DEPLOYMENT or PROVISIONED) and why."""
    supported, why = on_demand_support(model, region)
    if request.mode == "provisioned":
        return PROVISIONED, "provisioned throughput was asked for"
    if request.mode == "on-demand":
        if not supported:
            raise UsageError(f"cannot deploy on demand: {why}", hint="use provisioned throughput instead")
        return DEPLOYMENT, "on-demand deployment was asked for"
    if request.commitment:
        return PROVISIONED, "a commitment term applies to provisioned throughput"
    if supported:
        return DEPLOYMENT, why + " (pay per token)"
    return PROVISIONED, why + "; provisioned throughput without commitment instead (billed hourly until deleted)"


_NAME_CHARS = re.compile(r"[^0-9A-Za-z]+")


def default_name(model: CustomModel, kind: str) -> str:
    """A name matching the API's pattern ``([0-9a-zA-Z][_-]?){1,63}``: the model's name and a short hash."""
    digest = hashlib.sha256(f"{kind}\0{model.arn}".encode()).hexdigest()[:8]
    stem = _NAME_CHARS.sub("-", model.name).strip("-")[:48].strip("-") or "model"
    stem = re.sub(r"-+", "-", stem)
    return f"{stem}-{'od' if kind == DEPLOYMENT else 'pt'}-{digest}"


def request_token(model: CustomModel, kind: str, request: DeployRequest) -> str:
    identity = f"{kind}\0{model.arn}\0{request.model_units}\0{request.commitment or ''}\0{request.name or ''}"
    return "bft-" + hashlib.sha256(identity.encode()).hexdigest()[:40]


def _tags() -> list[dict[str, str]]:
    return [{"key": CREATED_BY_TAG_KEY, "value": CREATED_BY_TAG_VALUE}]


def has_tool_tag(bedrock: Any, arn: str) -> bool:
    try:
        tags = bedrock.list_tags_for_resource(resourceARN=arn).get("tags", [])
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in NOT_FOUND:
            return False
        raise
    return any(t.get("key") == CREATED_BY_TAG_KEY and t.get("value") == CREATED_BY_TAG_VALUE for t in tags)


def get_deployment(bedrock: Any, kind: str, arn: str) -> Deployment | None:
    """The deployment or provisioned throughput ``arn``, None when it is gone."""
    try:
        if kind == DEPLOYMENT:
            return deployment_from(bedrock.get_custom_model_deployment(customModelDeploymentIdentifier=arn))
        return provisioned_from(bedrock.get_provisioned_model_throughput(provisionedModelId=arn))
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in NOT_FOUND:
            return None
        raise


def find_existing(bedrock: Any, kind: str, model: CustomModel, ledger: Ledger | None) -> Deployment | None:
    """A deployment of ``kind`` serving ``model`` that this tool made and that has not failed."""
    if ledger is not None:
        for entry in reversed(ledger.live(kind)):
            if entry.model_arn == model.arn:
                found = get_deployment(bedrock, kind, entry.arn)
                if found is not None and found.status != "Failed":
                    return found
    if kind == DEPLOYMENT:
        pages = bedrock.get_paginator("list_custom_model_deployments").paginate(modelArnEquals=model.arn)
        summaries = [deployment_from(s) for page in pages for s in page.get("modelDeploymentSummaries", [])]
    else:
        pages = bedrock.get_paginator("list_provisioned_model_throughputs").paginate(modelArnEquals=model.arn)
        summaries = [provisioned_from(s) for page in pages for s in page.get("provisionedModelSummaries", [])]
    for summary in summaries:
        if summary.status != "Failed" and summary.model_arn == model.arn and has_tool_tag(bedrock, summary.arn):
            return get_deployment(bedrock, kind, summary.arn) or summary
    return None


def keeps_running_note(kind: str, arn: str) -> str:
    if kind == PROVISIONED:
        return f"the provisioned throughput {arn} keeps being created and bills hourly; `bedrock-ft cleanup` removes it"
    return (
        f"the deployment {arn} keeps being created; `bedrock-ft deploy` again waits for it, "
        "`bedrock-ft cleanup` removes it"
    )


def wait_until_serving(
    bedrock: Any,
    deployment: Deployment,
    *,
    timeout: float | None,
    on_progress: Callable[[str], None] | None,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
    backoff: Backoff,
) -> Deployment:
    goal = ("Active",) if deployment.kind == DEPLOYMENT else ("InService",)

    def fetch() -> Deployment:
        found = get_deployment(bedrock, deployment.kind, deployment.arn)
        if found is None:
            return Deployment(**{**deployment.__dict__, "status": "Failed", "failure_message": "it was deleted"})
        return found

    return poll_until(
        fetch,
        state_of=lambda d: d.status,
        goal=goal,
        failed=("Failed",),
        failure_message=lambda d: d.failure_message,
        what=f"{'deployment' if deployment.kind == DEPLOYMENT else 'provisioned throughput'} {deployment.name}",
        keeps_running=keeps_running_note(deployment.kind, deployment.arn),
        timeout=timeout,
        backoff=backoff,
        on_progress=on_progress,
        sleep=sleep,
        clock=clock,
    )


def wait_until_model_active(
    bedrock: Any,
    model: CustomModel,
    *,
    timeout: float | None,
    on_progress: Callable[[str], None] | None,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
    backoff: Backoff,
) -> CustomModel:
    if model.status == "Active":
        return model

    def fetch() -> CustomModel:
        found = resolve_custom_model(bedrock, model.arn)
        return found

    return poll_until(
        fetch,
        state_of=lambda m: m.status,
        goal=("Active",),
        failed=("Failed",),
        failure_message=lambda m: m.failure_message,
        what=f"custom model {model.name}",
        keeps_running="nothing was deployed yet; the custom model is still being created (storage bills monthly)",
        timeout=timeout,
        backoff=backoff,
        on_progress=on_progress,
        sleep=sleep,
        clock=clock,
    )


def deploy(
    session: AwsSession,
    request: DeployRequest,
    *,
    ledger: Ledger | None = None,
    on_progress: Callable[[str], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    backoff: Backoff = Backoff(),  # noqa: B008 - frozen
) -> Deployment:
    """Deploy the custom model ``request.model`` names and wait until it serves; see the module's docstring."""
    request.check()
    bedrock = session.bedrock()
    model = resolve_custom_model(bedrock, request.model)
    kind, reason = choose_mode(request, model, session.region)
    start = clock()

    def remaining() -> float | None:
        return None if request.timeout is None else max(0.0, request.timeout - (clock() - start))

    waits: dict[str, Any] = {"on_progress": on_progress, "sleep": sleep, "clock": clock, "backoff": backoff}
    model = wait_until_model_active(bedrock, model, timeout=remaining(), **waits)
    existing = find_existing(bedrock, kind, model, ledger)
    if existing is not None:
        existing = Deployment(**{**existing.__dict__, "reused": True, "reason": reason})
        served = wait_until_serving(bedrock, existing, timeout=remaining(), **waits)
        return Deployment(**{**served.__dict__, "reused": True, "reason": reason})

    try:
        return _create_and_wait(session, request, model, kind, reason, ledger, remaining, waits)
    except KeyboardInterrupt:
        raise Interrupted(
            f"interrupted while creating the {'deployment' if kind == DEPLOYMENT else 'provisioned throughput'} "
            f"of {model.name}",
            hint="it may have been created and keep running: `bedrock-ft deploy` again finds it, "
            "`bedrock-ft cleanup` lists and removes it",
        ) from None


def _create_and_wait(
    session: AwsSession,
    request: DeployRequest,
    model: CustomModel,
    kind: str,
    reason: str,
    ledger: Ledger | None,
    remaining: Callable[[], float | None],
    waits: dict[str, Any],
) -> Deployment:
    bedrock = session.bedrock()
    name = request.name or default_name(model, kind)
    token = request_token(model, kind, request)
    if kind == DEPLOYMENT:
        answer = bedrock.create_custom_model_deployment(
            modelDeploymentName=name,
            modelArn=model.arn,
            description=f"bedrock-ft: on-demand deployment of {model.name}",
            tags=_tags(),
            clientRequestToken=token,
        )
        arn = str(answer["customModelDeploymentArn"])
    else:
        create: dict[str, Any] = {
            "provisionedModelName": name,
            "modelId": model.arn,
            "modelUnits": request.model_units,
            "tags": _tags(),
            "clientRequestToken": token,
        }
        if request.commitment:
            create["commitmentDuration"] = request.commitment
        arn = str(bedrock.create_provisioned_model_throughput(**create)["provisionedModelArn"])
    if ledger is not None:
        ledger.record(
            kind,
            arn,
            name=name,
            region=session.region,
            model_arn=model.arn,
            details={"model_units": request.model_units, "commitment": request.commitment}
            if kind == PROVISIONED
            else {},
        )
    created = Deployment(
        kind=kind,
        arn=arn,
        name=name,
        model_arn=model.arn,
        status="Creating",
        model_units=request.model_units if kind == PROVISIONED else None,
        commitment=request.commitment,
        reason=reason,
    )
    served = wait_until_serving(bedrock, created, timeout=remaining(), **waits)
    return Deployment(**{**served.__dict__, "reason": reason})
