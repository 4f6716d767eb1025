"""What review is given: plan JSON, module folders (HCL), live roles, and what PATH turns out to be."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from bedrock_ft.core.errors import InputError
from bedrock_ft.review import review
from bedrock_ft.review.documents import Kind
from bedrock_ft.review.sources import from_plan, path_kind

from .conftest import BAD_POLICIES, GOOD_POLICIES, PLANS


def test_plan_yields_each_policy_with_the_kind_of_its_attribute() -> None:
    loaded = from_plan(PLANS / "good-plan.json")
    kinds = {doc.name: doc.kind for doc in loaded.docs}
    assert kinds == {
        "module.access.aws_iam_role.service.assume_role_policy": Kind.TRUST,
        "module.access.aws_iam_role_policy.data_access.policy": Kind.IDENTITY,
        "module.storage.aws_s3_bucket_policy.data.policy": Kind.BUCKET,
        "module.network.aws_vpc_endpoint.s3.policy": Kind.ENDPOINT,
    }


def test_good_plan_is_clean_at_medium() -> None:
    assert review(plans=[PLANS / "good-plan.json"], use_checkov=False).at_or_above("medium") == []


def test_plan_with_s3_endpoint_without_policy_is_a_high_finding() -> None:
    report = review(plans=[PLANS / "bad-plan.json"], use_checkov=False)
    finding = next(f for f in report.findings if f.rule_id == "BFT010")
    assert finding.severity.value == "high"
    assert finding.location.document == "module.network.aws_vpc_endpoint.s3"


def test_plan_trust_without_conditions_is_found() -> None:
    report = review(plans=[PLANS / "bad-plan.json"], use_checkov=False)
    assert any(f.rule_id == "BFT008" and "assume_role_policy" in (f.location.document or "") for f in report.findings)


def test_path_kind_detects_plan_policy_and_folder() -> None:
    assert path_kind(PLANS / "good-plan.json") == "plan"
    assert path_kind(GOOD_POLICIES / "trust.json") == "policy"
    assert path_kind(GOOD_POLICIES) == "module"


def test_path_kind_rejects_json_that_is_neither(tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    other.write_text('{"hello": 1}')
    with pytest.raises(InputError, match="neither a Terraform plan"):
        path_kind(other)


def test_binary_plan_file_gets_a_hint_to_render_it(tmp_path: Path) -> None:
    binary = tmp_path / "plan.tfplan"
    binary.write_bytes(b"PK\x03\x04 binary")
    with pytest.raises(InputError, match="terraform show -json"):
        review([binary], use_checkov=False)


def test_live_role_is_read_through_iam() -> None:
    bad_trust = (BAD_POLICIES / "bft008-trust-no-source-conditions.json").read_text()
    bad_inline = (BAD_POLICIES / "bft003-s3-any-bucket.json").read_text()
    with mock_aws():
        iam = boto3.client("iam", region_name="us-east-1")
        iam.create_role(RoleName="bedrock-ft-service", AssumeRolePolicyDocument=bad_trust)
        iam.put_role_policy(RoleName="bedrock-ft-service", PolicyName="data", PolicyDocument=bad_inline)
        arn = iam.create_policy(
            PolicyName="extra",
            PolicyDocument=json.dumps(json.loads((BAD_POLICIES / "bft007-passrole-any.json").read_text())),
        )["Policy"]["Arn"]
        iam.attach_role_policy(RoleName="bedrock-ft-service", PolicyArn=arn)
        report = review(
            role="arn:aws:iam::123456789012:role/bedrock-ft-service", use_checkov=False, iam_client_factory=lambda: iam
        )
    rules = {f.rule_id for f in report.findings}
    assert {"BFT008", "BFT003", "BFT007"} <= rules


def test_nothing_to_review_is_a_user_error() -> None:
    with pytest.raises(InputError, match="nothing to review"):
        review([], use_checkov=False)
