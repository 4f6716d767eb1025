"""Preflight: every check that would otherwise fail a customization job twenty minutes in.

Each check has a stable name and ends pass, fail, warn or skipped, with a one-line message and, when it did not
pass, a one-line hint saying how to fix it. Checks read the live account (EC2, S3, IAM, KMS, Bedrock) through the
clients of an ``AwsSession``; a check whose API the endpoint lacks (an emulator, a locked-down account) is skipped,
never failed.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from bedrock_ft.core.errors import BedrockFtError, ChecksFailed
from bedrock_ft.core.iam_documents import Statement, load_document, parse_document
from bedrock_ft.core.models import (
    CustomizationType,
    ModelSpec,
    RecordFormat,
    accepts_images,
    accepts_video,
    customizable_in,
    find_model,
    model_id_from,
)
from bedrock_ft.core.s3_uris import S3Uri, join_key, parse_s3_uri
from bedrock_ft.core.tf_outputs import TerraformOutputs
from bedrock_ft.job.session import AwsSession
from bedrock_ft.review.documents import Kind, PolicyDoc
from bedrock_ft.review.rules import create_network_interface, create_tags, network_interface_permissions

BEDROCK_SERVICE = "bedrock.amazonaws.com"
MAX_SUBNETS = 16
NETWORK_DESCRIBE_ACTIONS = (
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeVpcs",
    "ec2:DescribeDhcpOptions",
    "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
)
NETWORK_INTERFACE_ACTIONS = (
    "ec2:CreateNetworkInterfacePermission",
    "ec2:DeleteNetworkInterface",
    "ec2:DeleteNetworkInterfacePermission",
)
KMS_KEY_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:CreateGrant")
# byCustomizationType accepts only these.
LISTABLE_CUSTOMIZATION_TYPES = ("FINE_TUNING", "CONTINUED_PRE_TRAINING", "DISTILLATION")


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    SKIPPED = "skip"


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: Status
    message: str
    hint: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "status": str(self.status), "message": self.message, "hint": self.hint}


@dataclass
class PreflightReport:
    results: list[CheckResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def failures(self) -> list[CheckResult]:
        return [r for r in self.results if r.status is Status.FAIL]

    @property
    def warnings(self) -> list[CheckResult]:
        return [r for r in self.results if r.status is Status.WARN]

    def result(self, name: str) -> CheckResult:
        for r in self.results:
            if r.name == name:
                return r
        raise KeyError(name)

    def counts(self) -> dict[str, int]:
        return {str(s): sum(1 for r in self.results if r.status is s) for s in Status}

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "counts": self.counts(), "checks": [r.to_dict() for r in self.results]}


class PreflightFailed(ChecksFailed):
    """Preflight found failures; the message lists them."""

    def __init__(self, report: PreflightReport) -> None:
        lines = [f"{r.name}: {r.message}" + (f" -> {r.hint}" if r.hint else "") for r in report.failures]
        super().__init__(
            f"preflight failed {len(lines)} check(s):\n  " + "\n  ".join(lines),
            hint="fix them and run again, or pass --skip-preflight to submit anyway",
        )
        self.report = report


@dataclass(frozen=True)
class PreflightRequest:
    """What the job will be: the model, its data and its hyperparameters (the values the job will get)."""

    base_model: str
    training_data: str
    validation_data: str | None = None
    hyperparameters: dict[str, str] = field(default_factory=dict)
    customization_type: str = "FINE_TUNING"


class _Unsupported(Exception):
    """The endpoint does not implement an API a check needs."""


def _is_unsupported(exc: Exception) -> bool:
    if isinstance(exc, NotImplementedError):
        return True
    if isinstance(exc, ClientError):
        code = str(exc.response.get("Error", {}).get("Code", ""))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return code in ("NotImplemented", "501", "500", "InvalidAction", "UnknownOperationException") or status in (
            500,
            501,
        )
    # An emulator answers an operation it lacks with an HTML error page botocore cannot parse.
    return isinstance(exc, ResponseParserError) or (isinstance(exc, BotoCoreError) and "parse" in str(exc).lower())


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"{getattr(exc, 'operation_name', 'AWS call')}: {error.get('Code', 'Error')}: {error.get('Message', '')}"
    return str(exc)


class _Context:
    """The inputs and the AWS lookups the checks share, each made once."""

    def __init__(self, outputs: TerraformOutputs, request: PreflightRequest, session: AwsSession) -> None:
        self.outputs = outputs
        self.request = request
        self.session = session
        self.region = outputs.region
        self.bucket = outputs.bucket_name
        self.account_id = outputs.account_id
        self.role_arn = outputs.role_arn
        self.partition = self.role_arn.split(":")[1] if self.role_arn.startswith("arn:") else "aws"
        self.output_prefix = outputs.output_prefix
        self._cache: dict[str, Any] = {}

    def cached(self, key: str, make: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    # --- EC2 -------------------------------------------------------------------------------------------------
    def subnets(self) -> list[dict[str, Any]]:
        def load() -> list[dict[str, Any]]:
            ec2 = self.session.client("ec2")
            ids = self.outputs.subnet_ids
            if not ids:
                return []
            found = ec2.describe_subnets(Filters=[{"Name": "subnet-id", "Values": ids}])["Subnets"]
            return found

        return self.cached("subnets", load)

    def zones(self) -> list[str]:
        def load() -> list[str]:
            zones = self.session.client("ec2").describe_availability_zones()["AvailabilityZones"]
            return sorted(
                z["ZoneName"]
                for z in zones
                if z.get("State", "available") == "available"
                and z.get("ZoneType", "availability-zone") == "availability-zone"
                and z.get("OptInStatus", "opt-in-not-required") == "opt-in-not-required"
            )

        return self.cached("zones", load)

    def vpc_id(self) -> str:
        return self.outputs.vpc_id

    # --- IAM -------------------------------------------------------------------------------------------------
    def role_name(self) -> str:
        return self.role_arn.rsplit("/", 1)[-1]

    def role(self) -> dict[str, Any]:
        return self.cached("role", lambda: self.session.client("iam").get_role(RoleName=self.role_name())["Role"])

    def role_policies(self) -> list[tuple[str, dict[str, Any]]]:
        """The role's inline and attached policy documents, each with its name ("inline policy NAME" or
        "managed policy NAME"), decoded from the URL-encoded JSON IAM may return."""

        def load() -> list[tuple[str, dict[str, Any]]]:
            iam = self.session.client("iam")
            name = self.role_name()
            policies: list[tuple[str, dict[str, Any]]] = []
            for page in iam.get_paginator("list_role_policies").paginate(RoleName=name):
                for policy_name in page["PolicyNames"]:
                    document = iam.get_role_policy(RoleName=name, PolicyName=policy_name)["PolicyDocument"]
                    policies.append((f"inline policy {policy_name}", load_document(document, source=policy_name)))
            for page in iam.get_paginator("list_attached_role_policies").paginate(RoleName=name):
                for attached in page["AttachedPolicies"]:
                    arn = attached["PolicyArn"]
                    version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
                    document = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]
                    policies.append((f"managed policy {attached['PolicyName']}", load_document(document, source=arn)))
            return policies

        return self.cached("role_policies", load)

    def role_statements(self) -> list[tuple[str, Statement]]:
        """Every statement of the role's inline and attached policies, with the policy's name."""
        return [
            (policy, statement)
            for policy, document in self.role_policies()
            for statement in parse_document(document, source=policy)
        ]

    def role_policy_statements(self) -> list[Statement]:
        return [statement for _, statement in self.role_statements()]

    # --- ARNs ------------------------------------------------------------------------------------------------
    def ec2_arn(self, resource: str) -> str:
        return f"arn:{self.partition}:ec2:{self.region}:{self.account_id}:{resource}"

    def s3_arn(self, key: str | None = None) -> str:
        return f"arn:{self.partition}:s3:::{self.bucket}" + (f"/{key}" if key is not None else "")

    def output_key(self) -> str:
        return join_key(self.output_prefix, "bedrock-ft-preflight", ".write_access_check_file.tmp")

    def data_uris(self) -> list[tuple[str, S3Uri]]:
        uris = [("training", parse_s3_uri(self.request.training_data, what="--training-data"))]
        if self.request.validation_data:
            uris.append(("validation", parse_s3_uri(self.request.validation_data, what="--validation-data")))
        return uris


def allowed(statements: list[Statement], action: str, resource: str) -> bool:
    """Some Allow statement covers (action, resource) and no unconditional Deny does."""
    allow = any(s.allows and s.covers_action(action) and s.covers_resource(resource) for s in statements)
    deny = any(
        s.effect == "Deny" and not s.conditions and s.covers_action(action) and s.covers_resource(resource)
        for s in statements
    )
    return allow and not deny


def not_allowed(statements: list[Statement], needs: list[tuple[str, str]]) -> list[str]:
    """ "ACTION on RESOURCE" for each of ``needs`` the statements do not allow."""
    return [f"{action} on {resource}" for action, resource in needs if not allowed(statements, action, resource)]


# --- the checks ----------------------------------------------------------------------------------------------
Check = Callable[[_Context], Iterator[CheckResult]]


def _pass(name: str, message: str) -> CheckResult:
    return CheckResult(name, Status.PASS, message)


def _fail(name: str, message: str, hint: str) -> CheckResult:
    return CheckResult(name, Status.FAIL, message, hint)


def _warn(name: str, message: str, hint: str) -> CheckResult:
    return CheckResult(name, Status.WARN, message, hint)


def _skip(name: str, message: str, hint: str | None = None) -> CheckResult:
    return CheckResult(name, Status.SKIPPED, message, hint)


def check_subnets(ctx: _Context) -> Iterator[CheckResult]:
    ids = ctx.outputs.subnet_ids
    found = ctx.subnets()
    found_ids = {s["SubnetId"] for s in found}
    missing = [i for i in ids if i not in found_ids]
    if not ids:
        yield _fail("subnets-exist", "the outputs list no subnets", "apply the module; subnet_ids must not be empty")
    elif missing:
        yield _fail(
            "subnets-exist",
            f"{len(missing)} of {len(ids)} subnets do not exist in {ctx.region}: {', '.join(missing)}",
            "run `terraform apply` again, or read the outputs of the right workspace and region",
        )
    else:
        yield _pass("subnets-exist", f"{len(ids)} subnets exist")

    vpcs = sorted({s["VpcId"] for s in found})
    if not found:
        yield _skip("subnets-one-vpc", "no subnet to inspect")
    elif len(vpcs) > 1 or vpcs[0] != ctx.vpc_id():
        yield _fail(
            "subnets-one-vpc",
            f"the subnets lie in {', '.join(vpcs)}; the outputs' VPC is {ctx.vpc_id()}",
            "list only subnets of the module's VPC",
        )
    else:
        yield _pass("subnets-one-vpc", f"all subnets lie in {vpcs[0]}")

    if not found:
        yield _skip("subnets-cover-zones", "no subnet to inspect")
    else:
        zones = ctx.zones()
        covered = {s["AvailabilityZone"] for s in found}
        lacking = [z for z in zones if z not in covered]
        if lacking:
            yield _fail(
                "subnets-cover-zones",
                f"no subnet in {', '.join(lacking)} ({len(covered)} of {len(zones)} zones of {ctx.region} covered)",
                "add a subnet in each of those zones (the module does it when availability_zones is left empty)",
            )
        else:
            yield _pass("subnets-cover-zones", f"a subnet in each of the {len(zones)} zones of {ctx.region}")

    if len(ids) > MAX_SUBNETS:
        yield _fail(
            "subnet-count",
            f"{len(ids)} subnets; the API takes at most {MAX_SUBNETS}",
            "give one subnet per Availability Zone",
        )
    elif ids:
        yield _pass("subnet-count", f"{len(ids)} subnets (at most {MAX_SUBNETS})")
    else:
        yield _fail("subnet-count", "no subnets", "apply the module")


def _self_rule(permissions: list[dict[str, Any]], group_id: str) -> bool:
    return any(
        p.get("IpProtocol") == "-1" and any(pair.get("GroupId") == group_id for pair in p.get("UserIdGroupPairs", []))
        for p in permissions
    )


def check_security_groups(ctx: _Context) -> Iterator[CheckResult]:
    name = "security-group-self-rules"
    ids = ctx.outputs.security_group_ids
    if not ids:
        yield _fail(name, "the outputs list no security group", "apply the module")
        return
    groups = ctx.session.client("ec2").describe_security_groups(Filters=[{"Name": "group-id", "Values": ids}])
    by_id = {g["GroupId"]: g for g in groups["SecurityGroups"]}
    problems = []
    for group_id in ids:
        group = by_id.get(group_id)
        if group is None:
            problems.append(f"{group_id} does not exist")
            continue
        lacks = []
        if not _self_rule(group.get("IpPermissions", []), group_id):
            lacks.append("inbound")
        if not _self_rule(group.get("IpPermissionsEgress", []), group_id):
            lacks.append("outbound")
        if lacks:
            problems.append(f"{group_id} lacks the {' and '.join(lacks)} all-traffic rule to itself")
        if group.get("VpcId") != ctx.vpc_id():
            problems.append(f"{group_id} belongs to {group.get('VpcId')}, not {ctx.vpc_id()}")
    if problems:
        yield _fail(
            name,
            "; ".join(problems),
            "allow protocol -1 (all traffic) from and to the group itself; the training cluster's EFA needs both",
        )
    else:
        yield _pass(name, f"{', '.join(ids)} allow all traffic from and to themselves")


def _route_table_of(ctx: _Context, subnet_id: str) -> str | None:
    def load() -> tuple[dict[str, str], str | None]:
        tables = ctx.session.client("ec2").describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [ctx.vpc_id()]}])
        explicit: dict[str, str] = {}
        main: str | None = None
        for table in tables["RouteTables"]:
            for assoc in table.get("Associations", []):
                if assoc.get("Main"):
                    main = table["RouteTableId"]
                elif assoc.get("SubnetId"):
                    explicit[assoc["SubnetId"]] = table["RouteTableId"]
        return explicit, main

    explicit, main = ctx.cached("route_tables", load)
    return explicit.get(subnet_id, main)


def _s3_gateway_endpoint(ctx: _Context) -> dict[str, Any] | None:
    def load() -> dict[str, Any] | None:
        endpoints = ctx.session.client("ec2").describe_vpc_endpoints(
            Filters=[{"Name": "vpc-id", "Values": [ctx.vpc_id()]}]
        )["VpcEndpoints"]
        for endpoint in endpoints:
            gateway = endpoint.get("ServiceName", "").endswith(".s3") and endpoint.get("VpcEndpointType") == "Gateway"
            if gateway and endpoint.get("State", "available").lower() in ("available", "pending"):
                return endpoint
        return None

    return ctx.cached("s3_endpoint", load)


def check_s3_endpoint(ctx: _Context) -> Iterator[CheckResult]:
    endpoint = _s3_gateway_endpoint(ctx)
    if endpoint is None:
        hint = "create an S3 gateway endpoint in the VPC and associate it with the subnets' route tables"
        yield _fail("s3-endpoint-routes", f"no S3 gateway endpoint in {ctx.vpc_id()}", hint)
        yield _skip("s3-endpoint-policy", "no S3 gateway endpoint")
        return
    routed = set(endpoint.get("RouteTableIds", []))
    unrouted = []
    for subnet in ctx.outputs.subnet_ids:
        table = _route_table_of(ctx, subnet)
        if table not in routed:
            unrouted.append(f"{subnet} ({table or 'no route table'})")
    if unrouted:
        yield _fail(
            "s3-endpoint-routes",
            f"{endpoint['VpcEndpointId']} is not routed from {', '.join(unrouted)}",
            "add those route tables to the endpoint's route_table_ids",
        )
    else:
        yield _pass("s3-endpoint-routes", f"{endpoint['VpcEndpointId']} is routed from every subnet's route table")

    document = endpoint.get("PolicyDocument")
    if not document:
        yield _pass("s3-endpoint-policy", "the endpoint has the default full-access policy")
        return
    statements = parse_document(document, source=f"{endpoint['VpcEndpointId']} policy")
    lacking = not_allowed(statements, _s3_needs(ctx))
    if lacking:
        yield _fail(
            "s3-endpoint-policy",
            f"the endpoint policy does not allow {'; '.join(lacking)}",
            f"allow s3:GetObject, s3:ListBucket and s3:PutObject on {ctx.bucket} in the endpoint policy",
        )
    else:
        yield _pass("s3-endpoint-policy", f"the endpoint policy allows the job's access to {ctx.bucket}")


def _s3_needs(ctx: _Context) -> list[tuple[str, str]]:
    needs = [("s3:ListBucket", ctx.s3_arn())]
    for _, uri in ctx.data_uris():
        needs.append(("s3:GetObject", f"arn:{ctx.partition}:s3:::{uri.bucket}/{uri.key}"))
    needs.append(("s3:PutObject", ctx.s3_arn(ctx.output_key())))
    return needs


def check_bucket_region(ctx: _Context) -> Iterator[CheckResult]:
    name = "bucket-region"
    buckets = sorted({ctx.bucket} | {uri.bucket for _, uri in ctx.data_uris()})
    wrong = []
    for bucket in buckets:
        location = ctx.session.client("s3").get_bucket_location(Bucket=bucket).get("LocationConstraint")
        region = {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(location, location)
        if region != ctx.region:
            wrong.append(f"{bucket} is in {region}")
    if wrong:
        yield _fail(
            name,
            f"{'; '.join(wrong)}, the job in {ctx.region}",
            "keep the data in a bucket of the job's region (the module's bucket is)",
        )
    else:
        yield _pass(name, f"{', '.join(buckets)} in {ctx.region}")


def check_data_objects(ctx: _Context) -> Iterator[CheckResult]:
    s3 = ctx.session.client("s3")
    for kind, uri in ctx.data_uris():
        name = f"{kind}-data"
        if uri.bucket != ctx.bucket:
            yield _fail(
                name,
                f"{uri} is not in the module's bucket {ctx.bucket}",
                "upload the data with `bedrock-ft upload` so the role and the endpoint policy cover it",
            )
            continue
        try:
            head = s3.head_object(Bucket=uri.bucket, Key=uri.key)
        except ClientError as exc:
            if str(exc.response.get("Error", {}).get("Code")) in ("404", "NoSuchKey", "NotFound"):
                yield _fail(name, f"{uri} does not exist", "run `bedrock-ft upload OUT` first")
                continue
            raise
        if head.get("ContentLength", 1) == 0:
            yield _fail(name, f"{uri} is empty", "generate the dataset again and upload it")
        else:
            yield _pass(name, f"{uri} exists ({head.get('ContentLength')} bytes)")
    if not ctx.request.validation_data:
        yield _skip("validation-data", "no validation data given")


def _image_locations(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        location = node.get("s3Location")
        if isinstance(location, dict) and "uri" in location:
            yield location
        for value in node.values():
            yield from _image_locations(value)
    elif isinstance(node, list):
        for value in node:
            yield from _image_locations(value)


def check_images(ctx: _Context) -> Iterator[CheckResult]:
    name = "images"
    s3 = ctx.session.client("s3")
    dataset_bucket = ctx.bucket
    keys: set[str] = set()
    problems: list[str] = []
    records = 0
    owner_problems = False
    for kind, uri in ctx.data_uris():
        try:
            body = s3.get_object(Bucket=uri.bucket, Key=uri.key)["Body"]
        except ClientError:
            problems.append(f"cannot read the {kind} data {uri}")
            continue
        for line_number, line in enumerate(body.iter_lines(), start=1):
            if not line.strip():
                problems.append(f"{uri} line {line_number} is blank (Bedrock rejects blank lines)")
                continue
            try:
                record = json.loads(line)
            except (ValueError, RecursionError):
                problems.append(f"{uri} line {line_number} is not JSON")
                continue
            records += 1
            for location in _image_locations(record):
                image = location["uri"]
                if not str(image).startswith("s3://"):
                    problems.append(f"{uri} line {line_number}: {image} is not an s3:// URI")
                    continue
                image_uri = parse_s3_uri(image)
                if image_uri.bucket != dataset_bucket:
                    problems.append(f"{uri} line {line_number}: {image} is in another bucket than {dataset_bucket}")
                    continue
                owner = location.get("bucketOwner")
                if owner is None or not str(owner).strip():
                    problems.append(f"{uri} line {line_number}: {image} has no bucketOwner")
                    owner_problems = True
                elif str(owner) != ctx.account_id:
                    problems.append(
                        f"{uri} line {line_number}: bucketOwner {owner} is not the account {ctx.account_id}"
                    )
                    owner_problems = True
                keys.add(image_uri.key)
        if len(problems) > 20:
            break
    missing = sorted(keys - _existing_keys(ctx, keys)) if keys else []
    problems += [f"s3://{dataset_bucket}/{key} does not exist" for key in missing[:10]]
    if len(missing) > 10:
        problems.append(f"... and {len(missing) - 10} more missing images")
    if problems:
        shown = problems[:5] + ([f"... {len(problems) - 5} more"] if len(problems) > 5 else [])
        hint = "run `bedrock-ft generate` with these Terraform outputs, then `bedrock-ft upload OUT`"
        if owner_problems:
            hint = (
                f"regenerate the records with --bucket-owner {ctx.account_id} (or --tf-outputs / --tf-dir, which "
                "read account_id from the Terraform outputs), then `bedrock-ft upload OUT`"
            )
        yield _fail(name, "; ".join(shown), hint)
    elif not keys:
        yield _pass(name, f"{records} records, none points at an image")
    else:
        yield _pass(name, f"{len(keys)} images referenced by {records} records exist in {dataset_bucket}")


def _existing_keys(ctx: _Context, keys: set[str]) -> set[str]:
    """The keys among ``keys`` that exist: one listing under their common folder instead of a HEAD each."""
    common = _common_folder(keys)
    paginator = ctx.session.client("s3").get_paginator("list_objects_v2")
    found: set[str] = set()
    for page in paginator.paginate(Bucket=ctx.bucket, Prefix=common):
        found.update(obj["Key"] for obj in page.get("Contents", []) if obj["Key"] in keys)
    return found


def _common_folder(keys: set[str]) -> str:
    parts = [k.split("/")[:-1] for k in keys]
    prefix: list[str] = []
    for segment in zip(*parts, strict=False):
        if len(set(segment)) != 1:
            break
        prefix.append(segment[0])
    return "/".join(prefix) + "/" if prefix else ""


def check_role_trust(ctx: _Context) -> Iterator[CheckResult]:
    name = "role-trust"
    role = ctx.role()
    statements = parse_document(role.get("AssumeRolePolicyDocument", {}), source=f"{ctx.role_arn} trust policy")
    trusting = [
        s
        for s in statements
        if s.allows and s.covers_action("sts:AssumeRole") and BEDROCK_SERVICE in s.principals.get("Service", ())
    ]
    if not trusting:
        yield _fail(
            name,
            f"{ctx.role_name()} does not let {BEDROCK_SERVICE} assume it",
            f"add a trust statement: Principal Service {BEDROCK_SERVICE}, Action sts:AssumeRole",
        )
        return
    keys = set().union(*(s.condition_keys() for s in trusting))
    lacking = [k for k in ("aws:SourceAccount", "aws:SourceArn") if k.lower() not in keys]
    if lacking:
        yield _warn(
            name,
            f"{ctx.role_name()} trusts {BEDROCK_SERVICE} without {' and '.join(lacking)}",
            "add aws:SourceAccount = the account and aws:SourceArn like "
            "arn:...:bedrock:REGION:ACCOUNT:model-customization-job/* (confused-deputy guard)",
        )
    else:
        yield _pass(name, f"{ctx.role_name()} trusts {BEDROCK_SERVICE} with aws:SourceAccount and aws:SourceArn")


def _network_needs(ctx: _Context) -> list[tuple[str, str]]:
    eni = ctx.ec2_arn("network-interface/*")
    needs = [(action, "*") for action in NETWORK_DESCRIBE_ACTIONS]
    needs.append(("ec2:CreateNetworkInterface", eni))
    needs += [("ec2:CreateNetworkInterface", ctx.ec2_arn(f"subnet/{s}")) for s in ctx.outputs.subnet_ids]
    needs += [
        ("ec2:CreateNetworkInterface", ctx.ec2_arn(f"security-group/{g}")) for g in ctx.outputs.security_group_ids
    ]
    needs += [(action, eni) for action in NETWORK_INTERFACE_ACTIONS]
    needs.append(("ec2:CreateTags", eni))
    return needs


# The review's rules for the network-interface statements: each reads one identity policy and reports a statement
# that lacks the conditions Bedrock documents (request tags, ec2:Subnet, resource tags, ec2:CreateAction,
# aws:TagKeys) or that opens CreateNetworkInterface to any subnet or security group.
NETWORK_CONDITION_RULES = (create_network_interface, create_tags, network_interface_permissions)


def network_condition_findings(policies: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """One line per network-interface statement wider than the documented one: "POLICY: FINDING"."""
    lines = []
    for policy_name, document in policies:
        doc = PolicyDoc(name=policy_name, kind=Kind.IDENTITY, document=document)
        for rule in NETWORK_CONDITION_RULES:
            lines += [f"{policy_name}: {finding.message}" for finding in rule(doc)]
    return lines


def check_role_network(ctx: _Context) -> Iterator[CheckResult]:
    name = "role-network-interfaces"
    lacking = not_allowed(ctx.role_policy_statements(), _network_needs(ctx))
    if lacking:
        shown = lacking[:4] + ([f"... {len(lacking) - 4} more"] if len(lacking) > 4 else [])
        yield _fail(
            name,
            f"{ctx.role_name()}'s policies do not allow {'; '.join(shown)}",
            "attach the module's data-access policy: Bedrock creates the job's network interfaces with this role",
        )
        return
    wide = network_condition_findings(ctx.role_policies())
    if wide:
        shown = wide[:3] + ([f"... {len(wide) - 3} more"] if len(wide) > 3 else [])
        yield _warn(
            name,
            f"{ctx.role_name()} may manage the job's network interfaces, but more widely than Bedrock documents: "
            + "; ".join(shown),
            "add the conditions of the module's data-access policy (aws:RequestTag/BedrockManaged, "
            "aws:RequestTag/BedrockModelCustomizationJobArn, ec2:Subnet, ec2:ResourceTag/..., ec2:CreateAction, "
            f"aws:TagKeys); `bedrock-ft review --role {ctx.role_name()}` explains each",
        )
    else:
        yield _pass(name, f"{ctx.role_name()} may create, tag and delete the job's network interfaces")


def check_role_s3(ctx: _Context) -> Iterator[CheckResult]:
    name = "role-s3-access"
    lacking = not_allowed(ctx.role_policy_statements(), _s3_needs(ctx))
    if lacking:
        yield _fail(
            name,
            f"{ctx.role_name()}'s policies do not allow {'; '.join(lacking)}",
            f"grant s3:GetObject and s3:ListBucket on the data and s3:PutObject under {ctx.output_prefix}/",
        )
    else:
        yield _pass(name, f"{ctx.role_name()} may read the data and write under {ctx.output_prefix}/")


def check_role_simulation(ctx: _Context) -> Iterator[CheckResult]:
    name = "role-simulation"
    iam = ctx.session.client("iam", probe=True)
    denied = []
    for action, arn in [*_s3_needs(ctx), *_network_needs(ctx)]:
        try:
            response = iam.simulate_principal_policy(
                PolicySourceArn=ctx.role_arn, ActionNames=[action], ResourceArns=[arn]
            )
        except Exception as exc:
            if _is_unsupported(exc):
                yield _skip(name, "the endpoint does not support IAM policy simulation")
                return
            if isinstance(exc, ClientError) and "AccessDenied" in str(exc.response.get("Error", {}).get("Code")):
                yield _skip(
                    name,
                    "your credentials may not call iam:SimulatePrincipalPolicy",
                    "allow it on the role to have preflight simulate the role's access",
                )
                return
            raise
        for evaluation in response.get("EvaluationResults", []):
            if evaluation.get("EvalDecision") != "allowed":
                denied.append(f"{action} on {arn} ({evaluation.get('EvalDecision')})")
    if denied:
        yield _fail(name, "IAM simulation denies " + "; ".join(denied[:4]), "grant those actions to the role")
    else:
        yield _pass(name, "IAM policy simulation allows every action the job needs")


def check_base_model(ctx: _Context) -> Iterator[CheckResult]:
    name = "base-model"
    kind = ctx.request.customization_type
    if kind not in LISTABLE_CUSTOMIZATION_TYPES:
        yield _skip(name, f"cannot list models by customization type {kind}")
        return
    try:
        summaries = ctx.session.client("bedrock", probe=True).list_foundation_models(byCustomizationType=kind)
    except Exception as exc:
        if _is_unsupported(exc):
            yield _base_model_from_table(ctx, name)
            return
        raise
    wanted = model_id_from(ctx.request.base_model)
    ids = {m.get("modelId") for m in summaries.get("modelSummaries", [])} | {
        m.get("modelArn") for m in summaries.get("modelSummaries", [])
    }
    if wanted in ids or ctx.request.base_model in ids:
        yield _pass(name, f"{wanted} supports {kind} in {ctx.region}")
    else:
        yield _fail(
            name,
            f"{wanted} does not support {kind} in {ctx.region}",
            "pick a model `aws bedrock list-foundation-models --by-customization-type "
            f"{kind}` lists, or apply the module in a region that offers it",
        )


def _base_model_from_table(ctx: _Context, name: str) -> CheckResult:
    """The base-model check from bedrock-ft's model table, for an endpoint that cannot list foundation models."""
    kind = ctx.request.customization_type
    try:
        spec = find_model(ctx.request.base_model)
    except BedrockFtError:
        return _skip(
            name,
            f"the endpoint cannot list foundation models, and {ctx.request.base_model} is not in "
            "bedrock-ft's model table",
        )
    if kind in {t.value for t in CustomizationType} and CustomizationType(kind) not in spec.customization_types:
        offered = ", ".join(t.value for t in spec.customization_types)
        return _fail(
            name,
            f"{spec.display_name} does not support {kind} (bedrock-ft's model table: {offered})",
            f"use --customization-type {spec.customization_types[0].value} or another model",
        )
    offered_here = customizable_in(spec, ctx.region)
    if offered_here is None:
        return _skip(
            name,
            f"the endpoint cannot list foundation models, and bedrock-ft's model table does not say "
            f"where {spec.display_name} can be customized",
        )
    regions = ", ".join(spec.regions)
    if not offered_here:
        return _fail(
            name,
            f"{spec.display_name} ({model_id_from(ctx.request.base_model)}) cannot be customized in "
            f"{ctx.region}, the Terraform outputs' region: bedrock-ft's model table offers it in "
            f"{regions} (the endpoint cannot list foundation models to say otherwise)",
            f"apply the module in {spec.regions[0]} and use its outputs, or pick a model customizable in {ctx.region}",
        )
    return _pass(
        name,
        f"{spec.display_name} can be customized in {ctx.region} (bedrock-ft's model table; the "
        "endpoint cannot list foundation models)",
    )


# Reading the uploaded data back: how much, at most.
READ_BACK_BYTES = 1024 * 1024  # of the training file, from its start
READ_BACK_RECORDS = 200
MANIFEST_NAME = "manifest.json"
MANIFEST_BYTES = 4 * 1024 * 1024


def record_format_of(record: Any) -> RecordFormat | None:
    """The record format one JSONL record is written in, from its keys and shapes; None when it is none of them."""
    if not isinstance(record, dict):
        return None
    messages = record.get("messages")
    if isinstance(messages, list):
        blocks = any(isinstance(m, dict) and isinstance(m.get("content"), list) for m in messages)
        if "schemaVersion" in record or blocks or isinstance(record.get("system"), list):
            return RecordFormat.CONVERSATION
        return RecordFormat.CLAUDE_MESSAGES
    if "prompt" in record and "completion" in record:
        return RecordFormat.PROMPT_COMPLETION
    if "input" in record:
        return RecordFormat.PRETRAINING
    return None


def media_of(record: Any) -> set[str]:
    """The kinds of media ("image", "video") a conversation record's content blocks hold."""
    found: set[str] = set()
    messages = record.get("messages") if isinstance(record, dict) else None
    for message in messages if isinstance(messages, list) else []:
        content = message.get("content") if isinstance(message, dict) else None
        for block in content if isinstance(content, list) else []:
            if isinstance(block, dict):
                found.update(kind for kind in ("image", "video") if kind in block)
    return found


def _read_head(s3: Any, bucket: str, key: str, limit: int) -> tuple[bytes, bool]:
    """The first ``limit`` bytes of an object, and whether there is more."""
    response = s3.get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{limit - 1}")
    data = response["Body"].read(limit + 1)[:limit]
    total = str(response.get("ContentRange", "")).rpartition("/")[2]
    more = total.isdigit() and int(total) > len(data)
    return data, more


def _first_records(s3: Any, uri: S3Uri) -> list[Any]:
    data, more = _read_head(s3, uri.bucket, uri.key, READ_BACK_BYTES)
    lines = data.split(b"\n")
    if more:
        lines = lines[:-1]  # cut by the byte bound
    records = []
    for line in lines:
        if len(records) >= READ_BACK_RECORDS:
            break
        if not line.strip():
            continue
        try:
            records.append(json.loads(line.decode("utf-8")))
        except (ValueError, RecursionError):
            continue  # the images check names lines that are not JSON
    return records


def _manifest_beside(s3: Any, uri: S3Uri) -> tuple[dict[str, Any] | None, str | None]:
    """(manifest.json beside the training file, or None; a problem reading it, or None)."""
    folder = uri.key.rpartition("/")[0]
    key = f"{folder}/{MANIFEST_NAME}" if folder else MANIFEST_NAME
    try:
        data, more = _read_head(s3, uri.bucket, key, MANIFEST_BYTES)
    except ClientError as exc:
        if str(exc.response.get("Error", {}).get("Code")) in ("404", "NoSuchKey", "NotFound", "InvalidRange"):
            return None, None
        raise
    where = f"s3://{uri.bucket}/{key}"
    if more:
        return None, f"{where} is larger than {MANIFEST_BYTES} bytes"
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):
        return None, f"{where} is not JSON"
    if not isinstance(manifest, dict):
        return None, f"{where} is not a JSON object"
    return manifest, None


def check_data_fits_model(ctx: _Context) -> Iterator[CheckResult]:
    """The uploaded training data, read back (its first records and the manifest beside it), fits the base model:
    its record format is the one the model takes for this customization type, and it holds no media the model cannot
    take (images for a text-only model, video for a model without video, both kinds in one dataset)."""
    name = "data-fits-model"
    try:
        spec = find_model(ctx.request.base_model)
    except BedrockFtError:
        yield _skip(name, f"{ctx.request.base_model} is not in bedrock-ft's model table")
        return
    kind = ctx.request.customization_type
    if kind not in {t.value for t in CustomizationType}:
        yield _skip(name, f"bedrock-ft's model table has no record format for {kind}")
        return
    expected = spec.record_format(kind)
    uri = ctx.data_uris()[0][1]
    if uri.bucket != ctx.bucket:
        yield _skip(name, f"{uri} is not in the module's bucket (see training-data)")
        return
    s3 = ctx.session.client("s3")
    try:
        records = _first_records(s3, uri)
    except ClientError:
        yield _skip(name, f"cannot read {uri} back (see training-data)")
        return
    manifest, manifest_problem = _manifest_beside(s3, uri)
    problems: list[str] = []
    if manifest_problem:
        problems.append(manifest_problem)
    media: set[str] = set()
    if manifest is not None:
        problems += _manifest_problems(manifest, spec, expected)
        counts = manifest.get("counts")
        if isinstance(counts, dict) and isinstance(counts.get("images"), int) and counts["images"] > 0:
            media.add("image")
    formats = Counter(record_format_of(r) for r in records)
    wrong = {f: n for f, n in formats.items() if f is not expected}
    if wrong:
        shown = ", ".join(f"{n} in {f.value if f else 'no known format'}" for f, n in wrong.items())
        problems.append(
            f"of the first {len(records)} records of {uri}, {shown}; {spec.display_name} takes "
            f"{expected.value} for {kind}"
        )
    for record in records:
        media |= media_of(record)
    if "image" in media and not accepts_images(spec):
        problems.append(f"the data holds images, and {spec.display_name} takes no images")
    if "video" in media and not accepts_video(spec):
        problems.append(f"the data holds video, and {spec.display_name} takes no video")
    if media == {"image", "video"}:
        problems.append("the data holds both images and video: a dataset holds one kind of media")
    if problems:
        yield _fail(
            name,
            "; ".join(problems),
            f"generate the dataset for {ctx.request.base_model} (`bedrock-ft generate --base-model "
            f"{ctx.request.base_model}`), upload it, and submit that; or submit with the base model the data "
            "was generated for",
        )
        return
    described = f"{len(records)} records read back in {expected.value}"
    yield _pass(
        name,
        described
        + (f" with {', '.join(sorted(media))}" if media else ", no media")
        + f"; {spec.display_name} takes them"
        + ("; manifest agrees" if manifest is not None else ""),
    )


def _manifest_problems(manifest: dict[str, Any], spec: ModelSpec, expected: RecordFormat) -> list[str]:
    problems = []
    generated_for = manifest.get("base_model")
    if isinstance(generated_for, str) and generated_for:
        try:
            family = find_model(generated_for).family
        except BedrockFtError:
            family = None
        if family != spec.family:
            problems.append(
                f"the manifest says the data was generated for {generated_for}, not a {spec.display_name} model"
            )
    record_format = manifest.get("record_format")
    if isinstance(record_format, str) and record_format and record_format != expected.value:
        problems.append(
            f"the manifest says the records are {record_format}; {spec.display_name} takes {expected.value}"
        )
    return problems


def check_hyperparameters(ctx: _Context) -> Iterator[CheckResult]:
    name = "hyperparameters"
    try:
        spec = find_model(ctx.request.base_model)
    except BedrockFtError:
        yield _warn(
            name,
            f"{ctx.request.base_model} is not in bedrock-ft's model table, so its ranges are unknown",
            "check the values against the model's page in the Bedrock user guide",
        )
        return
    problems = spec.check_hyperparameters(dict(ctx.request.hyperparameters))
    if ctx.request.customization_type not in [str(t) for t in spec.customization_types]:
        problems.append(f"{spec.display_name} does not support {ctx.request.customization_type}")
    if problems:
        yield _fail(name, "; ".join(problems), "change the --hp values to lie within the model's ranges")
    else:
        values = ", ".join(f"{k}={v}" for k, v in sorted(ctx.request.hyperparameters.items())) or "defaults"
        yield _pass(name, f"{values} within {spec.display_name}'s ranges")


def check_kms_key(ctx: _Context) -> Iterator[CheckResult]:
    name = "kms-key"
    key_arn = ctx.outputs.kms_key_arn
    if not key_arn:
        yield _skip(name, "no KMS key in the outputs (S3-managed encryption)")
        return
    kms = ctx.session.client("kms")
    try:
        metadata = kms.describe_key(KeyId=key_arn)["KeyMetadata"]
    except ClientError as exc:
        yield _fail(
            name, f"cannot describe {key_arn}: {_error_text(exc)}", "check kms_key_arn and your kms:DescribeKey"
        )
        return
    if not metadata.get("Enabled") or metadata.get("KeyState", "Enabled") != "Enabled":
        yield _fail(
            name, f"{key_arn} is {metadata.get('KeyState', 'disabled')}", "enable the key or cancel its deletion"
        )
        return
    try:
        policy = kms.get_key_policy(KeyId=key_arn, PolicyName="default")["Policy"]
    except ClientError as exc:
        yield _warn(
            name, f"{key_arn} is enabled; its key policy is unreadable ({_error_text(exc)})", "check it by hand"
        )
        return
    statements = parse_document(policy, source=f"{key_arn} key policy")
    root = f"arn:{ctx.partition}:iam::{ctx.account_id}:root"
    named = [s for s in statements if s.allows and (ctx.role_arn in s.principals.get("AWS", ()))]
    lacking = [a for a in KMS_KEY_ACTIONS if not any(s.covers_action(a) for s in named)]
    if not lacking:
        yield _pass(name, f"{key_arn} is enabled and its policy lets the role use it")
        return
    delegates = any(
        s.allows and (root in s.principals.get("AWS", ()) or ctx.account_id in s.principals.get("AWS", ()))
        for s in statements
    )
    if delegates:
        role_statements = ctx.role_policy_statements()
        role_lacking = [a for a in lacking if not allowed(role_statements, a, key_arn)]
        if not role_lacking:
            yield _pass(name, f"{key_arn} is enabled; the role's IAM policies grant its use")
            return
        lacking = role_lacking
    yield _fail(
        name,
        f"{key_arn} is enabled but the role may not {', '.join(lacking)}",
        "let the role use the key in its key policy (kms:ViaService bedrock.REGION.amazonaws.com)",
    )


CHECKS: tuple[tuple[str, Check], ...] = (
    ("subnets-exist", check_subnets),
    ("security-group-self-rules", check_security_groups),
    ("s3-endpoint-routes", check_s3_endpoint),
    ("bucket-region", check_bucket_region),
    ("training-data", check_data_objects),
    ("images", check_images),
    ("data-fits-model", check_data_fits_model),
    ("role-trust", check_role_trust),
    ("role-network-interfaces", check_role_network),
    ("role-s3-access", check_role_s3),
    ("role-simulation", check_role_simulation),
    ("base-model", check_base_model),
    ("hyperparameters", check_hyperparameters),
    ("kms-key", check_kms_key),
)


def run_preflight(
    outputs: TerraformOutputs,
    request: PreflightRequest,
    session: AwsSession,
    *,
    on_result: Callable[[CheckResult], None] | None = None,
) -> PreflightReport:
    """Run every check; a check that raises becomes a failure (or a skip when the endpoint lacks its API)."""
    outputs.require("region", "account_id", "vpc_id", "subnet_ids", "security_group_ids", "bucket_name", "role_arn")
    # Parse the data URIs up front: a malformed one is a usage error, not a failed check.
    parse_s3_uri(request.training_data, what="--training-data")
    if request.validation_data:
        parse_s3_uri(request.validation_data, what="--validation-data")
    ctx = _Context(outputs, request, session)
    report = PreflightReport()
    for first_name, check in CHECKS:
        try:
            produced = list(check(ctx))
        except Exception as exc:
            if isinstance(exc, BedrockFtError):
                produced = [_fail(first_name, exc.message, exc.hint or "see the message")]
            elif _is_unsupported(exc):
                produced = [_skip(first_name, f"the endpoint does not support a call this check needs ({exc})")]
            elif isinstance(exc, ClientError | BotoCoreError):
                produced = [_fail(first_name, _error_text(exc), "your credentials need read access to this resource")]
            else:
                raise
        for result in produced:
            report.results.append(result)
            if on_result:
                on_result(result)
    return report
