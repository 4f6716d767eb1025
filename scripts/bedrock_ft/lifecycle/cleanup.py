"""Find what this tool created that still bills or stores, and delete it in a safe order.

Resources are found in the local ledger and in AWS by the ``created-by`` tag, so a new machine finds them too.
Nothing is deleted unless the caller asks (the command line asks for ``--yes`` or a confirmation). The order is:
on-demand deployments and provisioned throughput (they bill by the hour or hold the model), then batch inference
jobs still running (stopped), then custom models (monthly storage), then, only when asked, the data and output
prefixes under the bucket. What cannot go is reported with the reason: a commitment term that has not ended, a model
still served by something kept, a refusal from AWS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from bedrock_ft.core.errors import BedrockFtError, Interrupted
from bedrock_ft.core.s3_uris import join_key, parse_s3_uri
from bedrock_ft.core.tf_outputs import TerraformOutputs
from bedrock_ft.job.session import AwsSession
from bedrock_ft.lifecycle.deploy import (
    DEPLOYMENT,
    PROVISIONED,
    Deployment,
    deployment_from,
    get_deployment,
    has_tool_tag,
    provisioned_from,
)
from bedrock_ft.lifecycle.ledger import Ledger
from bedrock_ft.lifecycle.resolve import get_custom_model, iso_z

CUSTOM_MODEL = "custom_model"
BATCH_JOB = "batch_job"
S3_PREFIX = "s3_prefix"
ORDER = (DEPLOYMENT, PROVISIONED, BATCH_JOB, CUSTOM_MODEL, S3_PREFIX)
BATCH_RUNNING = ("Submitted", "InProgress", "Validating", "Scheduled", "Stopping")
MAX_LISTED_OBJECTS = 100_000
EVALUATION_FOLDER = "evaluate"  # evaluate's batch and judge files: OUTPUT_PREFIX/evaluate/ (lifecycle/bedrock_jobs.py)

BILLING = {
    DEPLOYMENT: "per token used (nothing while idle); holds the custom model",
    PROVISIONED: "per model unit per hour, used or not",
    BATCH_JOB: "per token processed while it runs",
    CUSTOM_MODEL: "storage, monthly",
    S3_PREFIX: "S3 storage, monthly",
}


@dataclass(frozen=True)
class Resource:
    kind: str
    arn: str  # an ARN, or the s3:// URI of a prefix
    name: str
    status: str | None = None
    since: datetime | None = None
    found_by: tuple[str, ...] = ()
    model_arn: str | None = None
    model_units: int | None = None
    commitment: str | None = None
    commitment_ends: datetime | None = None
    objects: int | None = None
    size_bytes: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "arn": self.arn,
            "name": self.name,
            "status": self.status,
            "since": iso_z(self.since),
            "found_by": list(self.found_by),
            "model_arn": self.model_arn,
            "model_units": self.model_units,
            "commitment_duration": self.commitment,
            "commitment_expiration_time": iso_z(self.commitment_ends),
            "objects": self.objects,
            "size_bytes": self.size_bytes,
            "billing": BILLING[self.kind],
        }


@dataclass(frozen=True)
class Outcome:
    resource: Resource
    action: str  # deleted | stopped | kept | failed
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "reason": self.reason, **self.resource.to_dict()}


@dataclass
class Inventory:
    resources: list[Resource] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"resources": [r.to_dict() for r in self.resources], "warnings": list(self.warnings)}


@dataclass(frozen=True)
class CleanupRequest:
    keep_model: bool = False
    include_data: bool = False  # also delete the data and output prefixes of the models


@dataclass
class CleanupResult:
    before: Inventory
    outcomes: list[Outcome] = field(default_factory=list)
    after: Inventory | None = None

    @property
    def ok(self) -> bool:
        return not any(o.action == "failed" for o in self.outcomes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "before": self.before.to_dict(),
            "outcomes": [o.to_dict() for o in self.outcomes],
            "after": self.after.to_dict() if self.after is not None else None,
        }


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"{error.get('Code', 'Error')}: {error.get('Message', '')}".rstrip(": ")
    return str(exc)


def _resource_of(served: Deployment, found_by: tuple[str, ...]) -> Resource:
    return Resource(
        kind=served.kind,
        arn=served.arn,
        name=served.name,
        status=served.status,
        since=served.created,
        found_by=found_by,
        model_arn=served.model_arn,
        model_units=served.model_units,
        commitment=served.commitment,
        commitment_ends=served.commitment_ends,
    )


def _merge(found: dict[str, Resource], resource: Resource) -> None:
    known = found.get(resource.arn)
    if known is None:
        found[resource.arn] = resource
    else:
        found[resource.arn] = replace(resource, found_by=tuple(dict.fromkeys(known.found_by + resource.found_by)))


def _tagged(bedrock: Any, arn: str, warnings: list[str]) -> bool:
    try:
        return has_tool_tag(bedrock, arn)
    except (ClientError, BotoCoreError) as exc:
        warnings.append(f"could not read the tags of {arn}: {_error_text(exc)}")
        return False


def _list(bedrock: Any, paginator: str, key: str, what: str, warnings: list[str]) -> list[dict[str, Any]]:
    try:
        return [item for page in bedrock.get_paginator(paginator).paginate() for item in page.get(key, [])]
    except (ClientError, BotoCoreError) as exc:
        warnings.append(f"could not list {what}: {_error_text(exc)}")
        return []


def _prefix_of(uri: str, *, parent: bool) -> str | None:
    try:
        where = parse_s3_uri(uri)
    except BedrockFtError:  # a malformed URI in AWS's answer: nothing to list
        return None
    key = where.key.rsplit("/", 1)[0] + "/" if parent and "/" in where.key else where.key
    return f"s3://{where.bucket}/{key}" if key.strip("/") else None


def _prefix_resource(s3: Any, uri: str, model_arn: str, warnings: list[str]) -> Resource | None:
    where = parse_s3_uri(uri)
    count = size = 0
    try:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=where.bucket, Prefix=where.key):
            for item in page.get("Contents", []):
                count += 1
                size += int(item.get("Size", 0))
            if count >= MAX_LISTED_OBJECTS:
                break
    except (ClientError, BotoCoreError) as exc:
        warnings.append(f"could not list {uri}: {_error_text(exc)}")
        return None
    if count == 0:
        return None
    found_by = ("model",) if model_arn else ("outputs",)
    return Resource(
        S3_PREFIX, uri, uri, "stored", found_by=found_by, model_arn=model_arn or None, objects=count, size_bytes=size
    )


def list_resources(
    session: AwsSession,
    *,
    ledger: Ledger | None,
    include_data: bool = True,
    outputs: TerraformOutputs | None = None,
) -> Inventory:
    """Everything this tool made that is still there: from the ledger, then from AWS by tag (and, given the
    Terraform outputs, the evaluation files under the bucket's output prefix)."""
    bedrock = session.bedrock()
    inventory = Inventory()
    warnings = inventory.warnings
    found: dict[str, Resource] = {}
    if ledger is not None:
        for entry in ledger.live():
            if entry.region and session.region and entry.region != session.region:
                continue
            try:
                if entry.kind in (DEPLOYMENT, PROVISIONED):
                    served = get_deployment(bedrock, entry.kind, entry.arn)
                    if served is not None:
                        _merge(found, _resource_of(served, ("ledger",)))
                elif entry.kind == S3_PREFIX:
                    resource = _prefix_resource(session.s3(), entry.arn, entry.model_arn or "", warnings)
                    if resource is not None:
                        _merge(found, replace(resource, found_by=("ledger",)))
                elif entry.kind == CUSTOM_MODEL:
                    model = get_custom_model(bedrock, entry.arn)
                    if model is not None:
                        _merge(
                            found,
                            Resource(CUSTOM_MODEL, model.arn, model.name, model.status, model.created, ("ledger",)),
                        )
            except (ClientError, BotoCoreError) as exc:
                warnings.append(f"could not check {entry.arn} from the ledger: {_error_text(exc)}")
        if ledger.skipped_lines:
            warnings.append(f"{ledger.skipped_lines} unreadable line(s) in the ledger {ledger.path} were skipped")
    for summary in _list(bedrock, "list_custom_model_deployments", "modelDeploymentSummaries", "deployments", warnings):
        served = deployment_from(summary)
        if _tagged(bedrock, served.arn, warnings):
            _merge(found, _resource_of(served, ("tag",)))
    for summary in _list(
        bedrock, "list_provisioned_model_throughputs", "provisionedModelSummaries", "provisioned throughput", warnings
    ):
        served = provisioned_from(summary)
        if _tagged(bedrock, served.arn, warnings):
            _merge(found, _resource_of(served, ("tag",)))
    for summary in _list(bedrock, "list_model_invocation_jobs", "invocationJobSummaries", "batch jobs", warnings):
        if summary.get("status") in BATCH_RUNNING and _tagged(bedrock, summary["jobArn"], warnings):
            since = summary.get("submitTime")
            _merge(
                found,
                Resource(BATCH_JOB, summary["jobArn"], summary["jobName"], summary.get("status"), since, ("tag",)),
            )
    prefixes: dict[str, str] = {}
    for summary in _list(bedrock, "list_custom_models", "modelSummaries", "custom models", warnings):
        arn = str(summary["modelArn"])
        tagged = _tagged(bedrock, arn, warnings)
        if not tagged and arn not in found:
            continue
        model = get_custom_model(bedrock, arn)
        if model is None:
            continue
        if tagged:
            _merge(found, Resource(CUSTOM_MODEL, model.arn, model.name, model.status, model.created, ("tag",)))
        if include_data:
            details = bedrock.get_custom_model(modelIdentifier=arn)
            for uri, parent in (
                ((details.get("trainingDataConfig") or {}).get("s3Uri"), True),
                ((details.get("outputDataConfig") or {}).get("s3Uri"), False),
            ):
                prefix = _prefix_of(uri, parent=parent) if isinstance(uri, str) else None
                if prefix:
                    prefixes.setdefault(prefix, arn)
    if include_data and outputs is not None and outputs.get("bucket_name"):
        evaluation = join_key(outputs.output_prefix, EVALUATION_FOLDER) + "/"
        prefixes.setdefault(f"s3://{outputs.bucket_name}/{evaluation}", "")
    for prefix, model_arn in prefixes.items():
        resource = _prefix_resource(session.s3(), prefix, model_arn, warnings)
        if resource is not None:
            _merge(found, resource)
    inventory.resources = sorted(found.values(), key=lambda r: (ORDER.index(r.kind), r.name))
    return inventory


def plan(inventory: Inventory, request: CleanupRequest, now: datetime) -> list[Outcome]:
    """What cleanup would do with each resource, in the order it would do it: action "delete"/"stop" or "kept"."""
    decided: list[Outcome] = []
    held_models: dict[str, str] = {}
    for resource in inventory.resources:
        if resource.kind == PROVISIONED and resource.commitment_ends and resource.commitment_ends > now:
            reason = (
                f"its {resource.commitment} commitment ends {iso_z(resource.commitment_ends)}; "
                "it cannot be deleted before then"
            )
            decided.append(Outcome(resource, "kept", reason))
            if resource.model_arn:
                held_models[resource.model_arn] = f"served by committed provisioned throughput {resource.name}"
        elif resource.kind == BATCH_JOB:
            decided.append(Outcome(resource, "stop"))
        elif resource.kind == CUSTOM_MODEL and request.keep_model:
            decided.append(Outcome(resource, "kept", "kept as asked (what serves it is removed)"))
        elif resource.kind == CUSTOM_MODEL and resource.arn in held_models:
            decided.append(Outcome(resource, "kept", held_models[resource.arn]))
        elif resource.kind == S3_PREFIX and not request.include_data:
            decided.append(Outcome(resource, "kept", "data is deleted only when asked for"))
        else:
            decided.append(Outcome(resource, "delete"))
    return decided


def _delete(session: AwsSession, resource: Resource) -> None:
    bedrock = session.bedrock()
    if resource.kind == DEPLOYMENT:
        bedrock.delete_custom_model_deployment(customModelDeploymentIdentifier=resource.arn)
    elif resource.kind == PROVISIONED:
        bedrock.delete_provisioned_model_throughput(provisionedModelId=resource.arn)
    elif resource.kind == BATCH_JOB:
        bedrock.stop_model_invocation_job(jobIdentifier=resource.arn)
    elif resource.kind == CUSTOM_MODEL:
        bedrock.delete_custom_model(modelIdentifier=resource.name)
    else:
        where = parse_s3_uri(resource.arn)
        s3 = session.s3()
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=where.bucket, Prefix=where.key):
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:
                answer = s3.delete_objects(Bucket=where.bucket, Delete={"Objects": keys, "Quiet": True})
                if answer.get("Errors"):
                    first = answer["Errors"][0]
                    raise RuntimeError(
                        f"{len(answer['Errors'])} object(s) not deleted, e.g. {first.get('Key')}: {first.get('Code')}"
                    )


def cleanup(
    session: AwsSession,
    request: CleanupRequest,
    *,
    ledger: Ledger | None,
    confirm: Callable[[Inventory, list[Outcome]], bool] | None = None,
    now: datetime | None = None,
    outputs: TerraformOutputs | None = None,
) -> CleanupResult:
    """List, then (if ``confirm`` says yes to the listing and the plan) delete in the safe order, then list again."""
    moment = now or datetime.now(UTC)
    before = list_resources(session, ledger=ledger, outputs=outputs)
    result = CleanupResult(before=before)
    planned = plan(before, request, moment)
    actionable = [o for o in planned if o.action in ("delete", "stop")]
    if not actionable:
        result.outcomes = planned
        result.after = before
        return result
    if confirm is not None and not confirm(before, planned):
        result.outcomes = [Outcome(o.resource, "kept", "not confirmed") if o in actionable else o for o in planned]
        result.after = before
        return result
    if ledger is not None:  # data kept outlives its model: the ledger remembers it for the next listing
        known = {entry.arn for entry in ledger.live(S3_PREFIX)}
        for outcome in planned:
            if outcome.resource.kind == S3_PREFIX and outcome.action == "kept" and outcome.resource.arn not in known:
                ledger.record(
                    S3_PREFIX, outcome.resource.arn, region=session.region, model_arn=outcome.resource.model_arn
                )
    failed_serving: dict[str, str] = {}
    for outcome in planned:
        resource = outcome.resource
        if outcome.action == "kept":
            result.outcomes.append(outcome)
            continue
        if resource.kind == CUSTOM_MODEL and resource.arn in failed_serving:
            result.outcomes.append(Outcome(resource, "kept", failed_serving[resource.arn]))
            continue
        try:
            _delete(session, resource)
        except KeyboardInterrupt:
            gone = [o.resource.name for o in result.outcomes if o.action in ("deleted", "stopped")]
            raise Interrupted(
                f"interrupted while deleting {resource.name}"
                + (f" (already deleted: {', '.join(gone)})" if gone else " (nothing deleted yet)"),
                hint="what is left keeps billing: run `bedrock-ft cleanup` again to list and remove it",
            ) from None
        except (ClientError, BotoCoreError, RuntimeError) as exc:
            result.outcomes.append(Outcome(resource, "failed", _error_text(exc)))
            if resource.model_arn:
                failed_serving[resource.model_arn] = f"still served by {resource.name}, which could not be deleted"
            continue
        result.outcomes.append(Outcome(resource, "stopped" if resource.kind == BATCH_JOB else "deleted"))
        if ledger is not None:
            ledger.record(resource.kind, resource.arn, event="deleted", name=resource.name, region=session.region)
    result.after = list_resources(session, ledger=ledger, outputs=outputs)
    return result
