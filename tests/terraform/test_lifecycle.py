"""The lifecycle around the job: batch inference and model import in the VPC, the RFT grader Lambda, the
bedrock-runtime interface endpoint and the operator's after-training policy. Each is off (or empty) by default and on
behind one variable; every statement has its Sid. (terraform test checks the same in lifecycle.tftest.hcl with the
documents rendered; these tests read the HCL.)"""

from __future__ import annotations

import re

import pytest
from tf_static import (
    ACCESS,
    EXAMPLE,
    NETWORK,
    OPERATOR,
    ROOT,
    Files,
    blocks,
    document,
    local_values,
    resource,
    statement,
    variable,
)

from bedrock_ft.core.terraform_hcl import unwrap
from helpers.hcl_edit import TfFile, condition, string

BEDROCK_ARN = "arn:${local.partition}:bedrock:${local.region}:${local.account_id}"
INVOCATION_JOBS = f"{BEDROCK_ARN}:model-invocation-job/*"
IMPORT_JOBS = f"{BEDROCK_ARN}:model-import-job/*"
EVALUATION_JOBS = f"{BEDROCK_ARN}:evaluation-job/*"


def trust_problems(files: Files, name: str, sid: str, jobs_local: str) -> list[str]:
    statements = document(files, ACCESS, name).statements
    if [s["sid"] for s in statements] != [sid]:
        return [f"statements: {[s['sid'] for s in statements]}"]
    st = statements[0]
    expected = {
        "effect": "Allow",
        "actions": ["sts:AssumeRole"],
        "principals": {"Service": ["bedrock.amazonaws.com"]},
        "conditions": {
            "StringEquals": {"aws:SourceAccount": ["${local.account_id}"]},
            "ArnLike": {"aws:SourceArn": [f"${{local.{jobs_local}}}"]},
        },
    }
    return [f"{key}: {st[key]!r}" for key, value in expected.items() if st[key] != value]


def test_batch_inference_trust_is_bedrock_for_this_accounts_invocation_jobs_only(tf: Files) -> None:
    sid = "BedrockBatchInferenceJobsOfThisAccountAndRegionOnly"
    assert trust_problems(tf, "batch_inference_trust", sid, "batch_inference_job_arns") == []
    assert local_values(tf, ACCESS)["batch_inference_job_arns"] == INVOCATION_JOBS


def test_model_import_trust_is_bedrock_for_this_accounts_import_jobs_only(tf: Files) -> None:
    sid = "BedrockModelImportJobsOfThisAccountAndRegionOnly"
    assert trust_problems(tf, "model_import_trust", sid, "model_import_job_arns") == []
    assert local_values(tf, ACCESS)["model_import_job_arns"] == IMPORT_JOBS


def test_evaluation_trust_is_bedrock_for_this_accounts_evaluation_jobs_only(tf: Files) -> None:
    sid = "BedrockEvaluationJobsOfThisAccountAndRegionOnly"
    assert trust_problems(tf, "evaluation_trust", sid, "evaluation_job_arns") == []
    assert local_values(tf, ACCESS)["evaluation_job_arns"] == EVALUATION_JOBS


def evaluation_trust_for_every_bedrock_job(tf: TfFile) -> None:
    trust = tf.statement("evaluation_trust", "BedrockEvaluationJobsOfThisAccountAndRegionOnly")
    condition(trust, "aws:SourceArn")["values"] = [string("arn:aws:bedrock:*:*:*")]


def test_trust_check_fails_when_the_evaluation_source_arn_is_any_job(mutated) -> None:
    broken = mutated(f"{ACCESS}/evaluation.tf", evaluation_trust_for_every_bedrock_job)
    sid = "BedrockEvaluationJobsOfThisAccountAndRegionOnly"
    assert trust_problems(broken, "evaluation_trust", sid, "evaluation_job_arns") == [
        "conditions: {'StringEquals': {'aws:SourceAccount': ['${local.account_id}']}, "
        "'ArnLike': {'aws:SourceArn': ['arn:aws:bedrock:*:*:*']}}"
    ]


def batch_trust_from_any_account(tf: TfFile) -> None:
    trust = tf.statement("batch_inference_trust", "BedrockBatchInferenceJobsOfThisAccountAndRegionOnly")
    condition(trust, "aws:SourceAccount")["values"] = [string("*")]


def test_trust_check_fails_without_the_source_account_condition(mutated) -> None:
    broken = mutated(f"{ACCESS}/batch_inference.tf", batch_trust_from_any_account)
    sid = "BedrockBatchInferenceJobsOfThisAccountAndRegionOnly"
    assert trust_problems(broken, "batch_inference_trust", sid, "batch_inference_job_arns") == [
        "conditions: {'StringEquals': {'aws:SourceAccount': ['*']}, "
        "'ArnLike': {'aws:SourceArn': ['${local.batch_inference_job_arns}']}}"
    ]


def test_lifecycle_trust_statements_are_merged_into_the_role_trust_policy(tf: Files) -> None:
    trust = next(b for b in blocks(tf, "data", ACCESS, "aws_iam_policy_document") if b.name == "trust").body
    merged = unwrap(trust["source_policy_documents"])
    assert "data.aws_iam_policy_document.batch_inference_trust[*].json" in merged
    assert "data.aws_iam_policy_document.model_import_trust[*].json" in merged
    assert "data.aws_iam_policy_document.evaluation_trust[*].json" in merged


@pytest.mark.parametrize(
    ("type_", "name", "switch"),
    [
        ("data", "batch_inference_trust", "var.batch_inference_enabled ? 1 : 0"),
        ("data", "batch_inference", "var.batch_inference_enabled ? 1 : 0"),
        ("resource", "batch_inference", "var.batch_inference_enabled ? 1 : 0"),
        ("data", "model_import_trust", "var.model_import_enabled ? 1 : 0"),
        ("data", "model_import", "var.model_import_enabled ? 1 : 0"),
        ("resource", "model_import", "var.model_import_enabled ? 1 : 0"),
        ("data", "evaluation_trust", "var.evaluation_jobs_enabled ? 1 : 0"),
        ("data", "evaluation", "var.evaluation_jobs_enabled ? 1 : 0"),
        ("resource", "evaluation", "var.evaluation_jobs_enabled ? 1 : 0"),
        ("data", "rft_grader", "length(var.rft_grader_lambda_arns) > 0 ? 1 : 0"),
        ("resource", "rft_grader", "length(var.rft_grader_lambda_arns) > 0 ? 1 : 0"),
    ],
)
def test_each_lifecycle_document_policy_and_attachment_exists_only_behind_its_switch(
    tf: Files, type_: str, name: str, switch: str
) -> None:
    kinds = ["aws_iam_policy_document"] if type_ == "data" else ["aws_iam_policy", "aws_iam_role_policy_attachment"]
    for kind in kinds:
        (block,) = [b for b in blocks(tf, type_, ACCESS, kind) if b.name == name]
        assert unwrap(block.body["count"]) == switch, f"{kind}.{name}"


def test_lifecycle_variables_default_to_off_or_empty(tf: Files) -> None:
    defaults = {
        name: variable(tf, ROOT, name)["default"]
        for name in (
            "batch_inference_enabled",
            "model_import_enabled",
            "evaluation_jobs_enabled",
            "rft_grader_lambda_arns",
            "runtime_endpoint_enabled",
            "operator_model_lifecycle_enabled",
            "operator_provisioned_throughput_purchase_allowed",
        )
    }
    assert defaults == {
        "batch_inference_enabled": False,
        "model_import_enabled": False,
        "evaluation_jobs_enabled": False,
        "rft_grader_lambda_arns": [],
        "runtime_endpoint_enabled": False,
        "operator_model_lifecycle_enabled": False,
        "operator_provisioned_throughput_purchase_allowed": False,
    }


def s3_grants(files: Files, name: str) -> dict[str, tuple[list[str], list[str]]]:
    return {
        st["sid"]: (st["actions"], st["resources"])
        for st in document(files, ACCESS, name).statements
        if any(a.startswith("s3:") for a in st["actions"])
    }


def test_batch_inference_reads_its_input_prefix_and_writes_only_its_output_prefix(tf: Files) -> None:
    assert s3_grants(tf, "batch_inference") == {
        "ReadBatchInferenceInputUnderItsPrefix": (
            ["s3:GetObject"],
            ["${var.bucket_arn}/${var.batch_inference_input_prefix}/*"],
        ),
        "WriteBatchInferenceOutputUnderItsPrefixOnly": (
            ["s3:PutObject"],
            ["${var.bucket_arn}/${var.batch_inference_output_prefix}/*"],
        ),
    }


def test_model_import_reads_only_its_prefix_and_writes_nothing(tf: Files) -> None:
    assert s3_grants(tf, "model_import") == {
        "ReadModelImportFilesUnderItsPrefix": (["s3:GetObject"], ["${var.bucket_arn}/${var.model_import_prefix}/*"]),
    }


EVALUATION_OBJECTS = "${local.evaluation_object_arns}"


def test_evaluation_reads_and_writes_only_its_prefix(tf: Files) -> None:
    assert s3_grants(tf, "evaluation") == {
        "ReadTheJudgeDatasetAndResultsUnderTheEvaluationPrefix": (["s3:GetObject"], [EVALUATION_OBJECTS]),
        "WriteJudgeResultsUnderTheEvaluationPrefixOnly": (
            ["s3:PutObject", "s3:AbortMultipartUpload"],
            [EVALUATION_OBJECTS],
        ),
        "ListOnlyTheEvaluationPrefixOfTheBucket": (["s3:ListBucket"], ["${var.bucket_arn}"]),
    }
    assert local_values(tf, ACCESS)["evaluation_object_arns"] == "${var.bucket_arn}/${var.evaluation_prefix}/*"


def test_evaluation_lists_the_bucket_only_under_its_prefix(tf: Files) -> None:
    st = statement(document(tf, ACCESS, "evaluation"), "ListOnlyTheEvaluationPrefixOfTheBucket")
    assert st is not None
    assert st["conditions"] == {"StringLike": {"s3:prefix": ["${var.evaluation_prefix}", "${var.evaluation_prefix}/*"]}}


def test_evaluation_invokes_only_this_regions_foundation_models_and_this_accounts_profiles(tf: Files) -> None:
    st = statement(document(tf, ACCESS, "evaluation"), "InvokeTheJudgeModelsOfThisRegionOnly")
    assert st is not None
    assert (st["actions"], st["resources"], st["conditions"]) == (
        ["bedrock:InvokeModel"],
        ["${local.judge_foundation_model_arns}", "${local.judge_inference_profile_arns}"],
        {},
    )
    arns = local_values(tf, ACCESS)
    assert arns["judge_foundation_model_arns"] == "arn:${local.partition}:bedrock:${local.region}::foundation-model/*"
    assert arns["judge_inference_profile_arns"] == f"{BEDROCK_ARN}:inference-profile/*"


def test_evaluation_uses_the_bucket_key_through_s3_only_when_kms_is_on(tf: Files) -> None:
    st = statement(document(tf, ACCESS, "evaluation"), "UseTheBucketKeyForEvaluationThroughS3Only")
    assert st is not None
    assert unwrap(st["dynamic"]).startswith("var.use_kms ?")
    assert st["actions"] == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert st["conditions"] == {
        "StringEquals": {"kms:ViaService": ["s3.${local.region}.${data.aws_partition.current.dns_suffix}"]}
    }


def test_evaluation_policy_grants_nothing_beyond_s3_the_judge_and_the_key(tf: Files) -> None:
    actions = {a for st in document(tf, ACCESS, "evaluation").statements for a in st["actions"]}
    assert actions == {
        "s3:GetObject",
        "s3:PutObject",
        "s3:AbortMultipartUpload",
        "s3:ListBucket",
        "bedrock:InvokeModel",
        "kms:Decrypt",
        "kms:GenerateDataKey",
    }


def network_interface_statements(tag_key: str, jobs_local: str) -> list[dict]:
    """The three conditioned network-interface statements of data_access_policy.tf, for another job's tag."""
    jobs = [f"${{local.{jobs_local}}}"]
    return [
        {
            "actions": ["ec2:CreateNetworkInterface"],
            "resources": ["${local.network_interface_arns}"],
            "conditions": {
                "StringEquals": {"aws:RequestTag/BedrockManaged": ["true"]},
                "ArnEquals": {f"aws:RequestTag/{tag_key}": jobs},
            },
        },
        {
            "actions": [
                "ec2:CreateNetworkInterfacePermission",
                "ec2:DeleteNetworkInterface",
                "ec2:DeleteNetworkInterfacePermission",
            ],
            "resources": ["*"],
            "conditions": {
                "ArnEquals": {"ec2:Subnet": ["${var.subnet_arns}"], f"ec2:ResourceTag/{tag_key}": jobs},
                "StringEquals": {"ec2:ResourceTag/BedrockManaged": ["true"]},
            },
        },
        {
            "actions": ["ec2:CreateTags"],
            "resources": ["${local.network_interface_arns}"],
            "conditions": {
                "StringEquals": {"ec2:CreateAction": ["CreateNetworkInterface"]},
                "ForAllValues:StringEquals": {"aws:TagKeys": ["BedrockManaged", tag_key]},
            },
        },
    ]


def ec2_statements(files: Files, name: str) -> list[dict]:
    return [
        {key: st[key] for key in ("actions", "resources", "conditions")}
        for st in document(files, ACCESS, name).statements
        if any(a.startswith("ec2:") for a in st["actions"])
    ]


def test_batch_inference_network_interfaces_carry_bedrocks_tags_for_invocation_jobs(tf: Files) -> None:
    expected = network_interface_statements("BedrockModelInvocationJobArn", "batch_inference_job_arns")
    assert ec2_statements(tf, "batch_inference") == expected


def test_model_import_network_interfaces_carry_bedrocks_tags_for_import_jobs(tf: Files) -> None:
    assert ec2_statements(tf, "model_import") == network_interface_statements(
        "BedrockModelImportJobArn", "model_import_job_arns"
    )


def subnet_condition_on_the_vpc_instead(tf: TfFile) -> None:
    manage = tf.statement("model_import", "ManageOnlyModelImportNetworkInterfacesInTheModuleSubnets")
    condition(manage, "ec2:Subnet")["variable"] = string("ec2:Vpc")


def test_network_interface_check_fails_when_the_subnet_condition_is_dropped(mutated) -> None:
    broken = mutated(f"{ACCESS}/model_import.tf", subnet_condition_on_the_vpc_instead)
    expected = network_interface_statements("BedrockModelImportJobArn", "model_import_job_arns")
    assert ec2_statements(broken, "model_import") != expected


def test_batch_output_prefix_may_not_overlap_the_datasets_or_the_batch_input(tf: Files) -> None:
    policy = resource(tf, ACCESS, "aws_iam_policy", "batch_inference")
    (precondition,) = policy["lifecycle"][0]["precondition"]
    condition = str(precondition["condition"])
    assert "var.data_prefix, var.batch_inference_input_prefix" in condition
    assert "startswith" in condition
    assert "batch_inference_output_prefix" in precondition["error_message"]


def test_evaluation_prefix_may_not_overlap_the_datasets_or_the_job_output(tf: Files) -> None:
    policy = resource(tf, ACCESS, "aws_iam_policy", "evaluation")
    (precondition,) = [p for p in policy["lifecycle"][0]["precondition"] if "var.data_prefix" in str(p["condition"])]
    condition = str(precondition["condition"])
    assert "var.data_prefix, var.output_prefix" in condition
    assert "startswith" in condition
    assert "evaluation_prefix" in precondition["error_message"]


def test_evaluation_jobs_are_refused_when_the_bucket_admits_only_the_vpc_endpoint(tf: Files) -> None:
    policy = resource(tf, ACCESS, "aws_iam_policy", "evaluation")
    conditions = [unwrap(p["condition"]) for p in policy["lifecycle"][0]["precondition"]]
    assert "!var.vpc_only_bucket_access" in conditions
    (access,) = [b.body for b in blocks(tf, "module", ROOT) if b.name == "access"]
    assert unwrap(access["vpc_only_bucket_access"]) == "var.vpc_only_bucket_access"


def test_evaluation_prefix_is_validated_like_the_batch_prefixes(tf: Files) -> None:
    (evaluation,) = variable(tf, ROOT, "evaluation_prefix")["validation"]
    (batch,) = variable(tf, ROOT, "batch_inference_output_prefix")["validation"]
    assert evaluation["condition"] == batch["condition"].replace("batch_inference_output_prefix", "evaluation_prefix")
    assert variable(tf, ROOT, "evaluation_prefix")["default"] == "evaluation"


def test_rft_grader_role_invokes_exactly_the_listed_functions(tf: Files) -> None:
    (st,) = document(tf, ACCESS, "rft_grader").statements
    assert st["sid"] == "InvokeOnlyTheListedRftGraderFunctions"
    assert st["actions"] == ["lambda:InvokeFunction"]
    assert st["resources"] == ["${var.rft_grader_lambda_arns}"]
    assert st["conditions"] == {}


def rft_arn_pattern(files: Files) -> re.Pattern[str]:
    (validation,) = variable(files, ROOT, "rft_grader_lambda_arns")["validation"]
    match = re.search(r'regex\("(.+)", arn\)', str(validation["condition"]))
    assert match, validation["condition"]
    return re.compile(match.group(1).replace("\\\\", "\\"))


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:lambda:us-east-1:123456789012:function:grader",
        "arn:aws:lambda:us-east-1:123456789012:function:grader:$LATEST",
        "arn:aws:lambda:us-west-2:123456789012:function:my_grader-2:7",
        "arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:grader:live",
    ],
)
def test_rft_grader_validation_accepts_lambda_function_arns(tf: Files, arn: str) -> None:
    assert rft_arn_pattern(tf).fullmatch(arn)


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:lambda:us-east-1:123456789012:function:*",
        "arn:aws:lambda:us-east-1:123456789012:function:grader:*",
        "arn:aws:lambda:us-east-1:*:function:grader",
        "arn:aws:lambda:us-east-1:123456789012:layer:grader:1",
        "arn:aws:iam::123456789012:role/grader",
        "grader",
        "arn:aws:lambda:us-east-1:12345:function:grader",
        "arn:aws:lambda:us-east-1:123456789012:function:grader\n",
    ],
)
def test_rft_grader_validation_refuses_anything_but_a_lambda_function_arn(tf: Files, arn: str) -> None:
    assert not rft_arn_pattern(tf).fullmatch(arn)


# ---- the bedrock-runtime interface endpoint --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_", "name"),
    [
        ("aws_vpc_endpoint", "bedrock_runtime"),
        ("aws_security_group", "runtime_endpoint"),
        ("aws_vpc_security_group_ingress_rule", "runtime_endpoint_https_from_vpc"),
    ],
)
def test_runtime_endpoint_resources_exist_only_when_enabled(tf: Files, type_: str, name: str) -> None:
    assert unwrap(resource(tf, NETWORK, type_, name)["count"]) == "var.runtime_endpoint_enabled ? 1 : 0"


def test_runtime_endpoint_is_a_private_dns_interface_endpoint_in_the_module_subnets_the_service_offers(
    tf: Files,
) -> None:
    endpoint = resource(tf, NETWORK, "aws_vpc_endpoint", "bedrock_runtime")
    assert endpoint["vpc_endpoint_type"] == "Interface"
    assert endpoint["private_dns_enabled"] is True
    assert endpoint["service_name"] == (
        "${data.aws_partition.current.reverse_dns_prefix}.${data.aws_region.current.region}.bedrock-runtime"
    )
    assert unwrap(endpoint["subnet_ids"]) == (
        "[for zone in local.availability_zones : aws_subnet.private[zone].id"
        " if contains(data.aws_vpc_endpoint_service.bedrock_runtime[0].availability_zones, zone)]"
    )
    service = next(
        b.body for b in blocks(tf, "data", NETWORK, "aws_vpc_endpoint_service") if b.name == "bedrock_runtime"
    )
    assert (service["service"], service["service_type"]) == ("bedrock-runtime", "Interface")
    assert unwrap(service["count"]) == "var.runtime_endpoint_enabled ? 1 : 0"
    assert endpoint["security_group_ids"] == ["${aws_security_group.runtime_endpoint[0].id}"]
    assert unwrap(endpoint["policy"]) == "data.aws_iam_policy_document.runtime_endpoint[0].json"


def runtime_group_rules(files: Files) -> list[dict]:
    rules = []
    for direction in ("ingress", "egress"):
        for block in blocks(files, "resource", NETWORK, f"aws_vpc_security_group_{direction}_rule"):
            if "runtime_endpoint" in str(block.body["security_group_id"]):
                body = block.body
                keys = ("ip_protocol", "from_port", "to_port", "cidr_ipv4")
                rules.append({"direction": direction, **{k: body.get(k) for k in keys}})
    return rules


def test_runtime_endpoint_group_lets_in_only_https_from_the_vpc_cidr(tf: Files) -> None:
    assert runtime_group_rules(tf) == [
        {
            "direction": "ingress",
            "ip_protocol": "tcp",
            "from_port": 443,
            "to_port": 443,
            "cidr_ipv4": "${aws_vpc.this.cidr_block}",
        }
    ]
    group = resource(tf, NETWORK, "aws_security_group", "runtime_endpoint")
    assert "ingress" not in group and "egress" not in group


def runtime_endpoint_open_to_the_internet(tf: TfFile) -> None:
    rule = tf.block("resource", "aws_vpc_security_group_ingress_rule", "runtime_endpoint_https_from_vpc")
    rule["cidr_ipv4"] = string("0.0.0.0/0")


def test_runtime_group_check_fails_when_the_rule_opens_to_the_internet(mutated) -> None:
    broken = mutated(f"{NETWORK}/runtime_endpoint.tf", runtime_endpoint_open_to_the_internet)
    assert runtime_group_rules(broken)[0]["cidr_ipv4"] == "0.0.0.0/0"


def test_runtime_endpoint_policy_lets_this_account_invoke_its_tuned_models_only(tf: Files) -> None:
    (st,) = document(tf, NETWORK, "runtime_endpoint").statements
    region_arn = "arn:${local.partition}:bedrock:${data.aws_region.current.region}:${local.account_id}"
    assert st["sid"] == "InvokeThisAccountsCustomModelsOnlyForThisAccount"
    assert st["actions"] == ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
    assert st["resources"] == [
        f"{region_arn}:custom-model-deployment/*",
        f"{region_arn}:provisioned-model/*",
        f"{region_arn}:custom-model/*",
    ]
    assert st["principals"] == {"AWS": ["*"]}
    assert st["conditions"] == {"StringEquals": {"aws:PrincipalAccount": ["${local.account_id}"]}}


# ---- the operator's after-training policy ---------------------------------------------------------------------

MODEL_LIFECYCLE = "var.model_lifecycle_enabled"
PURCHASE = "var.provisioned_throughput_purchase_allowed"
BATCH = "var.batch_inference_enabled"
EVALUATION = "var.evaluation_jobs_enabled"
AFTER_TRAINING_SWITCHES = {
    "DeployTheAccountsCustomModelsOnDemand": MODEL_LIFECYCLE,
    "FollowAndDeleteOnDemandDeployments": MODEL_LIFECYCLE,
    "FollowProvisionedThroughput": MODEL_LIFECYCLE,
    "DeleteOnlyProvisionedThroughputBedrockFtCreated": MODEL_LIFECYCLE,
    "TagDeploymentsAndProvisionedThroughputAtCreation": MODEL_LIFECYCLE,
    "InvokeTheAccountsCustomModels": MODEL_LIFECYCLE,
    "DeleteOnlyCustomModelsBedrockFtCreated": MODEL_LIFECYCLE,
    "ListDeploymentsAndProvisionedThroughputTakeNoResource": MODEL_LIFECYCLE,
    "PurchaseProvisionedThroughputForTheAccountsCustomModels": PURCHASE,
    "SubmitBatchInferenceJobsInThisAccountAndRegion": BATCH,
    "FollowStopAndTagBatchInferenceJobs": BATCH,
    "ListBatchInferenceJobsTakesNoResource": BATCH,
    "UploadBatchInferenceInputUnderItsPrefixOnly": BATCH,
    "ReadBatchInferenceOutputUnderItsPrefix": BATCH,
    "SubmitEvaluationJobsInThisAccountAndRegion": EVALUATION,
    "FollowStopAndTagEvaluationJobs": EVALUATION,
    "ListEvaluationJobsTakesNoResource": EVALUATION,
    "UploadJudgeDatasetsAndReadResultsUnderTheEvaluationPrefixOnly": EVALUATION,
}


def test_each_after_training_statement_is_behind_its_switch(tf: Files) -> None:
    switches = {
        st["sid"]: unwrap(st["dynamic"]).split(" ?")[0] for st in document(tf, OPERATOR, "after_training").statements
    }
    assert switches == AFTER_TRAINING_SWITCHES


def test_after_training_is_a_second_managed_policy_created_only_when_a_switch_is_on(tf: Files) -> None:
    policy = resource(tf, OPERATOR, "aws_iam_policy", "after_training")
    assert unwrap(policy["count"]) == "local.after_training ? 1 : 0"
    assert local_values(tf, OPERATOR)["after_training"] == (
        f"${{{MODEL_LIFECYCLE} || {PURCHASE} || {BATCH} || {EVALUATION}}}"
    )
    assert policy["name"] == "${var.name}-bedrock-ft-operator-after-training"
    operator = next(b for b in blocks(tf, "data", OPERATOR, "aws_iam_policy_document") if b.name == "operator")
    assert "source_policy_documents" not in operator.body  # its own policy: together they pass IAM's size limit


def test_only_what_bedrock_ft_tagged_may_be_deleted(tf: Files) -> None:
    doc = document(tf, OPERATOR, "after_training")
    deleting = {st["sid"]: st["conditions"] for st in doc.statements if any("Delete" in a for a in st["actions"])}
    tagged = {"StringEquals": {"aws:ResourceTag/created-by": ["bedrock-ft"]}}
    assert deleting == {
        "FollowAndDeleteOnDemandDeployments": {},
        "DeleteOnlyProvisionedThroughputBedrockFtCreated": tagged,
        "DeleteOnlyCustomModelsBedrockFtCreated": tagged,
    }


def test_provisioned_throughput_can_be_created_only_behind_the_purchase_switch(tf: Files) -> None:
    doc = document(tf, OPERATOR, "after_training")
    creating = [st for st in doc.statements if "bedrock:CreateProvisionedModelThroughput" in st["actions"]]
    assert [st["sid"] for st in creating] == ["PurchaseProvisionedThroughputForTheAccountsCustomModels"]
    assert unwrap(creating[0]["dynamic"]).startswith(PURCHASE + " ?")
    assert creating[0]["resources"] == ["${local.custom_model_arns}", "${local.foundation_model_arns}"]
    assert variable(tf, ROOT, "operator_provisioned_throughput_purchase_allowed")["default"] is False


def test_invoking_covers_this_accounts_tuned_models_only(tf: Files) -> None:
    st = statement(document(tf, OPERATOR, "after_training"), "InvokeTheAccountsCustomModels")
    assert st is not None
    assert st["actions"] == ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
    assert st["resources"] == [
        "${local.deployment_arns}",
        "${local.provisioned_model_arns}",
        "${local.custom_model_arns}",
    ]
    arns = local_values(tf, OPERATOR)
    assert arns["deployment_arns"] == f"{BEDROCK_ARN}:custom-model-deployment/*"
    assert arns["provisioned_model_arns"] == f"{BEDROCK_ARN}:provisioned-model/*"


def test_batch_inference_operator_moves_only_the_batch_prefixes(tf: Files) -> None:
    doc = document(tf, OPERATOR, "after_training")
    s3 = {st["sid"]: st["resources"] for st in doc.statements if any(a.startswith("s3:") for a in st["actions"])}
    assert s3 == {
        "UploadBatchInferenceInputUnderItsPrefixOnly": ["${var.bucket_arn}/${var.batch_inference_input_prefix}/*"],
        "ReadBatchInferenceOutputUnderItsPrefix": ["${var.bucket_arn}/${var.batch_inference_output_prefix}/*"],
        "UploadJudgeDatasetsAndReadResultsUnderTheEvaluationPrefixOnly": [
            "${var.bucket_arn}/${var.evaluation_prefix}/*"
        ],
    }


def test_evaluation_operator_submits_follows_and_lists_this_accounts_evaluation_jobs(tf: Files) -> None:
    doc = document(tf, OPERATOR, "after_training")
    bedrock = {
        st["sid"]: (st["actions"], st["resources"])
        for st in doc.statements
        if any("EvaluationJob" in a for a in st["actions"])
    }
    assert bedrock == {
        "SubmitEvaluationJobsInThisAccountAndRegion": (
            ["bedrock:CreateEvaluationJob"],
            [
                "${local.evaluation_job_arns}",
                "${local.custom_model_arns}",
                "${local.foundation_model_arns}",
                "${local.inference_profile_arns}",
            ],
        ),
        "FollowStopAndTagEvaluationJobs": (
            [
                "bedrock:GetEvaluationJob",
                "bedrock:StopEvaluationJob",
                "bedrock:TagResource",
                "bedrock:ListTagsForResource",
            ],
            ["${local.evaluation_job_arns}"],
        ),
        "ListEvaluationJobsTakesNoResource": (["bedrock:ListEvaluationJobs"], ["*"]),
    }
    arns = local_values(tf, OPERATOR)
    assert arns["evaluation_job_arns"] == EVALUATION_JOBS
    assert arns["inference_profile_arns"] == f"{BEDROCK_ARN}:inference-profile/*"


def test_preflight_may_read_every_policy_attached_to_the_service_role(tf: Files) -> None:
    (operator,) = [b.body for b in blocks(tf, "module", ROOT) if b.name == "operator"]
    assert unwrap(operator["service_role_policy_arns"]) == "module.access.policy_arns"
    output = next(b.body for b in blocks(tf, "output", ACCESS) if b.name == "policy_arns")
    value = str(output["value"])
    for name in ("data_access", "batch_inference", "model_import", "rft_grader", "evaluation"):
        assert f"aws_iam_policy.{name}" in value


# ---- root outputs and the example -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "switch"),
    [
        ("batch_inference_input_prefix", "var.batch_inference_enabled"),
        ("batch_inference_output_prefix", "var.batch_inference_enabled"),
        ("batch_inference_input_s3_uri", "var.batch_inference_enabled"),
        ("batch_inference_output_s3_uri", "var.batch_inference_enabled"),
        ("model_import_prefix", "var.model_import_enabled"),
        ("model_import_s3_uri", "var.model_import_enabled"),
        ("evaluation_prefix", "var.evaluation_jobs_enabled"),
        ("evaluation_s3_uri", "var.evaluation_jobs_enabled"),
    ],
)
def test_lifecycle_outputs_are_null_while_their_switch_is_off(tf: Files, name: str, switch: str) -> None:
    (output,) = [b.body for b in blocks(tf, "output", ROOT) if b.name == name]
    value = unwrap(output["value"])
    assert value.startswith(f"{switch} ? ") and value.endswith(" : null")


def test_the_example_shows_every_lifecycle_switch(tf: Files) -> None:
    (call,) = [b.body for b in blocks(tf, "module", EXAMPLE) if b.name == "bedrock_ft"]
    for name in (
        "batch_inference_enabled",
        "model_import_enabled",
        "evaluation_jobs_enabled",
        "rft_grader_lambda_arns",
        "runtime_endpoint_enabled",
        "operator_model_lifecycle_enabled",
        "operator_provisioned_throughput_purchase_allowed",
    ):
        assert name in call, name
    assert call["operator_provisioned_throughput_purchase_allowed"] is False
