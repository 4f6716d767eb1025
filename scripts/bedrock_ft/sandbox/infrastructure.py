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

from bedrock_ft.core.errors import UsageError
from bedrock_ft.core.module_documents import network
from bedrock_ft.core.tf_outputs import DEFAULT_DATA_PREFIX, DEFAULT_OUTPUT_PREFIX
from bedrock_ft.job.session import AwsSession
from bedrock_ft.sandbox import policies

DEFAULT_NAME = "bedrock-ft-sandbox"
DEFAULT_REGION = "us-east-1"
VPC_CIDR = "10.42.0.0/16"
SUBNET_NEWBITS = network().subnet_newbits  # modules/network/variables.tf's default
DATA_PREFIX = DEFAULT_DATA_PREFIX
OUTPUT_PREFIX = DEFAULT_OUTPUT_PREFIX
DNS_SUFFIX = "amazonaws.com"


# modules/network/security_group.tf and runtime_endpoint.tf, rule for rule, rendered from the HCL
# (bedrock_ft.core.module_documents.network()).
SECURITY_GROUP_RULES = network().security_groups["job"]
RUNTIME_ENDPOINT_RULES = network().security_groups["runtime_endpoint"]

BATCH_INFERENCE_INPUT_PREFIX = "batch-input"
BATCH_INFERENCE_OUTPUT_PREFIX = "batch-output"
MODEL_IMPORT_PREFIX = "model-import"


@dataclass(frozen=True)
class Lifecycle:
    """The module's lifecycle switches (variables.tf), all off by default as there."""

    batch_inference: bool = False
    model_import: bool = False
    rft_grader_lambda_arns: tuple[str, ...] = ()
    runtime_endpoint: bool = False
    operator_model_lifecycle: bool = False
    operator_provisioned_throughput_purchase: bool = False


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


# The module's precondition message on the flow-log group (modules/network/flow_logs.tf), rendered from the HCL.
FLOW_LOGS_NEED_A_KEY = network().flow_logs_need_a_key


def create_infrastructure(
    session: AwsSession,
    *,
    name: str = DEFAULT_NAME,
    use_kms: bool = True,
    flow_logs: bool = True,
    attach_bucket_policy: bool = False,
    lifecycle: Lifecycle | None = None,
) -> dict[str, Any]:
    """Create everything and return the module's outputs as plain values (write them with to_terraform_json).

    ``lifecycle`` turns on what the module's lifecycle variables turn on (batch inference, model import, RFT
    graders, the bedrock-runtime endpoint, the operator's after-training policy); off by default, as there.

    The bucket policy (``policies.bucket_policy``, the module's TLS-only Deny) is not attached by default: moto 5.2
    evaluates only StringEquals conditions and treats the Deny's ``Bool aws:SecureTransport`` condition as met, so
    it would refuse every object request. ``attach_bucket_policy=True`` attaches it anyway (for a real endpoint).
    """
    lifecycle = lifecycle or Lifecycle()
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
            permission["UserIdGroupPairs"] = [{"GroupId": group_id, "Description": rule.description}]
        elif rule.peer == "s3-prefix-list":
            permission["PrefixListIds"] = [{"PrefixListId": prefix_list_id, "Description": rule.description}]
        else:
            raise UsageError(f"the sandbox cannot create a {rule.peer} rule in the job's security group")
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
        AssumeRolePolicyDocument=json.dumps(
            policies.trust_policy(
                **scope, batch_inference=lifecycle.batch_inference, model_import=lifecycle.model_import
            )
        ),
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
    subnet_arns = [f"arn:{partition}:ec2:{region}:{account_id}:subnet/{s}" for s in subnet_ids]
    role_policy_arns = [
        data_access_arn,
        *_lifecycle_role_policies(iam, name, role_name, lifecycle, scope, bucket_arn, subnet_arns),
    ]

    # --- network: flow logs ------------------------------------------------------------------------------------
    if flow_logs and flow_log_group:
        _create_flow_logs(session, name, vpc_id, flow_log_group, kms_key_arn, scope)

    # --- operator: modules/operator ------------------------------------------------------------------------------
    operator_document = policies.operator_policy(
        **scope_dns,
        service_role_arn=role_arn,
        service_role_policy_arns=role_policy_arns,
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
    after_training_arn = _after_training_policy(iam, name, lifecycle, scope, bucket_arn)

    runtime_endpoint: dict[str, Any] = {}
    if lifecycle.runtime_endpoint:
        runtime_endpoint = _create_runtime_endpoint(ec2, name, vpc_id, subnet_ids, scope, tag_spec)

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
        # outputs.tf's lifecycle outputs: null (or empty) when their switch is off, as there.
        "batch_inference_input_prefix": BATCH_INFERENCE_INPUT_PREFIX if lifecycle.batch_inference else None,
        "batch_inference_output_prefix": BATCH_INFERENCE_OUTPUT_PREFIX if lifecycle.batch_inference else None,
        "batch_inference_input_s3_uri": (
            f"s3://{bucket_name}/{BATCH_INFERENCE_INPUT_PREFIX}/" if lifecycle.batch_inference else None
        ),
        "batch_inference_output_s3_uri": (
            f"s3://{bucket_name}/{BATCH_INFERENCE_OUTPUT_PREFIX}/" if lifecycle.batch_inference else None
        ),
        "model_import_prefix": MODEL_IMPORT_PREFIX if lifecycle.model_import else None,
        "model_import_s3_uri": f"s3://{bucket_name}/{MODEL_IMPORT_PREFIX}/" if lifecycle.model_import else None,
        # The sandbox builds no evaluation policy: as the module with evaluation_jobs_enabled = false.
        "evaluation_prefix": None,
        "evaluation_s3_uri": None,
        "runtime_endpoint_id": runtime_endpoint.get("id"),
        "runtime_endpoint_dns_names": runtime_endpoint.get("dns_names", []),
        "operator_after_training_policy_arn": after_training_arn,
    }


def _lifecycle_role_policies(
    iam: Any,
    name: str,
    role_name: str,
    lifecycle: Lifecycle,
    scope: dict[str, str],
    bucket_arn: str,
    subnet_arns: list[str],
) -> list[str]:
    """modules/access/batch_inference.tf, model_import.tf, rft_grader.tf: each managed policy that is on, attached."""
    wanted: list[tuple[str, str, dict[str, Any]]] = []
    if lifecycle.batch_inference:
        document = policies.batch_inference_policy(
            **scope,
            bucket_arn=bucket_arn,
            batch_inference_input_prefix=BATCH_INFERENCE_INPUT_PREFIX,
            batch_inference_output_prefix=BATCH_INFERENCE_OUTPUT_PREFIX,
            subnet_arns=subnet_arns,
        )
        wanted.append(
            (
                "batch-inference",
                f"Input and output prefixes and VPC network interfaces of {name}'s Bedrock batch inference jobs",
                document,
            )
        )
    if lifecycle.model_import:
        document = policies.model_import_policy(
            **scope, bucket_arn=bucket_arn, model_import_prefix=MODEL_IMPORT_PREFIX, subnet_arns=subnet_arns
        )
        wanted.append(
            (
                "model-import",
                f"Model files prefix and VPC network interfaces of {name}'s Bedrock model import jobs",
                document,
            )
        )
    if lifecycle.rft_grader_lambda_arns:
        document = policies.rft_grader_policy(rft_grader_lambda_arns=lifecycle.rft_grader_lambda_arns)
        wanted.append(
            (
                "rft-grader",
                f"The grader Lambda functions {name}'s Bedrock reinforcement fine-tuning jobs call",
                document,
            )
        )
    arns = []
    for suffix, description, document in wanted:
        arn = iam.create_policy(
            PolicyName=f"{name}-bedrock-{suffix}", Description=description, PolicyDocument=json.dumps(document)
        )["Policy"]["Arn"]
        iam.attach_role_policy(RoleName=role_name, PolicyArn=arn)
        arns.append(arn)
    return arns


def _after_training_policy(
    iam: Any, name: str, lifecycle: Lifecycle, scope: dict[str, str], bucket_arn: str
) -> str | None:
    """modules/operator/after_training.tf: the operator's second managed policy, when a switch is on."""
    if not (
        lifecycle.operator_model_lifecycle
        or lifecycle.operator_provisioned_throughput_purchase
        or lifecycle.batch_inference
    ):
        return None
    document = policies.after_training_policy(
        **scope,
        bucket_arn=bucket_arn,
        model_lifecycle=lifecycle.operator_model_lifecycle,
        provisioned_throughput_purchase=lifecycle.operator_provisioned_throughput_purchase,
        batch_inference_input_prefix=BATCH_INFERENCE_INPUT_PREFIX if lifecycle.batch_inference else None,
        batch_inference_output_prefix=BATCH_INFERENCE_OUTPUT_PREFIX if lifecycle.batch_inference else None,
    )
    return str(
        iam.create_policy(
            PolicyName=f"{name}-bedrock-ft-operator-after-training",
            Description=(
                f"What the operator running bedrock-ft needs after training: serve, invoke and clean up {name}'s "
                "custom models"
            ),
            PolicyDocument=json.dumps(document),
        )["Policy"]["Arn"]
    )


def _create_runtime_endpoint(
    ec2: Any,
    name: str,
    vpc_id: str,
    subnet_ids: list[str],
    scope: dict[str, str],
    tag_spec: Any,
) -> dict[str, Any]:
    """modules/network/runtime_endpoint.tf: the group (HTTPS from the VPC CIDR only) and the interface endpoint."""
    group_id = ec2.create_security_group(
        GroupName=f"{name}-runtime-endpoint",
        Description="bedrock-runtime interface endpoint: HTTPS in from the VPC CIDR only",
        VpcId=vpc_id,
        TagSpecifications=tag_spec("security-group", f"{name}-runtime-endpoint"),
    )["GroupId"]
    _empty_security_group(ec2, group_id)  # Terraform removes AWS's default allow-all egress rule
    for rule in RUNTIME_ENDPOINT_RULES:
        ec2.authorize_security_group_ingress(
            GroupId=group_id,
            IpPermissions=[
                {
                    "IpProtocol": rule.ip_protocol,
                    "FromPort": rule.from_port,
                    "ToPort": rule.to_port,
                    "IpRanges": [{"CidrIp": VPC_CIDR, "Description": rule.description}],
                }
            ],
        )
    endpoint = ec2.create_vpc_endpoint(
        VpcId=vpc_id,
        ServiceName=f"com.amazonaws.{scope['region']}.bedrock-runtime",
        VpcEndpointType="Interface",
        SubnetIds=subnet_ids,
        SecurityGroupIds=[group_id],
        PrivateDnsEnabled=True,
        PolicyDocument=json.dumps(policies.runtime_endpoint_policy(**scope)),
        TagSpecifications=tag_spec("vpc-endpoint", f"{name}-bedrock-runtime"),
    )["VpcEndpoint"]
    return {
        "id": endpoint["VpcEndpointId"],
        "group_id": group_id,
        "dns_names": [entry["DnsName"] for entry in endpoint.get("DnsEntries", []) if entry.get("DnsName")],
    }


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
