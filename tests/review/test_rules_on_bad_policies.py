"""Each bad policy fixture produces the finding of the rule it was written for; the good ones produce none."""

from __future__ import annotations

import pytest

from bedrock_ft.review import review
from bedrock_ft.review.findings import Severity

from .conftest import BAD_POLICIES, GOOD_POLICIES

EXPECTED = {
    "bft001-wildcard-action.json": ("BFT001", Severity.HIGH),
    "bft002-wildcard-resource.json": ("BFT002", Severity.MEDIUM),
    "bft003-s3-any-bucket.json": ("BFT003", Severity.HIGH),
    "bft004-eni-create-untagged.json": ("BFT004", Severity.MEDIUM),
    "bft005-create-tags-unconditioned.json": ("BFT005", Severity.MEDIUM),
    "bft006-eni-permission-unconditioned.json": ("BFT006", Severity.MEDIUM),
    "bft007-passrole-any.json": ("BFT007", Severity.HIGH),
    "bft008-trust-no-source-conditions.json": ("BFT008", Severity.HIGH),
    "bft009-bucket-policy-no-tls.json": ("BFT009", Severity.MEDIUM),
    "bft010-endpoint-policy-allow-all.json": ("BFT010", Severity.HIGH),
    "bft011-bucket-policy-public.json": ("BFT011", Severity.HIGH),
}


def test_every_bad_fixture_has_an_expectation() -> None:
    assert sorted(p.name for p in BAD_POLICIES.glob("*.json")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_policy_produces_its_rules_finding(name: str) -> None:
    rule_id, severity = EXPECTED[name]
    report = review(policies=[BAD_POLICIES / name], use_checkov=False)
    matching = [f for f in report.findings if f.rule_id == rule_id]
    assert matching, [f.rule_id for f in report.findings]
    assert max(f.severity.rank for f in matching) == severity.rank


def test_finding_names_the_statement_by_sid() -> None:
    report = review(policies=[BAD_POLICIES / "bft003-s3-any-bucket.json"], use_checkov=False)
    finding = next(f for f in report.findings if f.rule_id == "BFT003")
    assert finding.location.sid == "ReadAnyBucket"
    assert finding.location.index == 0
    assert "arn:aws:s3:::*" in finding.message


def test_good_policies_have_no_finding_at_medium_or_above() -> None:
    report = review(policies=sorted(GOOD_POLICIES.glob("*.json")), use_checkov=False)
    assert report.at_or_above("medium") == []


def test_statement_without_sid_is_named_by_index(tmp_path) -> None:
    policy = tmp_path / "identity.json"
    policy.write_text('{"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}')
    report = review(policies=[policy], use_checkov=False)
    finding = next(f for f in report.findings if f.rule_id == "BFT003")
    assert finding.location.sid is None and finding.location.index == 0
    assert "statement 0" in str(finding.location)


def test_kms_default_key_policy_root_statement_is_not_a_wildcard_finding(tmp_path) -> None:
    policy = tmp_path / "kms-key-policy.json"
    policy.write_text(
        '{"Statement": [{"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},'
        ' "Action": "kms:*", "Resource": "*"}]}'
    )
    report = review(policies=[policy], use_checkov=False)
    assert [f for f in report.findings if f.rule_id.startswith("BFT")] == []
