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

from bedrock_ft.job.session import make_session
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


# ---- the lifecycle around the job, every switch on ----------------------------------------------------------------

LIFECYCLE_NAME = "bedrock-ft-lifecycle"
GRADER = "arn:aws:lambda:us-east-1:123456789012:function:bedrock-ft-grader"


@pytest.fixture(scope="module")
def lifecycle_created() -> dict[str, Any]:
    """Create the infrastructure with every lifecycle switch on and read the documents back."""
    from bedrock_ft.sandbox.infrastructure import Lifecycle

    lifecycle = Lifecycle(
        batch_inference=True,
        model_import=True,
        rft_grader_lambda_arns=(GRADER,),
        runtime_endpoint=True,
        operator_model_lifecycle=True,
        operator_provisioned_throughput_purchase=True,
    )
    with mock_aws():
        session = make_session(REGION)
        values = create_infrastructure(session, name=LIFECYCLE_NAME, flow_logs=False, lifecycle=lifecycle)
        iam = session.client("iam")
        ec2 = session.client("ec2")
        endpoint = ec2.describe_vpc_endpoints(VpcEndpointIds=[values["runtime_endpoint_id"]])["VpcEndpoints"][0]
        group_id = endpoint["Groups"][0]["GroupId"]
        return {
            "values": values,
            "service_role": _role_documents(iam, values["role_arn"].rsplit("/", 1)[-1]),
            "endpoint": endpoint,
            "endpoint_policy": as_document(endpoint["PolicyDocument"]),
            "endpoint_group": ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0],
            "after_training": _policy_version_document(iam, values["operator_after_training_policy_arn"]),
        }


def _attached(created: Mapping[str, Any], suffix: str) -> dict[str, Any]:
    (document,) = [d for arn, d in created["service_role"]["attached"].items() if arn.endswith(suffix)]
    return document


def test_lifecycle_trust_policy_adds_batch_and_import_jobs(lifecycle_created: dict[str, Any]) -> None:
    expected = policies.trust_policy(**scope(lifecycle_created["values"]), batch_inference=True, model_import=True)
    assert_same(lifecycle_created["service_role"]["trust"], expected)
    assert len(expected["Statement"]) == 3


def test_lifecycle_role_holds_the_data_access_and_the_three_lifecycle_policies(
    lifecycle_created: dict[str, Any],
) -> None:
    names = sorted(arn.rsplit("/", 1)[-1] for arn in lifecycle_created["service_role"]["attached"])
    assert names == sorted(
        f"{LIFECYCLE_NAME}-{suffix}"
        for suffix in (
            "bedrock-customization-data-access",
            "bedrock-batch-inference",
            "bedrock-model-import",
            "bedrock-rft-grader",
        )
    )


def test_lifecycle_batch_inference_policy_is_the_one_policies_builds(lifecycle_created: dict[str, Any]) -> None:
    values = lifecycle_created["values"]
    subnets = [f"arn:aws:ec2:{values['region']}:{values['account_id']}:subnet/{s}" for s in values["subnet_ids"]]
    expected = policies.batch_inference_policy(
        **scope(values),
        bucket_arn=values["bucket_arn"],
        batch_inference_input_prefix=values["batch_inference_input_prefix"],
        batch_inference_output_prefix=values["batch_inference_output_prefix"],
        subnet_arns=subnets,
    )
    assert_same(_attached(lifecycle_created, "-bedrock-batch-inference"), expected)


def test_lifecycle_model_import_policy_is_the_one_policies_builds(lifecycle_created: dict[str, Any]) -> None:
    values = lifecycle_created["values"]
    subnets = [f"arn:aws:ec2:{values['region']}:{values['account_id']}:subnet/{s}" for s in values["subnet_ids"]]
    expected = policies.model_import_policy(
        **scope(values), bucket_arn=values["bucket_arn"], model_import_prefix="model-import", subnet_arns=subnets
    )
    assert_same(_attached(lifecycle_created, "-bedrock-model-import"), expected)


def test_lifecycle_rft_grader_policy_is_the_one_policies_builds(lifecycle_created: dict[str, Any]) -> None:
    expected = policies.rft_grader_policy(rft_grader_lambda_arns=[GRADER])
    assert_same(_attached(lifecycle_created, "-bedrock-rft-grader"), expected)


def test_lifecycle_after_training_policy_is_the_one_policies_builds(lifecycle_created: dict[str, Any]) -> None:
    values = lifecycle_created["values"]
    expected = policies.after_training_policy(
        **scope(values),
        bucket_arn=values["bucket_arn"],
        model_lifecycle=True,
        provisioned_throughput_purchase=True,
        batch_inference_input_prefix="batch-input",
        batch_inference_output_prefix="batch-output",
    )
    assert_same(lifecycle_created["after_training"], expected)


def test_lifecycle_runtime_endpoint_is_private_dns_interface_with_the_module_policy(
    lifecycle_created: dict[str, Any],
) -> None:
    endpoint = lifecycle_created["endpoint"]
    values = lifecycle_created["values"]
    assert endpoint["VpcEndpointType"] == "Interface"
    assert endpoint["PrivateDnsEnabled"] is True
    assert endpoint["ServiceName"] == f"com.amazonaws.{REGION}.bedrock-runtime"
    assert sorted(endpoint["SubnetIds"]) == sorted(values["subnet_ids"])
    assert_same(lifecycle_created["endpoint_policy"], policies.runtime_endpoint_policy(**scope(values)))


def test_lifecycle_runtime_endpoint_group_lets_in_https_from_the_vpc_only(lifecycle_created: dict[str, Any]) -> None:
    from bedrock_ft.sandbox.infrastructure import VPC_CIDR

    group = lifecycle_created["endpoint_group"]
    assert group["IpPermissionsEgress"] == []
    assert [
        (p["IpProtocol"], p["FromPort"], p["ToPort"], [r["CidrIp"] for r in p["IpRanges"]])
        for p in group["IpPermissions"]
    ] == [("tcp", 443, 443, [VPC_CIDR])]


def test_lifecycle_outputs_name_the_batch_and_import_locations(lifecycle_created: dict[str, Any]) -> None:
    values = lifecycle_created["values"]
    bucket = values["bucket_name"]
    assert values["batch_inference_input_s3_uri"] == f"s3://{bucket}/batch-input/"
    assert values["batch_inference_output_s3_uri"] == f"s3://{bucket}/batch-output/"
    assert values["model_import_s3_uri"] == f"s3://{bucket}/model-import/"


def test_lifecycle_outputs_are_null_by_default(created: dict[str, Any]) -> None:
    values = created["values"]
    nulls = (
        "batch_inference_input_s3_uri",
        "model_import_s3_uri",
        "runtime_endpoint_id",
        "operator_after_training_policy_arn",
    )
    assert {name: values[name] for name in nulls} == dict.fromkeys(nulls)
    assert values["runtime_endpoint_dns_names"] == []
