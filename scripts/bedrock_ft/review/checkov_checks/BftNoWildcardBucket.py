from __future__ import annotations

from typing import Any

from bft_policy import Stmt, any_bucket, hcl_statements, statements_of, touches_s3
from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.data.base_check import BaseDataCheck
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

NAME = "S3 permissions name the data bucket, never * or arn:aws:s3:::* (any bucket)"


def judge(statements: list[Stmt]) -> CheckResult:
    for s in statements:
        if s.allows and touches_s3(s) and any_bucket(s.resources):
            return CheckResult.FAILED
    return CheckResult.PASSED


class BftNoWildcardBucketDocument(BaseDataCheck):
    def __init__(self) -> None:
        super().__init__(
            name=NAME, id="CKV_BFT_4", categories=[CheckCategories.IAM], supported_data=["aws_iam_policy_document"]
        )

    def scan_data_conf(self, conf: dict[str, Any]) -> CheckResult:
        return judge(hcl_statements(conf))


class BftNoWildcardBucketPolicy(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name=NAME,
            id="CKV_BFT_4",
            categories=[CheckCategories.IAM],
            supported_resources=[
                "aws_iam_policy",
                "aws_iam_role_policy",
                "aws_s3_bucket_policy",
                "aws_vpc_endpoint",
                "aws_vpc_endpoint_policy",
            ],
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        statements = statements_of(conf)
        return CheckResult.UNKNOWN if statements is None else judge(statements)


check = BftNoWildcardBucketDocument()
policy_check = BftNoWildcardBucketPolicy()
