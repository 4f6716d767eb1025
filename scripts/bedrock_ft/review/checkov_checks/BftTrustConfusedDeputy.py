from __future__ import annotations

from typing import Any

from bft_policy import Stmt, hcl_statements, is_trust, statements_of
from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.data.base_check import BaseDataCheck
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

NAME = "Service role trust policies require aws:SourceAccount and aws:SourceArn (confused-deputy guard)"


def judge(statements: list[Stmt]) -> CheckResult:
    if not is_trust(statements):
        return CheckResult.PASSED
    for s in statements:
        if not (s.allows and s.covers("sts:AssumeRole")):
            continue
        if s.anyone():
            return CheckResult.FAILED
        if s.principals.get("Service") and not {"aws:sourceaccount", "aws:sourcearn"} <= s.keys():
            return CheckResult.FAILED
    return CheckResult.PASSED


class BftTrustConfusedDeputyDocument(BaseDataCheck):
    def __init__(self) -> None:
        super().__init__(
            name=NAME, id="CKV_BFT_2", categories=[CheckCategories.IAM], supported_data=["aws_iam_policy_document"]
        )

    def scan_data_conf(self, conf: dict[str, Any]) -> CheckResult:
        return judge(hcl_statements(conf))


class BftTrustConfusedDeputyRole(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name=NAME, id="CKV_BFT_2", categories=[CheckCategories.IAM], supported_resources=["aws_iam_role"]
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        statements = statements_of(conf, "assume_role_policy")
        return CheckResult.UNKNOWN if statements is None else judge(statements)


check = BftTrustConfusedDeputyDocument()
role_check = BftTrustConfusedDeputyRole()
