"""Create, in an emulator, the infrastructure the Terraform module defines, and return its outputs.

The same resources with the same settings: a VPC with a private subnet in every zone of the region, one route
table, the S3 gateway endpoint with the module's policy, the job's security group with the module's rules, the
default security group emptied, the bucket (public access blocked, owner-enforced, versioned, SSE-KMS, lifecycle,
TLS-only policy), a KMS key with the module's key policy, the service role with the module's trust and data-access
documents, and the operator policy. The outputs are those of the module's outputs.tf.
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass
from typing import Any

from bedrock_ft.aws_session import AwsSession
from bedrock_ft.errors import UsageError
from bedrock_ft.sandbox import policies
from bedrock_ft.tf_outputs import DEFAULT_DATA_PREFIX, DEFAULT_OUTPUT_PREFIX

DEFAULT_NAME = "bedrock-ft-sandbox"
DEFAULT_REGION = "us-east-1"
VPC_CIDR = "10.42.0.0/16"
SUBNET_NEWBITS = 4
DATA_PREFIX = DEFAULT_DATA_PREFIX
OUTPUT_PREFIX = DEFAULT_OUTPUT_PREFIX
DNS_SUFFIX = "amazonaws.com"


@dataclass(frozen=True)
class SecurityGroupRule:
    """One rule of the job's security group; ``peer`` is "self" or "s3-prefix-list"."""

    direction: str  # ingress | egress
    ip_protocol: str
    peer: str
    from_port: int | None = None
    to_port: int | None = None


# modules/network/security_group.tf, rule for rule.
SECURITY_GROUP_RULES = (
    SecurityGroupRule("ingress", "-1", "self"),
    SecurityGroupRule("egress", "-1", "self"),
    SecurityGroupRule("egress", "tcp", "s3-prefix-list", 443, 443),
)


def subnet_cidr(vpc_cidr: str, newbits: int, index: int) -> str:
    """Terraform's cidrsubnet(vpc_cidr, newbits, index)."""
    network = ipaddress.ip_network(vpc_cidr)
    return str(list(network.subnets(prefixlen_diff=newbits))[index])


def subnet_number(zone_id: str) -> int:
    """The network number of a zone's subnet, as modules/network/locals.tf derives it: the zone ID's number - 1."""
    match = re.search(r"-az([0-9]+)$", zone_id)
    if match is None:
        raise UsageError(f"zone ID {zone_id!r} does not end in -az<number>: cannot number its subnet")
    return int(match.group(1)) - 1


# The module's precondition message on the flow-log group (modules/network/flow_logs.tf).
FLOW_LOGS_NEED_A_KEY = (
    "flow logs need a KMS key: keep create_kms_key = true, pass kms_key_arn, or set flow_logs_enabled = false"
)


def create_infrastructure(
    session: AwsSession,
    *,
    name: str = DEFAULT_NAME,
    use_kms: bool = True,
    flow_logs: bool = True,
    attach_bucket_policy: bool = False,
) -> dict[str, Any]:
    """Create everything and return the module's outputs as plain values (write them with to_terraform_json).

    The bucket policy (``policies.bucket_policy``, the module's TLS-only Deny) is not attached by default: moto 5.2
    evaluates only StringEquals conditions and treats the Deny's ``Bool aws:SecureTransport`` condition as met, so
    it would refuse every object request. ``attach_bucket_policy=True`` attaches it anyway (for a real endpoint).
    """
    if flow_logs and not use_kms:
        # modules/network/flow_logs.tf refuses the same combination with a precondition.
        raise UsageError(FLOW_LOGS_NEED_A_KEY)
    region = session.region or DEFAULT_REGION
    ec2 = session.client("ec2")
    iam = session.client("iam")
    s3 = session.client("s3")
    kms = session.client("kms")
    account_id = session.client("sts").get_caller_identity()["Account"]
    partition = "aws"
    # Where the policy documents are for: every policy function takes these (the account-wide ones the DNS suffix too).
    scope = {"partition": partition, "region": region, "account_id": account_id}
    scope_dns = {**scope, "dns_suffix": DNS_SUFFIX}
    tags = {"Project": name, "created-by": "bedrock-ft-sandbox"}

    def tag_spec(kind: str, resource_name: str) -> list[dict[str, Any]]:
        pairs = {**tags, "Name": resource_name}
        return [{"ResourceType": kind, "Tags": [{"Key": k, "Value": v} for k, v in pairs.items()]}]

    # --- network: modules/network --------------------------------------------------------------------------
    zone_ids = {
        z["ZoneName"]: z["ZoneId"]
        for z in ec2.describe_availability_zones()["AvailabilityZones"]
        if z.get("State", "available") == "available"
        and z.get("OptInStatus", "opt-in-not-required") == "opt-in-not-required"
    }
    zones = sorted(zone_ids)
    vpc_id = ec2.create_vpc(CidrBlock=VPC_CIDR, TagSpecifications=tag_spec("vpc", f"{name}-vpc"))["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsSupport={"Value": True})
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    subnet_ids = []
    for zone in zones:
        subnet = ec2.create_subnet(
            VpcId=vpc_id,
            AvailabilityZone=zone,
            CidrBlock=subnet_cidr(VPC_CIDR, SUBNET_NEWBITS, subnet_number(zone_ids[zone])),
            TagSpecifications=tag_spec("subnet", f"{name}-private-{zone}"),
        )["Subnet"]
        subnet_ids.append(subnet["SubnetId"])
    route_table_id = ec2.create_route_table(VpcId=vpc_id, TagSpecifications=tag_spec("route-table", f"{name}-private"))[
        "RouteTable"
    ]["RouteTableId"]
    for subnet_id in subnet_ids:
        ec2.associate_route_table(RouteTableId=route_table_id, SubnetId=subnet_id)

    bucket_name = f"{name}-{account_id}-{region}"
    bucket_arn = f"arn:{partition}:s3:::{bucket_name}"
    endpoint = ec2.create_vpc_endpoint(
        VpcId=vpc_id,
        ServiceName=f"com.amazonaws.{region}.s3",
        VpcEndpointType="Gateway",
        RouteTableIds=[route_table_id],
        PolicyDocument=json.dumps(policies.endpoint_policy(account_id=account_id, bucket_arn=bucket_arn)),
        TagSpecifications=tag_spec("vpc-endpoint", f"{name}-s3"),
    )["VpcEndpoint"]
    endpoint_id = endpoint["VpcEndpointId"]
    prefix_list_id = _s3_prefix_list(ec2, region, endpoint)

    group_id = ec2.create_security_group(
        GroupName=f"{name}-bedrock-job",
        Description="Bedrock model customization job: intra-group traffic and HTTPS to S3 through the gateway endpoint",
        VpcId=vpc_id,
        TagSpecifications=tag_spec("security-group", f"{name}-bedrock-job"),
    )["GroupId"]
    _empty_security_group(ec2, group_id)  # Terraform removes AWS's default allow-all egress rule too
    for rule in SECURITY_GROUP_RULES:
        permission: dict[str, Any] = {"IpProtocol": rule.ip_protocol}
        if rule.from_port is not None:
            permission.update(FromPort=rule.from_port, ToPort=rule.to_port)
        if rule.peer == "self":
            permission["UserIdGroupPairs"] = [{"GroupId": group_id, "Description": _rule_description(rule)}]
        else:
            permission["PrefixListIds"] = [{"PrefixListId": prefix_list_id, "Description": _rule_description(rule)}]
        if rule.direction == "ingress":
            ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[permission])
        else:
            ec2.authorize_security_group_egress(GroupId=group_id, IpPermissions=[permission])
    default_group = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"][0]["GroupId"]
    _empty_security_group(ec2, default_group)

    # --- access: modules/access (the role first: the key policy names it) ----------------------------------
    role_name = f"{name}-bedrock-customization"
    role_arn = iam.create_role(
        RoleName=role_name,
        Description=f"Assumed by Amazon Bedrock to run {name}'s model customization jobs in its VPC",
        AssumeRolePolicyDocument=json.dumps(policies.trust_policy(**scope)),
        MaxSessionDuration=3600,
        Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
    )["Role"]["Arn"]

    # --- storage: modules/storage ----------------------------------------------------------------------------
    flow_log_group = f"/aws/vpc-flow-logs/{name}" if flow_logs else None
    kms_key_arn = None
    if use_kms:
        key = kms.create_key(
            Description=f"{name}: Bedrock customization data, job output and flow logs",
            Policy=json.dumps(
                policies.kms_key_policy(**scope_dns, service_role_arn=role_arn, flow_log_group_name=flow_log_group)
            ),
            Tags=[{"TagKey": k, "TagValue": v} for k, v in tags.items()],
        )["KeyMetadata"]
        kms_key_arn = key["Arn"]
        kms.enable_key_rotation(KeyId=key["KeyId"])
        kms.create_alias(AliasName=f"alias/{name}-bedrock-ft", TargetKeyId=key["KeyId"])

    if region == "us-east-1":
        s3.create_bucket(Bucket=bucket_name)
    else:
        s3.create_bucket(Bucket=bucket_name, CreateBucketConfiguration={"LocationConstraint": region})
    s3.put_bucket_tagging(Bucket=bucket_name, Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]})
    s3.put_public_access_block(
        Bucket=bucket_name,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_ownership_controls(
        Bucket=bucket_name, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    )
    s3.put_bucket_versioning(Bucket=bucket_name, VersioningConfiguration={"Status": "Enabled"})
    default_encryption: dict[str, Any] = (
        {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": kms_key_arn} if kms_key_arn else {"SSEAlgorithm": "AES256"}
    )
    s3.put_bucket_encryption(
        Bucket=bucket_name,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": default_encryption, "BucketKeyEnabled": bool(kms_key_arn)}]
        },
    )
    s3.put_bucket_lifecycle_configuration(
        Bucket=bucket_name,
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "expire-noncurrent-versions-and-abort-incomplete-uploads",
                    "Status": "Enabled",
                    "Filter": {},
                    "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
                    "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
                }
            ]
        },
    )
    if attach_bucket_policy:
        s3.put_bucket_policy(Bucket=bucket_name, Policy=json.dumps(policies.bucket_policy(bucket_arn=bucket_arn)))

    # --- access: the data-access policy, now that the key exists ------------------------------------------------
    data_access_arn = iam.create_policy(
        PolicyName=f"{name}-bedrock-customization-data-access",
        Description=(
            f"The data bucket, its KMS key and the VPC network interfaces of {name}'s Bedrock customization jobs"
        ),
        PolicyDocument=json.dumps(
            policies.data_access_policy(
                **scope_dns,
                bucket_arn=bucket_arn,
                output_prefix=OUTPUT_PREFIX,
                subnet_arns=[f"arn:{partition}:ec2:{region}:{account_id}:subnet/{s}" for s in subnet_ids],
                security_group_arns=[f"arn:{partition}:ec2:{region}:{account_id}:security-group/{group_id}"],
                kms_key_arn=kms_key_arn,
            )
        ),
    )["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=role_name, PolicyArn=data_access_arn)

    # --- network: flow logs ------------------------------------------------------------------------------------
    if flow_logs and flow_log_group:
        _create_flow_logs(session, name, vpc_id, flow_log_group, kms_key_arn, scope)

    # --- operator: modules/operator ------------------------------------------------------------------------------
    operator_document = policies.operator_policy(
        **scope_dns,
        service_role_arn=role_arn,
        service_role_policy_arns=[data_access_arn],
        bucket_arn=bucket_arn,
        data_prefix=DATA_PREFIX,
        output_prefix=OUTPUT_PREFIX,
        kms_key_arn=kms_key_arn,
    )
    operator_policy_arn = iam.create_policy(
        PolicyName=f"{name}-bedrock-ft-operator",
        Description=f"What the operator running bedrock-ft needs for {name}'s Bedrock customization jobs",
        PolicyDocument=json.dumps(operator_document),
    )["Policy"]["Arn"]

    return {
        "region": region,
        "account_id": account_id,
        "vpc_id": vpc_id,
        "subnet_ids": subnet_ids,
        "availability_zones": zones,
        "security_group_ids": [group_id],
        "bucket_name": bucket_name,
        "bucket_arn": bucket_arn,
        "role_arn": role_arn,
        "kms_key_arn": kms_key_arn,
        "s3_endpoint_id": endpoint_id,
        "operator_policy_arn": operator_policy_arn,
        "data_prefix": DATA_PREFIX,
        "output_prefix": OUTPUT_PREFIX,
    }


def _rule_description(rule: SecurityGroupRule) -> str:
    if rule.peer == "self":
        way = "from" if rule.direction == "ingress" else "to"
        return f"All protocols {way} members of this group (EFA between training instances)"
    return "HTTPS to Amazon S3 through the gateway endpoint prefix list"


def _s3_prefix_list(ec2: Any, region: str, endpoint: dict[str, Any]) -> str:
    """The S3 prefix list the endpoint routes to (aws_vpc_endpoint.s3.prefix_list_id)."""
    lists = ec2.describe_prefix_lists(Filters=[{"Name": "prefix-list-name", "Values": [f"com.amazonaws.{region}.s3"]}])
    for entry in lists.get("PrefixLists", []):
        return str(entry["PrefixListId"])
    return str(endpoint.get("PrefixListId") or "pl-63a5400a")


def _empty_security_group(ec2: Any, group_id: str) -> None:
    group = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
    if group.get("IpPermissions"):
        ec2.revoke_security_group_ingress(GroupId=group_id, IpPermissions=group["IpPermissions"])
    if group.get("IpPermissionsEgress"):
        ec2.revoke_security_group_egress(GroupId=group_id, IpPermissions=group["IpPermissionsEgress"])


def _create_flow_logs(
    session: AwsSession,
    name: str,
    vpc_id: str,
    log_group: str,
    kms_key_arn: str | None,
    scope: dict[str, str],
) -> None:
    logs = session.client("logs")
    iam = session.client("iam")
    kwargs: dict[str, Any] = {"logGroupName": log_group}
    if kms_key_arn:
        kwargs["kmsKeyId"] = kms_key_arn
    logs.create_log_group(**kwargs)
    logs.put_retention_policy(logGroupName=log_group, retentionInDays=365)
    role_name = f"{name}-vpc-flow-logs"
    role_arn = iam.create_role(
        RoleName=role_name,
        Description=f"Lets VPC Flow Logs write the {name} VPC's flow logs to its log group",
        AssumeRolePolicyDocument=json.dumps(policies.flow_logs_trust_policy(**scope)),
    )["Role"]["Arn"]
    iam.put_role_policy(
        RoleName=role_name,
        PolicyName="write-flow-logs",
        PolicyDocument=json.dumps(policies.flow_logs_write_policy(**scope, log_group_name=log_group)),
    )
    session.client("ec2").create_flow_logs(
        ResourceIds=[vpc_id],
        ResourceType="VPC",
        TrafficType="ALL",
        LogDestinationType="cloud-watch-logs",
        LogGroupName=log_group,
        DeliverLogsPermissionArn=role_arn,
    )
