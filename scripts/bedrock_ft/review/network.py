"""The job security group's rules, read from the module's HCL (rule BFT012).

Bedrock's training cluster uses EFA-enabled instances: the group must allow all traffic (protocol -1) in from and
out to its own members, and an all-traffic rule must never name a CIDR or prefix list instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from bedrock_ft.review.findings import Finding, Location, Severity
from bedrock_ft.review.rules import RULES

RULE_TYPES = {"aws_vpc_security_group_ingress_rule": "ingress", "aws_vpc_security_group_egress_rule": "egress"}


def _finding(message: str, file: str | None, line: int | None, document: str, severity: Severity) -> Finding:
    rule = RULES["BFT012"]
    return Finding(
        "BFT012",
        severity,
        message,
        rule.fix,
        Location(file=file, line=line, document=document),
        "bedrock-ft",
        rule.name,
    )


def _ref(value: Any, terraform_hcl: Any) -> str:
    return str(terraform_hcl.unwrap(value)) if value is not None else ""


def security_group_findings(terraform_hcl: Any, module: Any, rel: Any) -> list[Finding]:
    """Findings for every aws_security_group that all-traffic rules use, or whose name says it is the job's."""
    findings: list[Finding] = []
    rules = [(b, RULE_TYPES[b.type]) for t in RULE_TYPES for b in terraform_hcl.blocks(module, "resource", t)]
    all_traffic = [(b, d) for b, d in rules if str(b.body.get("ip_protocol", "")).lower() in ("-1", "all")]
    for block, direction in all_traffic:
        own = _ref(block.body.get("security_group_id"), terraform_hcl)
        other = _ref(block.body.get("referenced_security_group_id"), terraform_hcl)
        wide = [k for k in ("cidr_ipv4", "cidr_ipv6", "prefix_list_id") if block.body.get(k)]
        if wide or not other or other != own:
            findings.append(
                _finding(
                    f"{block.address} allows all traffic ({direction}) to or from "
                    f"{', '.join(wide) or other or 'an unnamed peer'}, not only the group itself",
                    rel(block.file),
                    block.line,
                    block.address,
                    Severity.MEDIUM,
                )
            )
    for group in _job_groups(terraform_hcl, module, all_traffic):
        have = {d for b, d in all_traffic if _self_rule_of(b, group.address, terraform_hcl)}
        missing = [d for d in ("ingress", "egress") if d not in have]
        if missing:
            findings.append(
                _finding(
                    f"{group.address} has no self-referencing all-traffic {' or '.join(missing)} "
                    "rule: the job's EFA instances cannot talk to each other and the job fails",
                    rel(group.file),
                    group.line,
                    group.address,
                    Severity.MEDIUM,
                )
            )
    return findings


def _self_rule_of(block: Any, group: str, terraform_hcl: Any) -> bool:
    own = _ref(block.body.get("security_group_id"), terraform_hcl)
    other = _ref(block.body.get("referenced_security_group_id"), terraform_hcl)
    return own.startswith(group + ".") and own == other


def _endpoint_groups(terraform_hcl: Any, module: Any) -> set[str]:
    """Addresses of the security groups that interface endpoints use (an endpoint's group is never the job's)."""
    found = set()
    for endpoint in terraform_hcl.blocks(module, "resource", "aws_vpc_endpoint"):
        for text in terraform_hcl.iter_strings(endpoint.body.get("security_group_ids", [])):
            found.update(re.findall(r"aws_security_group\.[A-Za-z0-9_-]+", text))
    return found


def _job_groups(terraform_hcl: Any, module: Any, all_traffic: Iterable[tuple[Any, str]]) -> list[Any]:
    used = {_ref(b.body.get("security_group_id"), terraform_hcl).rsplit(".", 1)[0] for b, _ in all_traffic}
    endpoint_groups = _endpoint_groups(terraform_hcl, module) - used
    groups = []
    for group in terraform_hcl.blocks(module, "resource", "aws_security_group"):
        if group.address in endpoint_groups:
            continue
        named = " ".join(str(group.body.get(k, "")) for k in ("name", "name_prefix", "description")).lower()
        if group.address in used or "job" in str(group.name).lower() or "bedrock" in named:
            groups.append(group)
    return groups
