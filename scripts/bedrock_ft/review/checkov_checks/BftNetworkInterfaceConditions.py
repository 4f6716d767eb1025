from __future__ import annotations

from typing import Any

from bft_policy import Stmt, hcl_statements, statements_of
from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.data.base_check import BaseDataCheck
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

NAME = (
    "Network-interface statements carry Bedrock's tag conditions (CreateNetworkInterface: aws:RequestTag/*; "
    "CreateTags: ec2:CreateAction; permission/delete calls: ec2:ResourceTag/* and ec2:Subnet)"
)

MANAGED = "BedrockManaged"
# The job-ARN tag Bedrock puts on a job's interfaces, per kind of job: customization, batch inference, model import.
JOBS = ("BedrockModelCustomizationJobArn", "BedrockModelInvocationJobArn", "BedrockModelImportJobArn")
PERMISSION_ACTIONS = (
    "ec2:CreateNetworkInterfacePermission",
    "ec2:DeleteNetworkInterface",
    "ec2:DeleteNetworkInterfacePermission",
)


def _on_interfaces(s: Stmt) -> bool:
    return any(r == "*" or "network-interface/" in r for r in s.resources)


def _names_a_job_tag(keys: set[str], prefix: str) -> bool:
    return any(f"{prefix}{job}".lower() in keys for job in JOBS)


def judge(statements: list[Stmt]) -> CheckResult:
    for s in statements:
        if not s.allows:
            continue
        keys = s.keys()
        if (
            s.covers("ec2:CreateNetworkInterface")
            and _on_interfaces(s)
            and not (f"aws:requesttag/{MANAGED}".lower() in keys and _names_a_job_tag(keys, "aws:requesttag/"))
        ):
            return CheckResult.FAILED
        if s.covers("ec2:CreateTags") and "ec2:createaction" not in keys:
            return CheckResult.FAILED
        if any(s.covers(a) for a in PERMISSION_ACTIONS) and not (
            {"ec2:subnet", f"ec2:resourcetag/{MANAGED}".lower()} <= keys and _names_a_job_tag(keys, "ec2:resourcetag/")
        ):
            return CheckResult.FAILED
    return CheckResult.PASSED


class BftNetworkInterfaceConditionsDocument(BaseDataCheck):
    def __init__(self) -> None:
        super().__init__(
            name=NAME, id="CKV_BFT_3", categories=[CheckCategories.IAM], supported_data=["aws_iam_policy_document"]
        )

    def scan_data_conf(self, conf: dict[str, Any]) -> CheckResult:
        return judge(hcl_statements(conf))


class BftNetworkInterfaceConditionsPolicy(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name=NAME,
            id="CKV_BFT_3",
            categories=[CheckCategories.IAM],
            supported_resources=["aws_iam_policy", "aws_iam_role_policy"],
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        statements = statements_of(conf)
        return CheckResult.UNKNOWN if statements is None else judge(statements)


check = BftNetworkInterfaceConditionsDocument()
policy_check = BftNetworkInterfaceConditionsPolicy()
