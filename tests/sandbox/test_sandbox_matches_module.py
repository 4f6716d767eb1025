"""The sandbox and the Terraform module agree: every policy statement and every security group rule.

The module's HCL is the one source of its policy documents: scripts/render_module_documents.py renders them into the
templates bedrock_ft.core.module_documents ships, and bedrock_ft.sandbox.policies renders those. So the tests here
hold that the shipped templates are what the HCL renders to today (a change to the HCL fails them until the templates
are rendered again), and that each sandbox function asks for every statement of its document, each value in its
place. The security group rules are read from the HCL with python-hcl2 (through bedrock_ft.core.terraform_hcl).
"""

from __future__ import annotations

import importlib.util
import re
import shutil
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from bedrock_ft.core import module_documents
from bedrock_ft.core.module_documents import SecurityGroupRule
from bedrock_ft.sandbox import policies
from bedrock_ft.sandbox.infrastructure import RUNTIME_ENDPOINT_RULES, SECURITY_GROUP_RULES

hcl = pytest.importorskip("bedrock_ft.core.terraform_hcl")

ROOT = Path(__file__).resolve().parents[2]
MODULES = ROOT / "modules"


def _renderer() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "render_module_documents", ROOT / "scripts/render_module_documents.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


renderer = _renderer()

# Each sandbox function called with the placeholders themselves as its values: a one-value placeholder <x> renders
# as itself, and a list placeholder <x[]> as a one-item list of itself, so the result must be the template.
COMMON = {"partition": "<partition>", "region": "<region>", "account_id": "<account_id>"}
SANDBOX = {
    "trust": lambda: policies.trust_policy(**COMMON, batch_inference=True, model_import=True, evaluation_jobs=True),
    "data_access": lambda: policies.data_access_policy(
        **COMMON,
        dns_suffix="<dns_suffix>",
        bucket_arn="<bucket_arn>",
        output_prefix="<output_prefix>",
        subnet_arns=["<subnet_arns[]>"],
        security_group_arns=["<security_group_arns[]>"],
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
        service_role_policy_arns=["<service_role_policy_arns[]>"],
        bucket_arn="<bucket_arn>",
        data_prefix="<data_prefix>",
        output_prefix="<output_prefix>",
        kms_key_arn="<kms_key_arn>",
    ),
    "batch_inference_trust": lambda: policies.batch_inference_trust_policy(**COMMON),
    "batch_inference": lambda: policies.batch_inference_policy(
        **COMMON,
        bucket_arn="<bucket_arn>",
        batch_inference_input_prefix="<batch_inference_input_prefix>",
        batch_inference_output_prefix="<batch_inference_output_prefix>",
        subnet_arns=["<subnet_arns[]>"],
    ),
    "model_import_trust": lambda: policies.model_import_trust_policy(**COMMON),
    "model_import": lambda: policies.model_import_policy(
        **COMMON,
        bucket_arn="<bucket_arn>",
        model_import_prefix="<model_import_prefix>",
        subnet_arns=["<subnet_arns[]>"],
    ),
    "evaluation_trust": lambda: policies.evaluation_trust_policy(**COMMON),
    "evaluation": lambda: policies.evaluation_policy(
        **COMMON,
        dns_suffix="<dns_suffix>",
        bucket_arn="<bucket_arn>",
        evaluation_prefix="<evaluation_prefix>",
        kms_key_arn="<kms_key_arn>",
    ),
    "rft_grader": lambda: policies.rft_grader_policy(rft_grader_lambda_arns=["<rft_grader_lambda_arns[]>"]),
    "runtime_endpoint": lambda: policies.runtime_endpoint_policy(**COMMON),
    "after_training": lambda: policies.after_training_policy(
        **COMMON,
        bucket_arn="<bucket_arn>",
        model_lifecycle=True,
        provisioned_throughput_purchase=True,
        batch_inference_input_prefix="<batch_inference_input_prefix>",
        batch_inference_output_prefix="<batch_inference_output_prefix>",
        evaluation_prefix="<evaluation_prefix>",
    ),
}


def _template_statements(name: str) -> list[dict[str, Any]]:
    """The template's statements, with those of the documents it merges."""
    template = module_documents.template(name)
    statements = [dict(s.statement) for s in template.statements]
    for source in template.source_documents:
        statements += _template_statements(source)
    return statements


def test_the_shipped_module_documents_are_what_the_hcl_renders_to() -> None:
    stale = renderer.stale_files()
    assert stale == [], f"run python scripts/render_module_documents.py: {stale} are stale"


def test_the_render_check_exits_zero_when_the_documents_are_fresh(capsys: pytest.CaptureFixture[str]) -> None:
    assert renderer.main(["--check"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_a_policy_document_added_to_the_hcl_makes_the_shipped_ones_stale(tmp_path: Path) -> None:
    modules = tmp_path / "modules"
    shutil.copytree(MODULES, modules, ignore=shutil.ignore_patterns(".terraform*"))
    (modules / "access" / "extra.tf").write_text(
        'data "aws_iam_policy_document" "extra" {\n'
        "  statement {\n"
        '    sid       = "ReadTheBucket"\n'
        '    actions   = ["s3:GetObject"]\n'
        '    resources = ["${var.bucket_arn}/*"]\n'
        "  }\n"
        "}\n",
        encoding="utf-8",
    )
    assert renderer.stale_files(modules=modules) == ["extra.json"]
    statement = renderer.render_documents(modules)["extra"]["statements"][0]["statement"]
    assert statement["Resource"] == ["<bucket_arn>/*"]


def test_a_hand_edited_template_is_stale(tmp_path: Path) -> None:
    folder = tmp_path / "documents"
    shutil.copytree(module_documents.TEMPLATE_FOLDER, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    path = folder / "data_access.json"
    path.write_text(path.read_text(encoding="utf-8").replace('"s3:ListBucket"', '"s3:*"'), encoding="utf-8")
    (folder / "leftover.json").write_text("{}", encoding="utf-8")
    assert renderer.stale_files(folder=folder) == ["data_access.json", "leftover.json"]


def test_an_expression_the_renderer_cannot_place_is_refused(tmp_path: Path) -> None:
    modules = tmp_path / "modules"
    (modules / "odd").mkdir(parents=True)
    (modules / "odd" / "policy.tf").write_text(
        'data "aws_iam_policy_document" "odd" {\n'
        "  statement {\n"
        '    sid       = "Odd"\n'
        '    actions   = ["s3:GetObject"]\n'
        "    resources = [aws_s3_bucket.other.arn]\n"
        "  }\n"
        "}\n",
        encoding="utf-8",
    )
    with pytest.raises(renderer.RenderError, match=r"aws_s3_bucket\.other\.arn"):
        renderer.render_documents(modules)


def test_every_policy_document_of_the_module_has_a_sandbox_function() -> None:
    assert module_documents.names(), "no module documents shipped"
    assert set(module_documents.names()) == set(SANDBOX)


@pytest.mark.parametrize("name", sorted(SANDBOX))
def test_the_sandbox_document_is_the_module_template_statement_by_statement(name: str) -> None:
    document = SANDBOX[name]()
    assert document["Version"] == "2012-10-17"
    assert document["Statement"] == _template_statements(name)


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


def test_the_sandbox_describes_each_rule_as_the_module_does() -> None:
    # The descriptions as sent (moto keeps no description of a prefix-list rule): read from the requests.
    from moto import mock_aws

    from bedrock_ft.job.session import make_session
    from bedrock_ft.sandbox.infrastructure import create_infrastructure

    expected = {
        str(block.body["description"])
        for direction in ("ingress", "egress")
        for block in hcl.blocks(MODULES / "network", "resource", f"aws_vpc_security_group_{direction}_rule")
        if "aws_security_group.job." in str(block.body["security_group_id"])
    }
    sent: set[str] = set()

    def record(params: dict[str, Any], model: Any, **_: Any) -> None:
        if not model.name.startswith("AuthorizeSecurityGroup"):
            return
        for permission in params.get("IpPermissions", []):
            for peer in [*permission.get("UserIdGroupPairs", []), *permission.get("PrefixListIds", [])]:
                sent.add(peer["Description"])

    with mock_aws() as emulator:
        # An emulator of its own: another test of this module may hold the module's shared one open.
        emulator.reset()
        session = make_session("us-east-1")
        session.client("ec2").meta.events.register("provide-client-params.ec2", record)
        create_infrastructure(session, flow_logs=False)
    assert sent == expected


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
