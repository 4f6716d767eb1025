"""The access submodule: the service role's trust policy and its data-access policy."""

from __future__ import annotations

from tf_static import ACCESS, ROOT, Files, blocks, document, local_values, resource, statement

from bedrock_ft.core.terraform_hcl import unwrap
from helpers.hcl_edit import TfFile, condition, string

JOB_ARNS = "arn:${local.partition}:bedrock:${local.region}:${local.account_id}:model-customization-job/*"
TRUST_SID = "BedrockCustomizationJobsOfThisAccountAndRegionOnly"
ENI_ARNS = "arn:${local.partition}:ec2:${local.region}:${local.account_id}:network-interface/*"


def trust_problems(files: Files) -> list[str]:
    statements = document(files, ACCESS, "trust").statements
    if len(statements) != 1:
        return [f"{len(statements)} statements"]
    st = statements[0]
    expected = {
        "effect": "Allow",
        "actions": ["sts:AssumeRole"],
        "principals": {"Service": ["bedrock.amazonaws.com"]},
        "conditions": {
            "StringEquals": {"aws:SourceAccount": ["${local.account_id}"]},
            "ArnLike": {"aws:SourceArn": ["${local.job_arns}"]},
        },
    }
    return [f"{key}: {st[key]!r}" for key, value in expected.items() if st[key] != value]


def test_trust_policy_is_bedrock_with_the_confused_deputy_conditions(tf: Files) -> None:
    assert trust_problems(tf) == []
    assert local_values(tf, ACCESS)["job_arns"] == JOB_ARNS
    role = resource(tf, ACCESS, "aws_iam_role", "service")
    assert unwrap(role["assume_role_policy"]) == "data.aws_iam_policy_document.trust.json"


def any_source_arn(tf: TfFile) -> None:
    """The trust statement's aws:SourceArn condition accepts any ARN."""
    condition(tf.statement("trust", TRUST_SID), "aws:SourceArn")["values"] = [string("*")]


def test_trust_check_fails_without_the_source_arn_condition(mutated) -> None:
    broken = mutated(f"{ACCESS}/trust_policy.tf", any_source_arn)
    assert trust_problems(broken) == [
        "conditions: {'StringEquals': {'aws:SourceAccount': ['${local.account_id}']}, "
        "'ArnLike': {'aws:SourceArn': ['*']}}"
    ]


def s3_problems(files: Files) -> list[str]:
    doc = document(files, ACCESS, "data_access")
    expected = {
        "s3:GetObject": ["${var.bucket_arn}/*"],
        "s3:ListBucket": ["${var.bucket_arn}"],
        "s3:PutObject": ["${var.bucket_arn}/${var.output_prefix}/*"],
    }
    problems = []
    for st in doc.statements:
        for action in st["actions"]:
            if action.startswith("s3:") and expected.get(action) != st["resources"]:
                problems.append(f"{st['sid']}: {action} on {st['resources']}")
    found = {a for st in doc.statements for a in st["actions"] if a.startswith("s3:")}
    problems += [f"{a} missing" for a in sorted(set(expected) - found)]
    return problems


def test_role_reads_the_bucket_and_writes_only_under_the_output_prefix(tf: Files) -> None:
    assert s3_problems(tf) == []


def output_anywhere_in_the_bucket(tf: TfFile) -> None:
    """The job may write its output anywhere in the bucket, not only under the output prefix."""
    tf.statement("data_access", "WriteJobOutputUnderTheOutputPrefixOnly")["resources"] = [string("${var.bucket_arn}/*")]


def test_s3_check_fails_when_put_object_covers_the_whole_bucket(mutated) -> None:
    broken = mutated(f"{ACCESS}/data_access_policy.tf", output_anywhere_in_the_bucket)
    assert s3_problems(broken) == ["WriteJobOutputUnderTheOutputPrefixOnly: s3:PutObject on ['${var.bucket_arn}/*']"]


def test_role_uses_the_module_key_through_s3_and_bedrock_only(tf: Files) -> None:
    st = statement(document(tf, ACCESS, "data_access"), "UseTheBucketKeyThroughS3AndBedrockOnly")
    assert st is not None
    assert unwrap(st["dynamic"]) == "var.use_kms ? [var.kms_key_arn] : []"
    assert st["resources"] == ["${statement.value}"]
    assert {"kms:Decrypt", "kms:GenerateDataKey"} <= set(st["actions"])
    assert list(st["conditions"]) == ["StringEquals"]
    assert list(st["conditions"]["StringEquals"]) == ["kms:ViaService"]


# The five statements of the facts file ("Customization inside a VPC"), with this module's subnets and group.
FIVE_VPC_STATEMENTS = [
    {
        "actions": [
            "ec2:DescribeNetworkInterfaces",
            "ec2:DescribeVpcs",
            "ec2:DescribeDhcpOptions",
            "ec2:DescribeSubnets",
            "ec2:DescribeSecurityGroups",
        ],
        "resources": ["*"],
        "conditions": {},
    },
    {
        "actions": ["ec2:CreateNetworkInterface"],
        "resources": ["${local.network_interface_arns}"],
        "conditions": {
            "StringEquals": {"aws:RequestTag/BedrockManaged": ["true"]},
            "ArnEquals": {"aws:RequestTag/BedrockModelCustomizationJobArn": ["${local.job_arns}"]},
        },
    },
    {
        "actions": ["ec2:CreateNetworkInterface"],
        "resources": ["${concat(var.subnet_arns, var.security_group_arns)}"],
        "conditions": {},
    },
    {
        "actions": [
            "ec2:CreateNetworkInterfacePermission",
            "ec2:DeleteNetworkInterface",
            "ec2:DeleteNetworkInterfacePermission",
        ],
        "resources": ["*"],
        "conditions": {
            "ArnEquals": {
                "ec2:Subnet": ["${var.subnet_arns}"],
                "ec2:ResourceTag/BedrockModelCustomizationJobArn": ["${local.job_arns}"],
            },
            "StringEquals": {"ec2:ResourceTag/BedrockManaged": ["true"]},
        },
    },
    {
        "actions": ["ec2:CreateTags"],
        "resources": ["${local.network_interface_arns}"],
        "conditions": {
            "StringEquals": {"ec2:CreateAction": ["CreateNetworkInterface"]},
            "ForAllValues:StringEquals": {"aws:TagKeys": ["BedrockManaged", "BedrockModelCustomizationJobArn"]},
        },
    },
]


def vpc_statement_problems(files: Files) -> list[str]:
    ec2 = [
        {key: st[key] for key in ("actions", "resources", "conditions")}
        for st in document(files, ACCESS, "data_access").statements
        if any(a.startswith("ec2:") for a in st["actions"])
    ]
    problems = [f"missing or changed: {want}" for want in FIVE_VPC_STATEMENTS if want not in ec2]
    problems += [f"unexpected: {got}" for got in ec2 if got not in FIVE_VPC_STATEMENTS]
    return problems


def test_the_five_vpc_statements_are_exactly_those_of_the_facts(tf: Files) -> None:
    assert vpc_statement_problems(tf) == []
    assert local_values(tf, ACCESS)["network_interface_arns"] == ENI_ARNS


def one_tag_key_only(tf: TfFile) -> None:
    """Tagging a network interface at creation allows one of the two tag keys the job sets."""
    tagging = tf.statement("data_access", "TagJobNetworkInterfacesAtCreationOnly")
    condition(tagging, "aws:TagKeys")["values"] = [string("BedrockManaged")]


def test_vpc_statement_check_fails_when_a_tag_key_is_dropped(mutated) -> None:
    broken = mutated(f"{ACCESS}/data_access_policy.tf", one_tag_key_only)
    assert len(vpc_statement_problems(broken)) == 2


def test_module_passes_its_own_subnets_and_security_group_to_the_role(tf: Files) -> None:
    access = next(b.body for b in blocks(tf, "module", ROOT) if b.name == "access")
    assert unwrap(access["subnet_arns"]) == "module.network.subnet_arns"
    assert access["security_group_arns"] == ["${module.network.security_group_arn}"]
    assert unwrap(access["output_prefix"]) == "var.output_prefix"
