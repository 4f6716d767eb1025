"""What the AWS APIs accept in the names, descriptions and tags the module builds.

Neither Terraform nor the provider checks most of these (an EC2 rule description with an apostrophe plans fine and
fails every apply), so the tests check them on a real plan. Each checker returns the problems of one value, an
empty list when the API accepts it. Sources: the API references' parameter constraints (EC2 CreateSecurityGroup /
AuthorizeSecurityGroupEgress, IAM CreateRole / CreatePolicy / PutRolePolicy, KMS CreateAlias / CreateKey, S3 bucket
naming rules, CloudWatch Logs CreateLogGroup, the tagging limits shared by these services).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

Checker = Callable[[str], list[str]]

# EC2 security group names and descriptions, rule descriptions (VPC): letters, digits, spaces, ._-:/()#,@[]+=&;{}!$*
EC2_TEXT = re.compile(r"[A-Za-z0-9 ._\-:/()#,@\[\]+=&;{}!$*]*")
# IAM role, policy and inline policy names.
IAM_NAME = re.compile(r"[A-Za-z0-9_+=,.@-]+")
# IAM role and policy descriptions.
IAM_DESCRIPTION = re.compile(r"[\t\n\r\u0020-\u007e\u00a1-\u00ff]*")
KMS_ALIAS = re.compile(r"alias/[A-Za-z0-9/_-]+")
LOG_GROUP = re.compile(r"[.\-_/#A-Za-z0-9]+")
# Tag keys and values (EC2, IAM, KMS, S3, Logs): Unicode letters, digits, white space and _ . : / = + - @
TAG_TEXT = re.compile(r"[\w\s.:/=+\-@]*")
BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
BUCKET_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
BUCKET_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


def _length(value: str, low: int, high: int) -> list[str]:
    return [] if low <= len(value) <= high else [f"{len(value)} characters, not {low} to {high}"]


def _characters(value: str, pattern: re.Pattern[str], what: str) -> list[str]:
    bad = sorted({c for c in value if not pattern.fullmatch(c)})
    return [f"characters {what} refuses: {''.join(bad)!r}"] if bad else []


def ec2_text(value: str) -> list[str]:
    return _length(value, 0, 255) + _characters(value, EC2_TEXT, "EC2")


def ec2_group_name(value: str) -> list[str]:
    problems = _length(value, 1, 255) + _characters(value, EC2_TEXT, "EC2")
    return problems + (["starts with sg-"] if value.startswith("sg-") else [])


def iam_role_name(value: str) -> list[str]:
    return _length(value, 1, 64) + _characters(value, IAM_NAME, "IAM")


def iam_policy_name(value: str) -> list[str]:
    return _length(value, 1, 128) + _characters(value, IAM_NAME, "IAM")


def iam_description(value: str) -> list[str]:
    return _length(value, 0, 1000) + _characters(value, IAM_DESCRIPTION, "IAM")


def kms_alias(value: str) -> list[str]:
    problems = _length(value, 1, 256)
    if not KMS_ALIAS.fullmatch(value):
        problems.append("not alias/ followed by letters, digits, / _ -")
    return problems + (["alias/aws/ is reserved for AWS"] if value.startswith("alias/aws/") else [])


def kms_description(value: str) -> list[str]:
    return _length(value, 0, 8192)


def log_group_name(value: str) -> list[str]:
    return _length(value, 1, 512) + _characters(value, LOG_GROUP, "CloudWatch Logs")


def bucket_name(value: str) -> list[str]:
    problems = [] if BUCKET.fullmatch(value) else ["not 3 to 63 lowercase letters, digits, dots and hyphens"]
    if ".." in value:
        problems.append("two adjacent dots")
    try:
        ipaddress.IPv4Address(value)
        problems.append("formatted as an IP address")
    except ValueError:
        pass
    problems += [f"starts with {p}" for p in BUCKET_PREFIXES if value.startswith(p)]
    problems += [f"ends with {s}" for s in BUCKET_SUFFIXES if value.endswith(s)]
    return problems


def tag_key(value: str) -> list[str]:
    problems = _length(value, 1, 128) + _characters(value, TAG_TEXT, "tagging")
    return problems + (["aws: is reserved"] if value.lower().startswith("aws:") else [])


def tag_value(value: str) -> list[str]:
    return _length(value, 0, 256) + _characters(value, TAG_TEXT, "tagging")


# (resource type, attribute) -> the checker of what its API accepts.
RULES: dict[tuple[str, str], Checker] = {
    ("aws_security_group", "name"): ec2_group_name,
    ("aws_security_group", "description"): ec2_text,
    ("aws_vpc_security_group_ingress_rule", "description"): ec2_text,
    ("aws_vpc_security_group_egress_rule", "description"): ec2_text,
    ("aws_iam_role", "name"): iam_role_name,
    ("aws_iam_role", "description"): iam_description,
    ("aws_iam_policy", "name"): iam_policy_name,
    ("aws_iam_policy", "description"): iam_description,
    ("aws_iam_role_policy", "name"): iam_policy_name,
    ("aws_kms_alias", "name"): kms_alias,
    ("aws_kms_key", "description"): kms_description,
    ("aws_cloudwatch_log_group", "name"): log_group_name,
    ("aws_s3_bucket", "bucket"): bucket_name,
}
# Attributes that are a name or a description wherever they appear: each needs a rule above when the plan knows it.
NAMED_ATTRIBUTES = ("name", "name_prefix", "description")


def planned_resources(plan: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Every managed resource of ``terraform show -json`` of a plan, in every module."""
    stack = [plan["planned_values"]["root_module"]]
    while stack:
        module = stack.pop()
        yield from (r for r in module.get("resources", []) if r.get("mode") == "managed")
        stack.extend(module.get("child_modules", []))


def string_problems(plan: Mapping[str, Any], types: tuple[str, ...] | None = None) -> list[str]:
    """The known names and descriptions of the plan (of ``types`` only, if given) that their API would refuse."""
    problems = []
    for resource in planned_resources(plan):
        if types is not None and resource["type"] not in types:
            continue
        for (type_, attribute), check in RULES.items():
            value = resource.get("values", {}).get(attribute) if resource["type"] == type_ else None
            if isinstance(value, str):
                problems += [f"{resource['address']}.{attribute} = {value!r}: {p}" for p in check(value)]
    return problems


def tag_problems(plan: Mapping[str, Any]) -> list[str]:
    problems = []
    for resource in planned_resources(plan):
        for key, value in (resource.get("values", {}).get("tags") or {}).items():
            problems += [f"{resource['address']} tag key {key!r}: {p}" for p in tag_key(key)]
            if isinstance(value, str):
                problems += [f"{resource['address']} tag {key} = {value!r}: {p}" for p in tag_value(value)]
    return problems


def unchecked_strings(plan: Mapping[str, Any]) -> list[str]:
    """Names and descriptions the plan knows and no rule checks (a resource type added without its rule)."""
    return [
        f"{resource['address']}.{attribute}"
        for resource in planned_resources(plan)
        for attribute in NAMED_ATTRIBUTES
        if isinstance(resource.get("values", {}).get(attribute), str) and (resource["type"], attribute) not in RULES
    ]
