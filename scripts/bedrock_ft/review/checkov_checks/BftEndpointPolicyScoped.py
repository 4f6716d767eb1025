from __future__ import annotations

from typing import Any

from bft_policy import Stmt, any_bucket, hcl_statements, statements_of
from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.data.base_check import BaseDataCheck
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

NAME = "The S3 gateway endpoint has a policy, scoped to the data bucket (not Resource * or Action *)"


def judge(statements: list[Stmt]) -> CheckResult:
    for s in statements:
        if s.allows and (any_bucket(s.resources) or "*" in s.actions):
            return CheckResult.FAILED
    return CheckResult.PASSED


def _endpoint_shaped(statements: list[Stmt]) -> bool:
    """An endpoint policy: only Allow statements, each for Principal * (what a gateway endpoint policy looks like)."""
    return bool(statements) and all(s.allows and s.anyone() for s in statements)


class BftEndpointPolicyScopedEndpoint(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name=NAME, id="CKV_BFT_5", categories=[CheckCategories.NETWORKING], supported_resources=["aws_vpc_endpoint"]
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        service = str((conf.get("service_name") or [""])[0])
        kind = str((conf.get("vpc_endpoint_type") or ["Gateway"])[0]).lower()
        if not service.endswith("s3") or kind != "gateway":
            return CheckResult.PASSED
        if not conf.get("policy") or not conf["policy"][0]:
            return CheckResult.FAILED  # no policy: AWS applies full access
        statements = statements_of(conf)
        return CheckResult.UNKNOWN if statements is None else judge(statements)


class BftEndpointPolicyScopedDocument(BaseDataCheck):
    def __init__(self) -> None:
        super().__init__(
            name=NAME,
            id="CKV_BFT_5",
            categories=[CheckCategories.NETWORKING],
            supported_data=["aws_iam_policy_document"],
        )

    def scan_data_conf(self, conf: dict[str, Any]) -> CheckResult:
        statements = hcl_statements(conf)
        if not _endpoint_shaped(statements):
            return CheckResult.PASSED
        return judge(statements)


check = BftEndpointPolicyScopedEndpoint()
document_check = BftEndpointPolicyScopedDocument()
