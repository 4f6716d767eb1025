"""The Terraform module's policy documents as Python: statement for statement, with the same Sids.

Each function mirrors one ``data "aws_iam_policy_document"`` of the module (the file is named in its docstring),
takes the values the HCL reads from variables and data sources, and returns the JSON document. The sandbox
creates its resources with these documents, the review tool imports them, and
tests/sandbox/test_sandbox_matches_module.py compares them with the HCL, so a change on one side fails the test
until the other side follows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

VERSION = "2012-10-17"

NETWORK_DESCRIBE_ACTIONS = [
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeVpcs",
    "ec2:DescribeDhcpOptions",
    "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
]
KEY_USE_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:CreateGrant"]


def _document(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": VERSION, "Statement": list(statements)}


def job_arns(partition: str, region: str, account_id: str) -> str:
    """modules/access/locals.tf ``local.job_arns``."""
    return f"arn:{partition}:bedrock:{region}:{account_id}:model-customization-job/*"


def network_interface_arns(partition: str, region: str, account_id: str) -> str:
    """modules/access/locals.tf ``local.network_interface_arns``."""
    return f"arn:{partition}:ec2:{region}:{account_id}:network-interface/*"


def trust_policy(*, partition: str, region: str, account_id: str) -> dict[str, Any]:
    """modules/access/trust_policy.tf ``data.aws_iam_policy_document.trust``."""
    return _document(
        {
            "Sid": "BedrockCustomizationJobsOfThisAccountAndRegionOnly",
            "Effect": "Allow",
            "Action": ["sts:AssumeRole"],
            "Principal": {"Service": ["bedrock.amazonaws.com"]},
            "Condition": {
                "StringEquals": {"aws:SourceAccount": [account_id]},
                "ArnLike": {"aws:SourceArn": [job_arns(partition, region, account_id)]},
            },
        }
    )


def data_access_policy(
    *,
    partition: str,
    region: str,
    account_id: str,
    dns_suffix: str,
    bucket_arn: str,
    output_prefix: str,
    subnet_arns: Sequence[str],
    security_group_arns: Sequence[str],
    kms_key_arn: str | None,
) -> dict[str, Any]:
    """modules/access/data_access_policy.tf ``data.aws_iam_policy_document.data_access``."""
    jobs = job_arns(partition, region, account_id)
    enis = network_interface_arns(partition, region, account_id)
    statements: list[dict[str, Any]] = [
        {
            "Sid": "ReadTrainingAndValidationData",
            "Effect": "Allow",
            "Action": ["s3:GetObject"],
            "Resource": [f"{bucket_arn}/*"],
        },
        {"Sid": "ListTheDataBucket", "Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": [bucket_arn]},
        {
            "Sid": "WriteJobOutputUnderTheOutputPrefixOnly",
            "Effect": "Allow",
            "Action": ["s3:PutObject"],
            "Resource": [f"{bucket_arn}/{output_prefix}/*"],
        },
    ]
    if kms_key_arn:  # the HCL's dynamic statement, for_each = var.use_kms ? [var.kms_key_arn] : []
        statements.append(
            {
                "Sid": "UseTheBucketKeyThroughS3AndBedrockOnly",
                "Effect": "Allow",
                "Action": list(KEY_USE_ACTIONS),
                "Resource": [kms_key_arn],
                "Condition": {
                    "StringEquals": {"kms:ViaService": [f"s3.{region}.{dns_suffix}", f"bedrock.{region}.{dns_suffix}"]}
                },
            }
        )
    statements += [
        {
            "Sid": "DescribeTheVpcConfiguration",
            "Effect": "Allow",
            "Action": list(NETWORK_DESCRIBE_ACTIONS),
            "Resource": ["*"],
        },
        {
            "Sid": "CreateOnlyTaggedJobNetworkInterfaces",
            "Effect": "Allow",
            "Action": ["ec2:CreateNetworkInterface"],
            "Resource": [enis],
            "Condition": {
                "StringEquals": {"aws:RequestTag/BedrockManaged": ["true"]},
                "ArnEquals": {"aws:RequestTag/BedrockModelCustomizationJobArn": [jobs]},
            },
        },
        {
            "Sid": "CreateNetworkInterfacesInTheModuleSubnetsAndSecurityGroupOnly",
            "Effect": "Allow",
            "Action": ["ec2:CreateNetworkInterface"],
            "Resource": [*subnet_arns, *security_group_arns],
        },
        {
            "Sid": "ManageOnlyJobNetworkInterfacesInTheModuleSubnets",
            "Effect": "Allow",
            "Action": [
                "ec2:CreateNetworkInterfacePermission",
                "ec2:DeleteNetworkInterface",
                "ec2:DeleteNetworkInterfacePermission",
            ],
            "Resource": ["*"],
            "Condition": {
                "ArnEquals": {
                    "ec2:Subnet": list(subnet_arns),
                    "ec2:ResourceTag/BedrockModelCustomizationJobArn": [jobs],
                },
                "StringEquals": {"ec2:ResourceTag/BedrockManaged": ["true"]},
            },
        },
        {
            "Sid": "TagJobNetworkInterfacesAtCreationOnly",
            "Effect": "Allow",
            "Action": ["ec2:CreateTags"],
            "Resource": [enis],
            "Condition": {
                "StringEquals": {"ec2:CreateAction": ["CreateNetworkInterface"]},
                "ForAllValues:StringEquals": {"aws:TagKeys": ["BedrockManaged", "BedrockModelCustomizationJobArn"]},
            },
        },
    ]
    return _document(*statements)


def endpoint_policy(*, account_id: str, bucket_arn: str) -> dict[str, Any]:
    """modules/network/endpoints.tf ``data.aws_iam_policy_document.s3_endpoint``."""
    return _document(
        {
            "Sid": "ReadAndWriteTheDataBucketOnly",
            "Effect": "Allow",
            "Action": [
                "s3:GetObject",
                "s3:PutObject",
                "s3:ListBucket",
                "s3:GetBucketLocation",
                "s3:AbortMultipartUpload",
            ],
            "Resource": [bucket_arn, f"{bucket_arn}/*"],
            "Principal": {"AWS": ["*"]},
            "Condition": {"StringEquals": {"aws:PrincipalAccount": [account_id]}},
        }
    )


def bucket_policy(*, bucket_arn: str, s3_endpoint_id: str | None = None) -> dict[str, Any]:
    """modules/storage/bucket_policy.tf ``data.aws_iam_policy_document.bucket``.

    ``s3_endpoint_id`` set is the module's ``vpc_only_access = true``.
    """
    statements: list[dict[str, Any]] = [
        {
            "Sid": "DenyRequestsNotOverTls",
            "Effect": "Deny",
            "Action": ["s3:*"],
            "Resource": [bucket_arn, f"{bucket_arn}/*"],
            "Principal": "*",
            "Condition": {"Bool": {"aws:SecureTransport": ["false"]}},
        }
    ]
    if s3_endpoint_id:
        statements.append(
            {
                "Sid": "DenyObjectAccessFromOutsideTheVpcEndpoint",
                "Effect": "Deny",
                "Action": [
                    "s3:GetObject",
                    "s3:GetObjectVersion",
                    "s3:PutObject",
                    "s3:DeleteObject",
                    "s3:DeleteObjectVersion",
                ],
                "Resource": [f"{bucket_arn}/*"],
                "Principal": "*",
                "Condition": {"StringNotEquals": {"aws:SourceVpce": [s3_endpoint_id]}},
            }
        )
    return _document(*statements)


def kms_key_policy(
    *,
    partition: str,
    region: str,
    account_id: str,
    dns_suffix: str,
    service_role_arn: str,
    flow_log_group_name: str | None = None,
) -> dict[str, Any]:
    """modules/storage/key_policy.tf ``data.aws_iam_policy_document.kms_key``."""
    statements: list[dict[str, Any]] = [
        {
            "Sid": "AccountAdministersTheKeyAndEnablesIamPolicies",
            "Effect": "Allow",
            "Action": ["kms:*"],
            "Resource": ["*"],
            "Principal": {"AWS": [f"arn:{partition}:iam::{account_id}:root"]},
        },
        {
            "Sid": "ServiceRoleUsesTheKeyThroughBedrockAndS3Only",
            "Effect": "Allow",
            "Action": list(KEY_USE_ACTIONS),
            "Resource": ["*"],
            "Principal": {"AWS": [service_role_arn]},
            "Condition": {
                "StringEquals": {"kms:ViaService": [f"bedrock.{region}.{dns_suffix}", f"s3.{region}.{dns_suffix}"]}
            },
        },
    ]
    if flow_log_group_name:
        statements.append(
            {
                "Sid": "CloudWatchLogsEncryptsTheFlowLogGroupOnly",
                "Effect": "Allow",
                "Action": [
                    "kms:Encrypt",
                    "kms:Decrypt",
                    "kms:ReEncryptFrom",
                    "kms:ReEncryptTo",
                    "kms:GenerateDataKey",
                    "kms:GenerateDataKeyWithoutPlaintext",
                    "kms:DescribeKey",
                ],
                "Resource": ["*"],
                "Principal": {"Service": [f"logs.{region}.{dns_suffix}"]},
                "Condition": {
                    "ArnEquals": {
                        "kms:EncryptionContext:aws:logs:arn": [
                            f"arn:{partition}:logs:{region}:{account_id}:log-group:{flow_log_group_name}"
                        ]
                    }
                },
            }
        )
    return _document(*statements)


def flow_logs_trust_policy(*, partition: str, region: str, account_id: str) -> dict[str, Any]:
    """modules/network/flow_logs.tf ``data.aws_iam_policy_document.flow_logs_trust``."""
    return _document(
        {
            "Sid": "VpcFlowLogsServiceForThisAccountOnly",
            "Effect": "Allow",
            "Action": ["sts:AssumeRole"],
            "Principal": {"Service": ["vpc-flow-logs.amazonaws.com"]},
            "Condition": {
                "StringEquals": {"aws:SourceAccount": [account_id]},
                "ArnLike": {"aws:SourceArn": [f"arn:{partition}:ec2:{region}:{account_id}:vpc-flow-log/*"]},
            },
        }
    )


def flow_logs_write_policy(*, partition: str, region: str, account_id: str, log_group_name: str) -> dict[str, Any]:
    """modules/network/flow_logs.tf ``data.aws_iam_policy_document.flow_logs_write``."""
    return _document(
        {
            "Sid": "WriteFlowLogStreamsOfThisLogGroupOnly",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            "Resource": [f"arn:{partition}:logs:{region}:{account_id}:log-group:{log_group_name}:*"],
        }
    )


def operator_policy(
    *,
    partition: str,
    region: str,
    account_id: str,
    dns_suffix: str,
    service_role_arn: str,
    service_role_policy_arns: Sequence[str],
    bucket_arn: str,
    data_prefix: str,
    output_prefix: str,
    kms_key_arn: str | None,
) -> dict[str, Any]:
    """modules/operator/operator_policy.tf ``data.aws_iam_policy_document.operator``."""
    jobs = job_arns(partition, region, account_id)
    custom_models = f"arn:{partition}:bedrock:{region}:{account_id}:custom-model/*"
    foundation_models = f"arn:{partition}:bedrock:{region}::foundation-model/*"
    statements: list[dict[str, Any]] = [
        {
            "Sid": "SubmitCustomizationJobsInThisAccountAndRegion",
            "Effect": "Allow",
            "Action": ["bedrock:CreateModelCustomizationJob"],
            "Resource": [jobs, custom_models, foundation_models],
        },
        {
            "Sid": "FollowAndStopCustomizationJobs",
            "Effect": "Allow",
            "Action": ["bedrock:GetModelCustomizationJob", "bedrock:StopModelCustomizationJob"],
            "Resource": [jobs],
        },
        {
            "Sid": "TagJobsAndCustomModelsAtSubmissionAndReadTheirTags",
            "Effect": "Allow",
            "Action": ["bedrock:TagResource", "bedrock:ListTagsForResource"],
            "Resource": [jobs, custom_models],
        },
        {
            "Sid": "ReadTheCustomModelsJobsProduce",
            "Effect": "Allow",
            "Action": ["bedrock:GetCustomModel"],
            "Resource": [custom_models],
        },
        {
            "Sid": "ReadBaseFoundationModelsOfThisRegion",
            "Effect": "Allow",
            "Action": ["bedrock:GetFoundationModel"],
            "Resource": [foundation_models],
        },
        {
            "Sid": "ListCallsTakeNoResourceLevelPermissions",
            "Effect": "Allow",
            "Action": [
                "bedrock:ListModelCustomizationJobs",
                "bedrock:ListCustomModels",
                "bedrock:ListFoundationModels",
            ],
            "Resource": ["*"],
        },
        {
            "Sid": "PassTheServiceRoleToBedrockOnly",
            "Effect": "Allow",
            "Action": ["iam:PassRole"],
            "Resource": [service_role_arn],
            "Condition": {"StringEquals": {"iam:PassedToService": ["bedrock.amazonaws.com"]}},
        },
        {
            "Sid": "PreflightReadsTheServiceRoleAndItsInlinePolicies",
            "Effect": "Allow",
            "Action": ["iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies"],
            "Resource": [service_role_arn],
        },
        {
            "Sid": "PreflightSimulatesWhatTheServiceRoleMayDo",
            "Effect": "Allow",
            "Action": ["iam:SimulatePrincipalPolicy"],
            "Resource": [service_role_arn],
        },
        {
            "Sid": "PreflightReadsTheServiceRoleManagedPolicies",
            "Effect": "Allow",
            "Action": ["iam:GetPolicy", "iam:GetPolicyVersion"],
            "Resource": list(service_role_policy_arns),
        },
        {
            "Sid": "UploadDatasetsUnderTheDataPrefixOnly",
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"],
            "Resource": [f"{bucket_arn}/{data_prefix}/*"],
        },
        {
            "Sid": "ReadJobOutputUnderTheOutputPrefix",
            "Effect": "Allow",
            "Action": ["s3:GetObject"],
            "Resource": [f"{bucket_arn}/{output_prefix}/*"],
        },
        {
            "Sid": "ListAndLocateTheDataBucket",
            "Effect": "Allow",
            "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
            "Resource": [bucket_arn],
        },
        {
            "Sid": "PreflightDescribesTheNetworkDescribeCallsTakeNoResource",
            "Effect": "Allow",
            "Action": [
                "ec2:DescribeSubnets",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSecurityGroupRules",
                "ec2:DescribeVpcEndpoints",
                "ec2:DescribeRouteTables",
                "ec2:DescribeAvailabilityZones",
                "ec2:DescribeVpcs",
            ],
            "Resource": ["*"],
        },
    ]
    if kms_key_arn:  # the HCL's three dynamic statements, for_each = var.use_kms ? [var.kms_key_arn] : []
        statements += [
            {
                "Sid": "EncryptUploadsAndDecryptDownloadsThroughS3Only",
                "Effect": "Allow",
                "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
                "Resource": [kms_key_arn],
                "Condition": {"StringEquals": {"kms:ViaService": [f"s3.{region}.{dns_suffix}"]}},
            },
            {
                "Sid": "EncryptTheCustomModelWithTheKeyThroughBedrockOnly",
                "Effect": "Allow",
                "Action": ["kms:DescribeKey", "kms:GenerateDataKey", "kms:Decrypt", "kms:CreateGrant"],
                "Resource": [kms_key_arn],
                "Condition": {"StringEquals": {"kms:ViaService": [f"bedrock.{region}.{dns_suffix}"]}},
            },
            {
                "Sid": "PreflightReadsTheBucketKeyAndItsPolicy",
                "Effect": "Allow",
                "Action": ["kms:DescribeKey", "kms:GetKeyPolicy"],
                "Resource": [kms_key_arn],
            },
        ]
    return _document(*statements)
