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


def _bedrock_trust(sid: str, account_id: str, source_arns: str) -> dict[str, Any]:
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Action": ["sts:AssumeRole"],
        "Principal": {"Service": ["bedrock.amazonaws.com"]},
        "Condition": {
            "StringEquals": {"aws:SourceAccount": [account_id]},
            "ArnLike": {"aws:SourceArn": [source_arns]},
        },
    }


def trust_policy(
    *, partition: str, region: str, account_id: str, batch_inference: bool = False, model_import: bool = False
) -> dict[str, Any]:
    """modules/access/trust_policy.tf ``data.aws_iam_policy_document.trust``, with the documents its
    ``source_policy_documents`` merge in when batch inference or model import is on."""
    statements = [
        _bedrock_trust(
            "BedrockCustomizationJobsOfThisAccountAndRegionOnly", account_id, job_arns(partition, region, account_id)
        )
    ]
    if batch_inference:
        statements += batch_inference_trust_policy(partition=partition, region=region, account_id=account_id)[
            "Statement"
        ]
    if model_import:
        statements += model_import_trust_policy(partition=partition, region=region, account_id=account_id)["Statement"]
    return _document(*statements)


def batch_inference_job_arns(partition: str, region: str, account_id: str) -> str:
    """modules/access/batch_inference.tf ``local.batch_inference_job_arns``."""
    return f"arn:{partition}:bedrock:{region}:{account_id}:model-invocation-job/*"


def model_import_job_arns(partition: str, region: str, account_id: str) -> str:
    """modules/access/model_import.tf ``local.model_import_job_arns``."""
    return f"arn:{partition}:bedrock:{region}:{account_id}:model-import-job/*"


def batch_inference_trust_policy(*, partition: str, region: str, account_id: str) -> dict[str, Any]:
    """modules/access/batch_inference.tf ``data.aws_iam_policy_document.batch_inference_trust``."""
    return _document(
        _bedrock_trust(
            "BedrockBatchInferenceJobsOfThisAccountAndRegionOnly",
            account_id,
            batch_inference_job_arns(partition, region, account_id),
        )
    )


def model_import_trust_policy(*, partition: str, region: str, account_id: str) -> dict[str, Any]:
    """modules/access/model_import.tf ``data.aws_iam_policy_document.model_import_trust``."""
    return _document(
        _bedrock_trust(
            "BedrockModelImportJobsOfThisAccountAndRegionOnly",
            account_id,
            model_import_job_arns(partition, region, account_id),
        )
    )


def _job_network_interface_statements(
    kind: str, tag_key: str, jobs: str, enis: str, subnet_arns: Sequence[str]
) -> list[dict[str, Any]]:
    """The three conditioned network-interface statements of data_access_policy.tf, for another kind of job."""
    return [
        {
            "Sid": f"CreateOnlyTagged{kind}NetworkInterfaces",
            "Effect": "Allow",
            "Action": ["ec2:CreateNetworkInterface"],
            "Resource": [enis],
            "Condition": {
                "StringEquals": {"aws:RequestTag/BedrockManaged": ["true"]},
                "ArnEquals": {f"aws:RequestTag/{tag_key}": [jobs]},
            },
        },
        {
            "Sid": f"ManageOnly{kind}NetworkInterfacesInTheModuleSubnets",
            "Effect": "Allow",
            "Action": [
                "ec2:CreateNetworkInterfacePermission",
                "ec2:DeleteNetworkInterface",
                "ec2:DeleteNetworkInterfacePermission",
            ],
            "Resource": ["*"],
            "Condition": {
                "ArnEquals": {"ec2:Subnet": list(subnet_arns), f"ec2:ResourceTag/{tag_key}": [jobs]},
                "StringEquals": {"ec2:ResourceTag/BedrockManaged": ["true"]},
            },
        },
        {
            "Sid": f"Tag{kind}NetworkInterfacesAtCreationOnly",
            "Effect": "Allow",
            "Action": ["ec2:CreateTags"],
            "Resource": [enis],
            "Condition": {
                "StringEquals": {"ec2:CreateAction": ["CreateNetworkInterface"]},
                "ForAllValues:StringEquals": {"aws:TagKeys": ["BedrockManaged", tag_key]},
            },
        },
    ]


def batch_inference_policy(
    *,
    partition: str,
    region: str,
    account_id: str,
    bucket_arn: str,
    batch_inference_input_prefix: str,
    batch_inference_output_prefix: str,
    subnet_arns: Sequence[str],
) -> dict[str, Any]:
    """modules/access/batch_inference.tf ``data.aws_iam_policy_document.batch_inference``."""
    return _document(
        {
            "Sid": "ReadBatchInferenceInputUnderItsPrefix",
            "Effect": "Allow",
            "Action": ["s3:GetObject"],
            "Resource": [f"{bucket_arn}/{batch_inference_input_prefix}/*"],
        },
        {
            "Sid": "WriteBatchInferenceOutputUnderItsPrefixOnly",
            "Effect": "Allow",
            "Action": ["s3:PutObject"],
            "Resource": [f"{bucket_arn}/{batch_inference_output_prefix}/*"],
        },
        *_job_network_interface_statements(
            "BatchInference",
            "BedrockModelInvocationJobArn",
            batch_inference_job_arns(partition, region, account_id),
            network_interface_arns(partition, region, account_id),
            subnet_arns,
        ),
    )


def model_import_policy(
    *,
    partition: str,
    region: str,
    account_id: str,
    bucket_arn: str,
    model_import_prefix: str,
    subnet_arns: Sequence[str],
) -> dict[str, Any]:
    """modules/access/model_import.tf ``data.aws_iam_policy_document.model_import``."""
    return _document(
        {
            "Sid": "ReadModelImportFilesUnderItsPrefix",
            "Effect": "Allow",
            "Action": ["s3:GetObject"],
            "Resource": [f"{bucket_arn}/{model_import_prefix}/*"],
        },
        *_job_network_interface_statements(
            "ModelImport",
            "BedrockModelImportJobArn",
            model_import_job_arns(partition, region, account_id),
            network_interface_arns(partition, region, account_id),
            subnet_arns,
        ),
    )


def rft_grader_policy(*, rft_grader_lambda_arns: Sequence[str]) -> dict[str, Any]:
    """modules/access/rft_grader.tf ``data.aws_iam_policy_document.rft_grader``."""
    return _document(
        {
            "Sid": "InvokeOnlyTheListedRftGraderFunctions",
            "Effect": "Allow",
            "Action": ["lambda:InvokeFunction"],
            "Resource": list(rft_grader_lambda_arns),
        }
    )


def _tuned_model_arns(partition: str, region: str, account_id: str) -> dict[str, str]:
    base = f"arn:{partition}:bedrock:{region}:{account_id}"
    return {
        "deployments": f"{base}:custom-model-deployment/*",
        "provisioned": f"{base}:provisioned-model/*",
        "custom_models": f"{base}:custom-model/*",
    }


def runtime_endpoint_policy(*, partition: str, region: str, account_id: str) -> dict[str, Any]:
    """modules/network/runtime_endpoint.tf ``data.aws_iam_policy_document.runtime_endpoint``."""
    arns = _tuned_model_arns(partition, region, account_id)
    return _document(
        {
            "Sid": "InvokeThisAccountsCustomModelsOnlyForThisAccount",
            "Effect": "Allow",
            "Action": ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
            "Resource": [arns["deployments"], arns["provisioned"], arns["custom_models"]],
            "Principal": {"AWS": ["*"]},
            "Condition": {"StringEquals": {"aws:PrincipalAccount": [account_id]}},
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


def after_training_policy(
    *,
    partition: str,
    region: str,
    account_id: str,
    bucket_arn: str,
    model_lifecycle: bool = False,
    provisioned_throughput_purchase: bool = False,
    batch_inference_input_prefix: str | None = None,
    batch_inference_output_prefix: str | None = None,
) -> dict[str, Any]:
    """modules/operator/after_training.tf ``data.aws_iam_policy_document.after_training`` (the operator's second
    managed policy): its dynamic statements, each present when its switch is on (batch inference: both prefixes)."""
    arns = _tuned_model_arns(partition, region, account_id)
    deployments, provisioned, custom_models = arns["deployments"], arns["provisioned"], arns["custom_models"]
    foundation_models = f"arn:{partition}:bedrock:{region}::foundation-model/*"
    batch_jobs = batch_inference_job_arns(partition, region, account_id)
    created_by = {"StringEquals": {"aws:ResourceTag/created-by": ["bedrock-ft"]}}
    statements: list[dict[str, Any]] = []
    if model_lifecycle:
        statements += [
            {
                "Sid": "DeployTheAccountsCustomModelsOnDemand",
                "Effect": "Allow",
                "Action": ["bedrock:CreateCustomModelDeployment"],
                "Resource": [custom_models, deployments],
            },
            {
                "Sid": "FollowAndDeleteOnDemandDeployments",
                "Effect": "Allow",
                "Action": ["bedrock:GetCustomModelDeployment", "bedrock:DeleteCustomModelDeployment"],
                "Resource": [deployments],
            },
            {
                "Sid": "FollowProvisionedThroughput",
                "Effect": "Allow",
                "Action": ["bedrock:GetProvisionedModelThroughput"],
                "Resource": [provisioned],
            },
            {
                "Sid": "DeleteOnlyProvisionedThroughputBedrockFtCreated",
                "Effect": "Allow",
                "Action": ["bedrock:DeleteProvisionedModelThroughput"],
                "Resource": [provisioned],
                "Condition": created_by,
            },
            {
                "Sid": "TagDeploymentsAndProvisionedThroughputAtCreation",
                "Effect": "Allow",
                "Action": ["bedrock:TagResource", "bedrock:ListTagsForResource"],
                "Resource": [deployments, provisioned],
            },
            {
                "Sid": "InvokeTheAccountsCustomModels",
                "Effect": "Allow",
                "Action": ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
                "Resource": [deployments, provisioned, custom_models],
            },
            {
                "Sid": "DeleteOnlyCustomModelsBedrockFtCreated",
                "Effect": "Allow",
                "Action": ["bedrock:DeleteCustomModel"],
                "Resource": [custom_models],
                "Condition": created_by,
            },
            {
                "Sid": "ListDeploymentsAndProvisionedThroughputTakeNoResource",
                "Effect": "Allow",
                "Action": ["bedrock:ListCustomModelDeployments", "bedrock:ListProvisionedModelThroughputs"],
                "Resource": ["*"],
            },
        ]
    if provisioned_throughput_purchase:
        statements.append(
            {
                "Sid": "PurchaseProvisionedThroughputForTheAccountsCustomModels",
                "Effect": "Allow",
                "Action": ["bedrock:CreateProvisionedModelThroughput"],
                "Resource": [custom_models, foundation_models],
            }
        )
    if batch_inference_input_prefix is not None and batch_inference_output_prefix is not None:
        statements += [
            {
                "Sid": "SubmitBatchInferenceJobsInThisAccountAndRegion",
                "Effect": "Allow",
                "Action": ["bedrock:CreateModelInvocationJob"],
                "Resource": [batch_jobs, custom_models, foundation_models],
            },
            {
                "Sid": "FollowStopAndTagBatchInferenceJobs",
                "Effect": "Allow",
                "Action": [
                    "bedrock:GetModelInvocationJob",
                    "bedrock:StopModelInvocationJob",
                    "bedrock:TagResource",
                    "bedrock:ListTagsForResource",
                ],
                "Resource": [batch_jobs],
            },
            {
                "Sid": "ListBatchInferenceJobsTakesNoResource",
                "Effect": "Allow",
                "Action": ["bedrock:ListModelInvocationJobs"],
                "Resource": ["*"],
            },
            {
                "Sid": "UploadBatchInferenceInputUnderItsPrefixOnly",
                "Effect": "Allow",
                "Action": ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"],
                "Resource": [f"{bucket_arn}/{batch_inference_input_prefix}/*"],
            },
            {
                "Sid": "ReadBatchInferenceOutputUnderItsPrefix",
                "Effect": "Allow",
                "Action": ["s3:GetObject"],
                "Resource": [f"{bucket_arn}/{batch_inference_output_prefix}/*"],
            },
        ]
    return _document(*statements)


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
            "Action": ["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"],
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
