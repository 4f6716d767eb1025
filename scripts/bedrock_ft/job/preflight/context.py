"""What the checks share: the inputs, the AWS lookups (each made once), and the IAM reasoning on statements."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar, cast

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from bedrock_ft.core.iam_documents import Statement, load_document, parse_document
from bedrock_ft.core.s3_uris import S3Uri, join_key
from bedrock_ft.core.tf_outputs import TerraformOutputs
from bedrock_ft.job.preflight.results import CheckResult
from bedrock_ft.job.requests import PreflightRequest, data_uri
from bedrock_ft.job.session import AwsSession


def is_unsupported(exc: Exception) -> bool:
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


def error_text(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"{getattr(exc, 'operation_name', 'AWS call')}: {error.get('Code', 'Error')}: {error.get('Message', '')}"
    return str(exc)


T = TypeVar("T")


class CheckContext:
    """The inputs and the AWS lookups the checks share, each made once."""

    def __init__(self, session: AwsSession, outputs: TerraformOutputs, request: PreflightRequest) -> None:
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

    def cached(self, key: str, make: Callable[[], T]) -> T:
        """``make()``, called once per context for ``key``."""
        if key not in self._cache:
            self._cache[key] = make()
        return cast(T, self._cache[key])

    # --- EC2 -------------------------------------------------------------------------------------------------
    def subnets(self) -> list[dict[str, Any]]:
        def load() -> list[dict[str, Any]]:
            ec2 = self.session.client("ec2")
            ids = self.outputs.subnet_ids
            if not ids:
                return []
            found: list[dict[str, Any]] = ec2.describe_subnets(Filters=[{"Name": "subnet-id", "Values": ids}])[
                "Subnets"
            ]
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
        def load() -> dict[str, Any]:
            role: dict[str, Any] = self.session.client("iam").get_role(RoleName=self.role_name())["Role"]
            return role

        return self.cached("role", load)

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
        """The data files' URIs (none when the data comes from the invocation logs)."""
        uris = []
        if self.request.training_data:
            uris.append(("training", data_uri(self.request.training_data, "training_data")))
        if self.request.validation_data:
            uris.append(("validation", data_uri(self.request.validation_data, "validation_data")))
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


def s3_needs(ctx: CheckContext) -> list[tuple[str, str]]:
    needs = [("s3:ListBucket", ctx.s3_arn())]
    for _, uri in ctx.data_uris():
        needs.append(("s3:GetObject", f"arn:{ctx.partition}:s3:::{uri.bucket}/{uri.key}"))
    needs.append(("s3:PutObject", ctx.s3_arn(ctx.output_key())))
    return needs


Check = Callable[[CheckContext], Iterator[CheckResult]]
