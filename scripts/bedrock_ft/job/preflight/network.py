"""The network checks: the subnets, the security group's rules, the S3 gateway endpoint, its routes and policy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

from bedrock_ft.core.iam_documents import parse_document
from bedrock_ft.job.preflight.context import (
    CheckContext,
    not_allowed,
    s3_needs,
)
from bedrock_ft.job.preflight.results import CheckResult, failed, passed, skipped

MAX_SUBNETS = 16


def check_subnets(ctx: CheckContext) -> Iterator[CheckResult]:
    ids = ctx.outputs.subnet_ids
    found = ctx.subnets()
    found_ids = {s["SubnetId"] for s in found}
    missing = [i for i in ids if i not in found_ids]
    if not ids:
        yield failed("subnets-exist", "the outputs list no subnets", "apply the module; subnet_ids must not be empty")
    elif missing:
        yield failed(
            "subnets-exist",
            f"{len(missing)} of {len(ids)} subnets do not exist in {ctx.region}: {', '.join(missing)}",
            "run `terraform apply` again, or read the outputs of the right workspace and region",
        )
    else:
        yield passed("subnets-exist", f"{len(ids)} subnets exist")

    vpcs = sorted({s["VpcId"] for s in found})
    if not found:
        yield skipped("subnets-one-vpc", "no subnet to inspect")
    elif len(vpcs) > 1 or vpcs[0] != ctx.vpc_id():
        yield failed(
            "subnets-one-vpc",
            f"the subnets lie in {', '.join(vpcs)}; the outputs' VPC is {ctx.vpc_id()}",
            "list only subnets of the module's VPC",
        )
    else:
        yield passed("subnets-one-vpc", f"all subnets lie in {vpcs[0]}")

    if not found:
        yield skipped("subnets-cover-zones", "no subnet to inspect")
    else:
        zones = ctx.zones()
        covered = {s["AvailabilityZone"] for s in found}
        lacking = [z for z in zones if z not in covered]
        if lacking:
            yield failed(
                "subnets-cover-zones",
                f"no subnet in {', '.join(lacking)} ({len(covered)} of {len(zones)} zones of {ctx.region} covered)",
                "add a subnet in each of those zones (the module does it when availability_zones is left empty)",
            )
        else:
            yield passed("subnets-cover-zones", f"a subnet in each of the {len(zones)} zones of {ctx.region}")

    if len(ids) > MAX_SUBNETS:
        yield failed(
            "subnet-count",
            f"{len(ids)} subnets; the API takes at most {MAX_SUBNETS}",
            "give one subnet per Availability Zone",
        )
    elif ids:
        yield passed("subnet-count", f"{len(ids)} subnets (at most {MAX_SUBNETS})")
    else:
        yield failed("subnet-count", "no subnets", "apply the module")


def _self_rule(permissions: list[dict[str, Any]], group_id: str) -> bool:
    return any(
        p.get("IpProtocol") == "-1" and any(pair.get("GroupId") == group_id for pair in p.get("UserIdGroupPairs", []))
        for p in permissions
    )


def check_security_groups(ctx: CheckContext) -> Iterator[CheckResult]:
    name = "security-group-self-rules"
    ids = ctx.outputs.security_group_ids
    if not ids:
        yield failed(name, "the outputs list no security group", "apply the module")
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
        yield failed(
            name,
            "; ".join(problems),
            "allow protocol -1 (all traffic) from and to the group itself; the training cluster's EFA needs both",
        )
    else:
        yield passed(name, f"{', '.join(ids)} allow all traffic from and to themselves")


def _route_table_of(ctx: CheckContext, subnet_id: str) -> str | None:
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


def _s3_gateway_endpoint(ctx: CheckContext) -> dict[str, Any] | None:
    def load() -> dict[str, Any] | None:
        endpoints = ctx.session.client("ec2").describe_vpc_endpoints(
            Filters=[{"Name": "vpc-id", "Values": [ctx.vpc_id()]}]
        )["VpcEndpoints"]
        for endpoint in endpoints:
            endpoint = cast(dict[str, Any], endpoint)
            gateway = endpoint.get("ServiceName", "").endswith(".s3") and endpoint.get("VpcEndpointType") == "Gateway"
            if gateway and endpoint.get("State", "available").lower() in ("available", "pending"):
                return endpoint
        return None

    return ctx.cached("s3_endpoint", load)


def check_s3_endpoint(ctx: CheckContext) -> Iterator[CheckResult]:
    endpoint = _s3_gateway_endpoint(ctx)
    if endpoint is None:
        hint = "create an S3 gateway endpoint in the VPC and associate it with the subnets' route tables"
        yield failed("s3-endpoint-routes", f"no S3 gateway endpoint in {ctx.vpc_id()}", hint)
        yield skipped("s3-endpoint-policy", "no S3 gateway endpoint")
        return
    routed = set(endpoint.get("RouteTableIds", []))
    unrouted = []
    for subnet in ctx.outputs.subnet_ids:
        table = _route_table_of(ctx, subnet)
        if table not in routed:
            unrouted.append(f"{subnet} ({table or 'no route table'})")
    if unrouted:
        yield failed(
            "s3-endpoint-routes",
            f"{endpoint['VpcEndpointId']} is not routed from {', '.join(unrouted)}",
            "add those route tables to the endpoint's route_table_ids",
        )
    else:
        yield passed("s3-endpoint-routes", f"{endpoint['VpcEndpointId']} is routed from every subnet's route table")

    document = endpoint.get("PolicyDocument")
    if not document:
        yield passed("s3-endpoint-policy", "the endpoint has the default full-access policy")
        return
    statements = parse_document(document, source=f"{endpoint['VpcEndpointId']} policy")
    lacking = not_allowed(statements, s3_needs(ctx))
    if lacking:
        yield failed(
            "s3-endpoint-policy",
            f"the endpoint policy does not allow {'; '.join(lacking)}",
            f"allow s3:GetObject, s3:ListBucket and s3:PutObject on {ctx.bucket} in the endpoint policy",
        )
    else:
        yield passed("s3-endpoint-policy", f"the endpoint policy allows the job's access to {ctx.bucket}")
