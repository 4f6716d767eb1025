"""The operator submodule: the least-privilege managed policy for whoever runs bedrock-ft (issue 5)."""

from __future__ import annotations

from tf_static import OPERATOR, ROOT, Files, blocks, document, local_values, statement, variable

from bedrock_ft.core.terraform_hcl import unwrap
from helpers.hcl_edit import TfFile, string

BEDROCK_ACTIONS = {
    "bedrock:CreateModelCustomizationJob",
    "bedrock:GetModelCustomizationJob",
    "bedrock:ListModelCustomizationJobs",
    "bedrock:StopModelCustomizationJob",
    "bedrock:TagResource",
    "bedrock:ListTagsForResource",
    "bedrock:GetCustomModel",
    "bedrock:ListCustomModels",
    "bedrock:ListFoundationModels",
    "bedrock:GetFoundationModel",
}
# Actions that support no resource-level permissions: the only ones allowed on "*".
NO_RESOURCE_LEVEL = {
    "bedrock:ListModelCustomizationJobs",
    "bedrock:ListCustomModels",
    "bedrock:ListFoundationModels",
    "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSecurityGroupRules",
    "ec2:DescribeVpcEndpoints",
    "ec2:DescribeRouteTables",
    "ec2:DescribeAvailabilityZones",
    "ec2:DescribeVpcs",
}


def test_operator_policy_is_created_by_default_and_its_arn_is_an_output(tf: Files) -> None:
    switch = variable(tf, ROOT, "create_operator_policy")
    assert switch["default"] is True and switch["type"] == "bool"
    call = next(b.body for b in blocks(tf, "module", ROOT) if b.name == "operator")
    assert unwrap(call["count"]) == "var.create_operator_policy ? 1 : 0"
    outputs = {b.name: b.body for b in blocks(tf, "output", ROOT)}
    assert unwrap(outputs["operator_policy_arn"]["value"]) == "one(module.operator[*].operator_policy_arn)"


def test_operator_has_every_bedrock_job_action(tf: Files) -> None:
    actions = {a for st in document(tf, OPERATOR, "operator").statements for a in st["actions"]}
    assert {a for a in actions if a.startswith("bedrock:")} == BEDROCK_ACTIONS


def wildcard_problems(files: Files) -> list[str]:
    problems = []
    for st in document(files, OPERATOR, "operator").statements:
        if "*" in st["resources"]:
            problems += [f"{st['sid']}: {a} on *" for a in st["actions"] if a not in NO_RESOURCE_LEVEL]
        problems += [f"{st['sid']}: wildcard action {a}" for a in st["actions"] if "*" in a]
    return problems


def test_operator_uses_star_only_for_calls_without_resource_level_permissions(tf: Files) -> None:
    assert wildcard_problems(tf) == []
    locals_ = local_values(tf, OPERATOR)
    assert locals_["job_arns"].endswith(":model-customization-job/*")
    assert locals_["foundation_model_arns"] == "arn:${local.partition}:bedrock:${local.region}::foundation-model/*"


def job_calls_on_any_resource(tf: TfFile) -> None:
    tf.statement("operator", "FollowAndStopCustomizationJobs")["resources"] = [string("*")]


def test_wildcard_check_fails_when_job_calls_go_to_star(mutated) -> None:
    broken = mutated(f"{OPERATOR}/operator_policy.tf", job_calls_on_any_resource)
    assert wildcard_problems(broken) == [
        "FollowAndStopCustomizationJobs: bedrock:GetModelCustomizationJob on *",
        "FollowAndStopCustomizationJobs: bedrock:StopModelCustomizationJob on *",
    ]


def test_operator_passes_only_the_service_role_and_only_to_bedrock(tf: Files) -> None:
    doc = document(tf, OPERATOR, "operator")
    (st,) = [s for s in doc.statements if "iam:PassRole" in s["actions"]]
    assert st["actions"] == ["iam:PassRole"]
    assert st["resources"] == ["${var.service_role_arn}"]
    assert st["conditions"] == {"StringEquals": {"iam:PassedToService": ["${local.bedrock_principal}"]}}
    assert local_values(tf, OPERATOR)["bedrock_principal"] == "bedrock.amazonaws.com"


def test_operator_preflight_reads_the_role_its_policies_and_the_network(tf: Files) -> None:
    doc = document(tf, OPERATOR, "operator")
    role = statement(doc, "PreflightReadsTheServiceRoleAndItsInlinePolicies")
    assert role is not None and role["resources"] == ["${var.service_role_arn}"]
    assert set(role["actions"]) == {
        "iam:GetRole",
        "iam:GetRolePolicy",
        "iam:ListRolePolicies",
        "iam:ListAttachedRolePolicies",
    }
    policies = statement(doc, "PreflightReadsTheServiceRoleManagedPolicies")
    assert policies is not None and set(policies["actions"]) == {"iam:GetPolicy", "iam:GetPolicyVersion"}
    assert policies["resources"] == ["${var.service_role_policy_arns}"]
    describes = {a for st in doc.statements for a in st["actions"] if a.startswith("ec2:")}
    assert describes == {a for a in NO_RESOURCE_LEVEL if a.startswith("ec2:")}


def test_operator_writes_only_the_data_prefix_and_reads_the_output_prefix(tf: Files) -> None:
    doc = document(tf, OPERATOR, "operator")
    s3 = sorted((a, tuple(st["resources"])) for st in doc.statements for a in st["actions"] if a.startswith("s3:"))
    assert s3 == sorted(
        [
            ("s3:PutObject", ("${local.data_object_arns}",)),
            ("s3:GetObject", ("${local.data_object_arns}",)),
            ("s3:AbortMultipartUpload", ("${local.data_object_arns}",)),
            ("s3:GetObject", ("${local.output_object_arns}",)),
            ("s3:ListBucket", ("${var.bucket_arn}",)),
            ("s3:GetBucketLocation", ("${var.bucket_arn}",)),
            ("s3:ListBucketMultipartUploads", ("${var.bucket_arn}",)),
        ]
    )
    locals_ = local_values(tf, OPERATOR)
    assert locals_["data_object_arns"] == "${var.bucket_arn}/${var.data_prefix}/*"
    assert locals_["output_object_arns"] == "${var.bucket_arn}/${var.output_prefix}/*"


def test_operator_uses_the_module_key_through_s3_for_uploads(tf: Files) -> None:
    st = statement(document(tf, OPERATOR, "operator"), "EncryptUploadsAndDecryptDownloadsThroughS3Only")
    assert st is not None and unwrap(st["dynamic"]) == "var.use_kms ? [var.kms_key_arn] : []"
    assert set(st["actions"]) == {"kms:GenerateDataKey", "kms:Decrypt"}
    assert st["conditions"] == {"StringEquals": {"kms:ViaService": ["${local.s3_via_service}"]}}
    kms_resources = {
        r
        for s in document(tf, OPERATOR, "operator").statements
        if any(a.startswith("kms:") for a in s["actions"])
        for r in s["resources"]
    }
    assert kms_resources == {"${statement.value}"}
