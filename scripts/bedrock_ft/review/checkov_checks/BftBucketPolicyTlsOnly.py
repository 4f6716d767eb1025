from __future__ import annotations

from typing import Any

from bft_policy import Stmt, hcl_statements, is_trust, statements_of, touches_s3
from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.data.base_check import BaseDataCheck
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

NAME = "The data bucket policy denies every request not made over TLS (aws:SecureTransport = false)"


def judge(statements: list[Stmt]) -> CheckResult:
    for s in statements:
        if s.effect.lower() != "deny" or not touches_s3(s):
            continue
        for test, variable, values in s.conditions:
            if test == "Bool" and variable.lower() == "aws:securetransport" and "false" in [v.lower() for v in values]:
                return CheckResult.PASSED
    return CheckResult.FAILED


def _bucket_shaped(statements: list[Stmt]) -> bool:
    """A bucket policy: S3 statements with principals, not only Allow-for-anyone (that is an endpoint policy)."""
    with_principals = [s for s in statements if s.principals]
    if not with_principals or is_trust(statements) or not all(touches_s3(s) for s in with_principals):
        return False
    return not all(s.allows and s.anyone() for s in statements)


class BftBucketPolicyTlsOnlyPolicy(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name=NAME,
            id="CKV_BFT_6",
            categories=[CheckCategories.ENCRYPTION],
            supported_resources=["aws_s3_bucket_policy"],
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        statements = statements_of(conf)
        return CheckResult.UNKNOWN if statements is None else judge(statements)


class BftBucketPolicyTlsOnlyDocument(BaseDataCheck):
    def __init__(self) -> None:
        super().__init__(
            name=NAME,
            id="CKV_BFT_6",
            categories=[CheckCategories.ENCRYPTION],
            supported_data=["aws_iam_policy_document"],
        )

    def scan_data_conf(self, conf: dict[str, Any]) -> CheckResult:
        statements = hcl_statements(conf)
        return judge(statements) if _bucket_shaped(statements) else CheckResult.PASSED


check = BftBucketPolicyTlsOnlyPolicy()
document_check = BftBucketPolicyTlsOnlyDocument()
