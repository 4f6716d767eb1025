"""The sandbox's policy documents (bedrock_ft.sandbox.policies) come out clean."""

from __future__ import annotations

import inspect

import pytest

from bedrock_ft.review.documents import Kind, PolicyDoc, detect_kind
from bedrock_ft.review.parliament_runner import lint
from bedrock_ft.review.rules import apply_rules

policies = pytest.importorskip("bedrock_ft.sandbox.policies")

VALUES = {
    "partition": "aws",
    "region": "us-east-1",
    "account_id": "123456789012",
    "dns_suffix": "amazonaws.com",
    "bucket_arn": "arn:aws:s3:::bedrock-ft-data-123456789012",
    "output_prefix": "output",
    "data_prefix": "data",
    "subnet_arns": ["arn:aws:ec2:us-east-1:123456789012:subnet/subnet-0123456789abcdef0"],
    "security_group_arns": ["arn:aws:ec2:us-east-1:123456789012:security-group/sg-0123456789abcdef0"],
    "kms_key_arn": "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-4000-8000-000000000000",
    "service_role_arn": "arn:aws:iam::123456789012:role/bedrock-ft-service",
    "service_role_policy_arns": ["arn:aws:iam::123456789012:policy/bedrock-ft-data-access"],
    "s3_endpoint_id": "vpce-0123456789abcdef0",
    "flow_log_group_name": "/aws/vpc-flow-logs/bedrock-ft",
    "log_group_name": "/aws/vpc-flow-logs/bedrock-ft",
    # The lifecycle documents, each with its switch on.
    "batch_inference_input_prefix": "batch-input",
    "batch_inference_output_prefix": "batch-output",
    "model_import_prefix": "model-import",
    "evaluation_prefix": "evaluation",
    "rft_grader_lambda_arns": ["arn:aws:lambda:us-east-1:123456789012:function:bedrock-ft-grader"],
    "batch_inference": True,
    "model_import": True,
    "evaluation_jobs": True,
    "model_lifecycle": True,
    "provisioned_throughput_purchase": True,
}
KINDS = {
    "trust_policy": Kind.TRUST,
    "flow_logs_trust_policy": Kind.TRUST,
    "endpoint_policy": Kind.ENDPOINT,
    "bucket_policy": Kind.BUCKET,
    "kms_key_policy": Kind.KMS_KEY,
    "batch_inference_trust_policy": Kind.TRUST,
    "model_import_trust_policy": Kind.TRUST,
    "evaluation_trust_policy": Kind.TRUST,
    "runtime_endpoint_policy": Kind.ENDPOINT,
}
NAMES = sorted(
    name
    for name, fn in inspect.getmembers(policies, inspect.isfunction)
    if name.endswith("_policy") and fn.__module__ == policies.__name__
)


def _document(name: str) -> PolicyDoc:
    function = getattr(policies, name)
    kwargs = {p: VALUES[p] for p in inspect.signature(function).parameters if p in VALUES}
    return PolicyDoc(name=f"sandbox {name}", kind=KINDS.get(name, Kind.IDENTITY), document=function(**kwargs))


def test_sandbox_builds_the_expected_documents() -> None:
    assert {
        "trust_policy",
        "data_access_policy",
        "endpoint_policy",
        "bucket_policy",
        "operator_policy",
        "kms_key_policy",
        "batch_inference_trust_policy",
        "batch_inference_policy",
        "model_import_trust_policy",
        "model_import_policy",
        "rft_grader_policy",
        "runtime_endpoint_policy",
        "after_training_policy",
    } <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_sandbox_policy_has_no_finding_at_medium_or_above(name: str) -> None:
    doc = _document(name)
    findings = [f for f in apply_rules([doc]) + lint([doc]) if f.severity.rank >= 2]
    assert findings == [], [f"{f.rule_id} {f.location}: {f.message}" for f in findings]


@pytest.mark.parametrize("name", ["batch_inference_policy", "model_import_policy"])
def test_network_interface_rules_refuse_a_lifecycle_statement_without_its_job_tag(name: str) -> None:
    doc = _document(name)
    for statement in doc.document["Statement"]:
        for test in list(statement.get("Condition", {})):
            statement["Condition"][test] = {
                key: value for key, value in statement["Condition"][test].items() if "JobArn" not in key
            }
    stripped = PolicyDoc(name=doc.name, kind=doc.kind, document=doc.document)
    assert sorted({f.rule_id for f in apply_rules([stripped]) if f.severity.rank >= 2}) == ["BFT004", "BFT006"]


@pytest.mark.parametrize("name", NAMES)
def test_sandbox_policy_content_reads_as_its_kind(name: str) -> None:
    doc = _document(name)
    assert detect_kind(doc.document) is doc.kind


@pytest.mark.parametrize("name", NAMES)
def test_sandbox_policy_judged_by_its_content_alone_has_no_finding_at_medium_or_above(name: str) -> None:
    doc = _document(name)
    loose = PolicyDoc(name=doc.name, kind=detect_kind(doc.document), document=doc.document)
    findings = [f for f in apply_rules([loose]) if f.severity.rank >= 2]
    assert findings == [], [f"{f.rule_id} {f.location}: {f.message}" for f in findings]
