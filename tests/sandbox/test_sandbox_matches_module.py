"""The sandbox and the Terraform module agree: every policy statement and every security group rule.

The HCL is parsed with python-hcl2 (through bedrock_ft.core.terraform_hcl); Terraform expressions are resolved through
the module's locals down to placeholders such as ``<bucket_arn>`` and ``<region>``. bedrock_ft.sandbox.policies is
called with the same placeholders, so the two sides must produce the same statements, Sid for Sid.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from bedrock_ft.sandbox import policies
from bedrock_ft.sandbox.infrastructure import RUNTIME_ENDPOINT_RULES, SECURITY_GROUP_RULES, SecurityGroupRule

hcl = pytest.importorskip("bedrock_ft.core.terraform_hcl")

MODULES = Path(__file__).resolve().parents[2] / "modules"
INTERPOLATION = re.compile(r"\$\{([^{}]+)\}")

# Data sources and resource attributes, as placeholders.
KNOWN = {
    "data.aws_partition.current.partition": "<partition>",
    "data.aws_partition.current.dns_suffix": "<dns_suffix>",
    "data.aws_region.current.name": "<region>",
    "data.aws_region.current.region": "<region>",
    "data.aws_caller_identity.current.account_id": "<account_id>",
    "aws_s3_bucket.this.arn": "<bucket_arn>",
}
# List-valued expressions, as lists of placeholders.
LISTS = {
    "var.subnet_arns": ["<subnet_arn>"],
    "var.security_group_arns": ["<security_group_arn>"],
    "var.service_role_policy_arns": ["<service_role_policy_arn>"],
    "var.rft_grader_lambda_arns": ["<rft_grader_lambda_arn>"],
}
# What `statement.value` of a dynamic statement stands for, per document.
DYNAMIC_VALUE = {
    "data_access": "<kms_key_arn>",
    "operator": "<kms_key_arn>",
    "bucket": "<s3_endpoint_id>",
    "kms_key": "<flow_log_group_name>",
}

COMMON = {"partition": "<partition>", "region": "<region>", "account_id": "<account_id>"}
SANDBOX = {
    "trust": lambda: policies.trust_policy(**COMMON),
    "data_access": lambda: policies.data_access_policy(
        **COMMON,
        dns_suffix="<dns_suffix>",
        bucket_arn="<bucket_arn>",
        output_prefix="<output_prefix>",
        subnet_arns=["<subnet_arn>"],
        security_group_arns=["<security_group_arn>"],
        kms_key_arn="<kms_key_arn>",
    ),
    "s3_endpoint": lambda: policies.endpoint_policy(account_id="<account_id>", bucket_arn="<bucket_arn>"),
    "bucket": lambda: policies.bucket_policy(bucket_arn="<bucket_arn>", s3_endpoint_id="<s3_endpoint_id>"),
    "kms_key": lambda: policies.kms_key_policy(
        **COMMON,
        dns_suffix="<dns_suffix>",
        service_role_arn="<service_role_arn>",
        flow_log_group_name="<flow_log_group_name>",
    ),
    "flow_logs_trust": lambda: policies.flow_logs_trust_policy(**COMMON),
    "flow_logs_write": lambda: policies.flow_logs_write_policy(**COMMON, log_group_name="<flow_log_group_name>"),
    "operator": lambda: policies.operator_policy(
        **COMMON,
        dns_suffix="<dns_suffix>",
        service_role_arn="<service_role_arn>",
        service_role_policy_arns=["<service_role_policy_arn>"],
        bucket_arn="<bucket_arn>",
        data_prefix="<data_prefix>",
        output_prefix="<output_prefix>",
        kms_key_arn="<kms_key_arn>",
    ),
    # The lifecycle around the job: each document of the module as the sandbox builds it with its switch on.
    "batch_inference_trust": lambda: policies.batch_inference_trust_policy(**COMMON),
    "batch_inference": lambda: policies.batch_inference_policy(
        **COMMON,
        bucket_arn="<bucket_arn>",
        batch_inference_input_prefix="<batch_inference_input_prefix>",
        batch_inference_output_prefix="<batch_inference_output_prefix>",
        subnet_arns=["<subnet_arn>"],
    ),
    "model_import_trust": lambda: policies.model_import_trust_policy(**COMMON),
    "model_import": lambda: policies.model_import_policy(
        **COMMON, bucket_arn="<bucket_arn>", model_import_prefix="<model_import_prefix>", subnet_arns=["<subnet_arn>"]
    ),
    "rft_grader": lambda: policies.rft_grader_policy(rft_grader_lambda_arns=["<rft_grader_lambda_arn>"]),
    "runtime_endpoint": lambda: policies.runtime_endpoint_policy(**COMMON),
    "after_training": lambda: policies.after_training_policy(
        **COMMON,
        bucket_arn="<bucket_arn>",
        model_lifecycle=True,
        provisioned_throughput_purchase=True,
        batch_inference_input_prefix="<batch_inference_input_prefix>",
        batch_inference_output_prefix="<batch_inference_output_prefix>",
    ),
}


def module_locals(module_dir: Path) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for block in hcl.blocks(module_dir, "locals"):
        values.update(block.body)
    return values


class Resolver:
    def __init__(self, module_dir: Path, document: str) -> None:
        self.locals = module_locals(module_dir)
        self.dynamic_value = DYNAMIC_VALUE.get(document, "<statement.value>")

    def expression(self, expr: str) -> str:
        expr = expr.strip()
        if expr in KNOWN:
            return KNOWN[expr]
        if expr == "statement.value":
            return self.dynamic_value
        if expr.startswith("local."):
            value = self.locals.get(expr.removeprefix("local."))
            if isinstance(value, str) and not value.startswith("${coalesce"):
                return self.string(value)
            return f"<{expr.removeprefix('local.')}>"
        if expr.startswith("var."):
            return f"<{expr.removeprefix('var.')}>"
        return f"<{expr}>"

    def string(self, value: str) -> str:
        return INTERPOLATION.sub(lambda m: self.expression(m.group(1)), value)

    def values(self, items: list[Any]) -> list[str]:
        out: list[str] = []
        for item in items:
            whole = hcl.unwrap(item) if isinstance(item, str) else item
            if isinstance(whole, str) and whole in LISTS:
                out += LISTS[whole]
            elif isinstance(whole, str) and whole.startswith("concat("):
                for part in whole[len("concat(") : -1].split(","):
                    out += LISTS.get(part.strip(), [self.expression(part)])
            else:
                out.append(self.string(str(item)) if not isinstance(item, bool) else str(item).lower())
        return sorted(out)


def normalise_hcl(statement: dict[str, Any], resolver: Resolver) -> dict[str, Any]:
    return {
        "sid": statement["sid"],
        "effect": statement["effect"],
        "actions": sorted(statement["actions"]),
        "resources": resolver.values(statement["resources"]),
        "principals": {t: resolver.values(ids) for t, ids in statement["principals"].items()},
        "conditions": {
            test: {var: resolver.values(vals) for var, vals in entries.items()}
            for test, entries in statement["conditions"].items()
        },
    }


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def normalise_json(statement: dict[str, Any]) -> dict[str, Any]:
    principal = statement.get("Principal", {})
    principals = {"*": ["*"]} if principal == "*" else {t: sorted(_list(v)) for t, v in principal.items()}
    return {
        "sid": statement.get("Sid"),
        "effect": statement["Effect"],
        "actions": sorted(_list(statement["Action"])),
        "resources": sorted(_list(statement.get("Resource", []))),
        "principals": principals,
        "conditions": {
            test: {var: sorted(_list(vals)) for var, vals in entries.items()}
            for test, entries in statement.get("Condition", {}).items()
        },
    }


def hcl_documents() -> dict[str, tuple[Path, list[dict[str, Any]]]]:
    found = {}
    for document in hcl.policy_documents(MODULES):
        module_dir = MODULES / Path(document.file).parts[0]
        found[document.name] = (module_dir, document.statements)
    return found


DOCUMENTS = hcl_documents() if MODULES.is_dir() else {}


def test_every_policy_document_of_the_module_has_a_sandbox_function() -> None:
    assert DOCUMENTS, "no policy documents found in modules/"
    assert set(DOCUMENTS) == set(SANDBOX)


@pytest.mark.parametrize("name", sorted(SANDBOX))
def test_the_sandbox_document_matches_the_hcl_statement_by_statement(name: str) -> None:
    module_dir, statements = DOCUMENTS[name]
    resolver = Resolver(module_dir, name)
    expected = {s["sid"]: normalise_hcl(s, resolver) for s in statements}
    actual = {s["Sid"]: normalise_json(s) for s in SANDBOX[name]()["Statement"]}
    assert sorted(actual) == sorted(expected), "the Sids differ"
    for sid, statement in expected.items():
        assert actual[sid] == statement, sid


def hcl_security_group_rules(group: str = "job") -> set[SecurityGroupRule]:
    """The rules of one aws_security_group of the network module (by resource name)."""
    rules = set()
    for direction in ("ingress", "egress"):
        for block in hcl.blocks(MODULES / "network", "resource", f"aws_vpc_security_group_{direction}_rule"):
            body = block.body
            if not re.match(rf"aws_security_group\.{group}(\[0\])?\.id$", hcl.unwrap(body["security_group_id"])):
                continue
            if hcl.unwrap(body.get("referenced_security_group_id", "")) == hcl.unwrap(body["security_group_id"]):
                peer = "self"
            elif "s3" in str(body.get("prefix_list_id", "")):
                peer = "s3-prefix-list"
            elif hcl.unwrap(body.get("cidr_ipv4", "")) == "aws_vpc.this.cidr_block":
                peer = "vpc-cidr"
            else:
                peer = f"other: {body}"
            rules.add(
                SecurityGroupRule(direction, str(body["ip_protocol"]), peer, body.get("from_port"), body.get("to_port"))
            )
    return rules


def test_the_sandbox_security_group_rules_match_the_hcl() -> None:
    assert set(SECURITY_GROUP_RULES) == hcl_security_group_rules("job")


def test_the_sandbox_runtime_endpoint_rules_match_the_hcl() -> None:
    assert set(RUNTIME_ENDPOINT_RULES) == hcl_security_group_rules("runtime_endpoint")


def test_every_security_group_rule_of_the_module_belongs_to_a_compared_group() -> None:
    compared = hcl_security_group_rules("job") | hcl_security_group_rules("runtime_endpoint")
    count = sum(
        1
        for direction in ("ingress", "egress")
        for _ in hcl.blocks(MODULES / "network", "resource", f"aws_vpc_security_group_{direction}_rule")
    )
    assert len(compared) == count


def test_the_sandbox_creates_exactly_those_rules(sandbox_account: tuple[Any, dict[str, Any]]) -> None:
    session, values = sandbox_account
    group_id = values["security_group_ids"][0]
    group = session.client("ec2").describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
    created = set()
    for direction, key in (("ingress", "IpPermissions"), ("egress", "IpPermissionsEgress")):
        for permission in group[key]:
            if any(pair.get("GroupId") == group_id for pair in permission.get("UserIdGroupPairs", [])):
                peer = "self"
            elif permission.get("PrefixListIds"):
                peer = "s3-prefix-list"
            else:
                peer = "other"
            created.add(
                SecurityGroupRule(
                    direction, permission["IpProtocol"], peer, permission.get("FromPort"), permission.get("ToPort")
                )
            )
    assert created == set(SECURITY_GROUP_RULES)


def test_sandbox_refuses_flow_logs_without_a_key_with_the_module_message() -> None:
    from moto import mock_aws

    from bedrock_ft.core.errors import UsageError
    from bedrock_ft.job.session import AwsSession
    from bedrock_ft.sandbox.infrastructure import FLOW_LOGS_NEED_A_KEY, create_infrastructure

    log_group = next(b for b in hcl.blocks(MODULES / "network", "resource", "aws_cloudwatch_log_group"))
    messages = [p["error_message"] for p in log_group.body["lifecycle"][0]["precondition"]]
    assert FLOW_LOGS_NEED_A_KEY + "." in messages
    with mock_aws(), pytest.raises(UsageError, match="flow logs need a KMS key"):
        create_infrastructure(AwsSession(region="us-east-1"), use_kms=False, flow_logs=True)


def test_the_sandbox_numbers_each_subnet_by_its_zone_id_like_the_module(
    sandbox_account: tuple[Any, dict[str, Any]],
) -> None:
    # modules/network/locals.tf: network number = the zone ID's number - 1 (planned in tests/terraform/*.tftest.hcl).
    import ipaddress

    from bedrock_ft.sandbox.infrastructure import SUBNET_NEWBITS, VPC_CIDR

    session, values = sandbox_account
    ec2 = session.client("ec2")
    zone_ids = {z["ZoneName"]: z["ZoneId"] for z in ec2.describe_availability_zones()["AvailabilityZones"]}
    subnets = ec2.describe_subnets(SubnetIds=values["subnet_ids"])["Subnets"]
    slices = list(ipaddress.ip_network(VPC_CIDR).subnets(prefixlen_diff=SUBNET_NEWBITS))
    created = {s["AvailabilityZone"]: s["CidrBlock"] for s in subnets}
    expected = {zone: str(slices[int(zone_ids[zone].rsplit("-az", 1)[1]) - 1]) for zone in created}
    assert created == expected
    assert sorted(created) == values["availability_zones"]
