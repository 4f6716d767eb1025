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
    "bft013-trust-stringlike-star.json": ("BFT013", Severity.HIGH),
    "bft014-bucket-name-wildcard.json": ("BFT014", Severity.HIGH),
    "bft015-public-grant-named-endpoint-policy.json": ("BFT015", Severity.HIGH),
    "bft016-passrole-any-role-any-service.json": ("BFT016", Severity.HIGH),
    "bft017-trust-another-account.json": ("BFT017", Severity.HIGH),
}
# The good twin of each new rule's bad fixture: the same kind of document, done right.
GOOD_TWINS = {
    "BFT013": "bft013-trust-stringlike-narrow.json",
    "BFT014": "bft014-bucket-name-exact.json",
    "BFT015": "bft015-bucket-policy-grants-the-role.json",
    "BFT016": "bft016-passrole-service-role-to-bedrock.json",
    "BFT017": "bft017-trust-own-account-role.json",
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


@pytest.mark.parametrize("rule_id", sorted(GOOD_TWINS))
def test_good_twin_has_no_finding_of_the_rule(rule_id: str) -> None:
    report = review(policies=[GOOD_POLICIES / GOOD_TWINS[rule_id]], use_checkov=False)
    assert [f for f in report.findings if f.rule_id == rule_id] == []


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


@pytest.mark.parametrize("rule_id", sorted(GOOD_TWINS))
def test_each_new_rules_bad_fixture_fails_the_command_at_medium(
    rule_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from bedrock_ft.cli import main

    bad = next(name for name, (rule, _) in EXPECTED.items() if rule == rule_id)
    assert main(["review", "--policy", str(BAD_POLICIES / bad), "--fail-on", "medium"]) == 1
    assert rule_id in capsys.readouterr().out


@pytest.mark.parametrize("rule_id", sorted(GOOD_TWINS))
def test_each_new_rules_good_twin_passes_the_command_at_medium(rule_id: str) -> None:
    from bedrock_ft.cli import main

    assert main(["review", "--policy", str(GOOD_POLICIES / GOOD_TWINS[rule_id]), "--fail-on", "medium"]) == 0
