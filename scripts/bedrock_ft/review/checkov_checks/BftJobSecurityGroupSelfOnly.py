from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck


class BftJobSecurityGroupSelfOnly(BaseResourceCheck):
    """The Bedrock job's all-traffic rules must reference the group itself (EFA needs it; nothing else may have it)."""

    def __init__(self) -> None:
        super().__init__(
            name="All-traffic security group rules (protocol -1) reference their own group, never a CIDR, "
            "prefix list or other group",
            id="CKV_BFT_1",
            categories=[CheckCategories.NETWORKING],
            supported_resources=["aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"],
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        protocol = str((conf.get("ip_protocol") or [""])[0]).lower()
        if protocol not in ("-1", "all"):
            return CheckResult.PASSED
        for wide in ("cidr_ipv4", "cidr_ipv6", "prefix_list_id"):
            if conf.get(wide) and conf[wide][0]:
                return CheckResult.FAILED
        own = (conf.get("security_group_id") or [None])[0]
        other = (conf.get("referenced_security_group_id") or [None])[0]
        if other is None:
            return CheckResult.UNKNOWN if own is None else CheckResult.FAILED
        if own is None:
            return CheckResult.UNKNOWN  # a plan that does not know the ids yet
        return CheckResult.PASSED if own == other else CheckResult.FAILED


check = BftJobSecurityGroupSelfOnly()
