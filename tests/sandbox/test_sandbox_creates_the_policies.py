"""What the sandbox creates is what bedrock_ft.sandbox.policies builds: every policy document, read back.

test_sandbox_matches_module.py proves the module's HCL and policies.py agree statement for statement; this file
closes the chain by creating the infrastructure in moto and reading back from the emulator the documents the
resources actually hold (the service role's trust and attached/inline policies, the S3 endpoint policy, the KMS key
policy, the operator policy, the bucket policy and the flow-logs role), so HCL == policies.py == the sandbox.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

import pytest
from moto import mock_aws

from bedrock_ft.aws_session import make_session
from bedrock_ft.sandbox import policies
from bedrock_ft.sandbox.infrastructure import DNS_SUFFIX, OUTPUT_PREFIX, create_infrastructure

NAME = "bedrock-ft-readback"
REGION = "us-east-1"


def as_document(raw: str | Mapping[str, Any]) -> dict[str, Any]:
    """A policy document as a dict, whether the emulator returned a dict, JSON text or URL-encoded JSON text."""
    if isinstance(raw, str):
        text = unquote(raw) if raw.lstrip().startswith("%7B") else raw
        raw = json.loads(text)
    assert isinstance(raw, Mapping), raw
    return dict(raw)


def canonical(value: Any) -> Any:
    """The same document whatever the order of list items and whether a one-item list is written as its item."""
    if isinstance(value, Mapping):
        return {str(k): canonical(v) for k, v in sorted(value.items())}
    if isinstance(value, list | tuple):
        items = sorted((canonical(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
        return items[0] if len(items) == 1 else items
    return value


def by_sid(document: Mapping[str, Any]) -> dict[str, Any]:
    """Statements keyed by Sid (each document of the module names every statement), canonicalised."""
    statements = document["Statement"]
    statements = statements if isinstance(statements, list) else [statements]
    keyed = {s.get("Sid"): canonical(s) for s in statements}
    assert None not in keyed and len(keyed) == len(statements), "every statement needs a distinct Sid"
    return keyed


def assert_same(actual: Mapping[str, Any], expected: Mapping[str, Any]) -> None:
    assert actual.get("Version") == expected.get("Version")
    assert by_sid(actual) == by_sid(expected)


def _policy_version_document(iam: Any, arn: str) -> dict[str, Any]:
    version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    return as_document(iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"])


def _role_documents(iam: Any, role_name: str) -> dict[str, Any]:
    """A role's trust policy and its attached and inline policies, as the emulator returns them."""
    role = iam.get_role(RoleName=role_name)["Role"]
    attached = {
        a["PolicyArn"]: _policy_version_document(iam, a["PolicyArn"])
        for a in iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]
    }
    inline = {
        name: as_document(iam.get_role_policy(RoleName=role_name, PolicyName=name)["PolicyDocument"])
        for name in iam.list_role_policies(RoleName=role_name)["PolicyNames"]
    }
    return {
        "arn": role["Arn"],
        "trust": as_document(role["AssumeRolePolicyDocument"]),
        "attached": attached,
        "inline": inline,
    }


@pytest.fixture(scope="module")
def created() -> dict[str, Any]:
    """Create the infrastructure (flow logs and bucket policy included) and read every document back."""
    with mock_aws():
        session = make_session(REGION)
        values = create_infrastructure(session, name=NAME, flow_logs=True, attach_bucket_policy=True)
        iam = session.client("iam")
        service_role = values["role_arn"].rsplit("/", 1)[-1]
        endpoint = session.client("ec2").describe_vpc_endpoints(VpcEndpointIds=[values["s3_endpoint_id"]])
        return {
            "values": values,
            "service_role": _role_documents(iam, service_role),
            "flow_logs_role": _role_documents(iam, f"{NAME}-vpc-flow-logs"),
            "endpoint": as_document(endpoint["VpcEndpoints"][0]["PolicyDocument"]),
            "key": as_document(
                session.client("kms").get_key_policy(KeyId=values["kms_key_arn"], PolicyName="default")["Policy"]
            ),
            "operator": _policy_version_document(iam, values["operator_policy_arn"]),
            "bucket": as_document(session.client("s3").get_bucket_policy(Bucket=values["bucket_name"])["Policy"]),
        }


def scope(values: Mapping[str, Any]) -> dict[str, str]:
    return {"partition": "aws", "region": values["region"], "account_id": values["account_id"]}


def data_access_expected(values: Mapping[str, Any]) -> dict[str, Any]:
    ec2_arn = f"arn:aws:ec2:{values['region']}:{values['account_id']}"
    return policies.data_access_policy(
        **scope(values),
        dns_suffix=DNS_SUFFIX,
        bucket_arn=values["bucket_arn"],
        output_prefix=OUTPUT_PREFIX,
        subnet_arns=[f"{ec2_arn}:subnet/{s}" for s in values["subnet_ids"]],
        security_group_arns=[f"{ec2_arn}:security-group/{g}" for g in values["security_group_ids"]],
        kms_key_arn=values["kms_key_arn"],
    )


def test_canonical_ignores_order_and_one_item_lists_only() -> None:
    assert canonical({"Action": ["b", "a"], "Resource": ["x"]}) == canonical({"Resource": "x", "Action": ["a", "b"]})
    assert canonical({"Action": ["a", "b"]}) != canonical({"Action": ["a"]})
    encoded = "%7B%22Statement%22%3A%20%5B%5D%7D"
    assert as_document(encoded) == as_document('{"Statement": []}') == {"Statement": []}


def test_the_service_role_trust_policy_is_the_one_policies_builds(created: dict[str, Any]) -> None:
    expected = policies.trust_policy(**scope(created["values"]))
    assert_same(created["service_role"]["trust"], expected)


def test_the_service_role_holds_exactly_the_data_access_policy(created: dict[str, Any]) -> None:
    role = created["service_role"]
    assert role["inline"] == {}
    assert len(role["attached"]) == 1, list(role["attached"])
    (document,) = role["attached"].values()
    assert_same(document, data_access_expected(created["values"]))


def test_the_endpoint_policy_is_the_one_policies_builds(created: dict[str, Any]) -> None:
    values = created["values"]
    expected = policies.endpoint_policy(account_id=values["account_id"], bucket_arn=values["bucket_arn"])
    assert_same(created["endpoint"], expected)


def test_the_key_policy_is_the_one_policies_builds(created: dict[str, Any]) -> None:
    values = created["values"]
    expected = policies.kms_key_policy(
        **scope(values),
        dns_suffix=DNS_SUFFIX,
        service_role_arn=values["role_arn"],
        flow_log_group_name=f"/aws/vpc-flow-logs/{NAME}",
    )
    assert_same(created["key"], expected)


def test_the_operator_policy_is_the_one_policies_builds(created: dict[str, Any]) -> None:
    values = created["values"]
    expected = policies.operator_policy(
        **scope(values),
        dns_suffix=DNS_SUFFIX,
        service_role_arn=values["role_arn"],
        service_role_policy_arns=list(created["service_role"]["attached"]),
        bucket_arn=values["bucket_arn"],
        data_prefix=values["data_prefix"],
        output_prefix=values["output_prefix"],
        kms_key_arn=values["kms_key_arn"],
    )
    assert_same(created["operator"], expected)


def test_the_bucket_policy_is_the_one_policies_builds(created: dict[str, Any]) -> None:
    expected = policies.bucket_policy(bucket_arn=created["values"]["bucket_arn"])
    assert_same(created["bucket"], expected)


def test_the_flow_logs_role_holds_the_documents_policies_builds(created: dict[str, Any]) -> None:
    values = created["values"]
    role = created["flow_logs_role"]
    assert_same(role["trust"], policies.flow_logs_trust_policy(**scope(values)))
    assert role["attached"] == {}
    assert list(role["inline"]) == ["write-flow-logs"]
    expected = policies.flow_logs_write_policy(**scope(values), log_group_name=f"/aws/vpc-flow-logs/{NAME}")
    assert_same(role["inline"]["write-flow-logs"], expected)
