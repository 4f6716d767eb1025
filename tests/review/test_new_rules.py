"""The rules from BFT013 on, case by case: what each catches and what it leaves alone."""

from __future__ import annotations

from typing import Any

import pytest

from bedrock_ft.review.documents import Kind, PolicyDoc
from bedrock_ft.review.findings import Severity
from bedrock_ft.review.rules import (
    bucket_policy_public,
    pass_role_any_service,
    s3_bucket_name_wildcard,
    trust_other_account,
    wildcard_like_conditions,
)

BUCKET = "arn:aws:s3:::bedrock-ft-data-111122223333"
BEDROCK = {"Service": "bedrock.amazonaws.com"}


def doc(kind: Kind, *statements: dict[str, Any], account: str | None = None) -> PolicyDoc:
    return PolicyDoc(name="p", kind=kind, document={"Statement": list(statements)}, account=account)


def allow(**fields: Any) -> dict[str, Any]:
    return {"Effect": "Allow", **fields}


def severities(findings: list[Any]) -> list[Severity]:
    return [f.severity for f in findings]


# ---------------------------------------------------------------- BFT013


def test_bft013_arnlike_source_arn_star_is_high() -> None:
    d = doc(
        Kind.TRUST, allow(Principal=BEDROCK, Action="sts:AssumeRole", Condition={"ArnLike": {"aws:SourceArn": "*"}})
    )
    assert severities(wildcard_like_conditions(d)) == [Severity.HIGH]


def test_bft013_an_arn_of_wildcards_guards_nothing_either() -> None:
    d = doc(
        Kind.TRUST,
        allow(Principal=BEDROCK, Action="sts:AssumeRole", Condition={"ArnLike": {"aws:SourceArn": "arn:*:*:*:*:*"}}),
    )
    assert len(wildcard_like_conditions(d)) == 1


def test_bft013_set_operator_forms_are_caught() -> None:
    d = doc(
        Kind.IDENTITY,
        allow(Action="ec2:CreateTags", Resource="*", Condition={"ForAnyValue:StringLike": {"aws:TagKeys": "*"}}),
    )
    assert severities(wildcard_like_conditions(d)) == [Severity.MEDIUM]


def test_bft013_a_narrow_pattern_is_left_alone() -> None:
    d = doc(
        Kind.TRUST,
        allow(
            Principal=BEDROCK,
            Action="sts:AssumeRole",
            Condition={
                "ArnLike": {"aws:SourceArn": "arn:aws:bedrock:us-east-1:111122223333:model-customization-job/*"}
            },
        ),
    )
    assert wildcard_like_conditions(d) == []


def test_bft013_stringequals_star_is_not_a_wildcard() -> None:
    d = doc(
        Kind.TRUST,
        allow(Principal=BEDROCK, Action="sts:AssumeRole", Condition={"StringEquals": {"aws:SourceAccount": "*"}}),
    )
    assert wildcard_like_conditions(d) == []


def test_bft013_a_deny_with_a_wildcard_condition_is_left_alone() -> None:
    d = doc(
        Kind.BUCKET,
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": f"{BUCKET}/*",
            "Condition": {"StringLike": {"aws:SourceVpce": "*"}},
        },
    )
    assert wildcard_like_conditions(d) == []


# ---------------------------------------------------------------- BFT014


def test_bft014_wildcard_inside_a_bucket_name_is_high() -> None:
    d = doc(Kind.IDENTITY, allow(Action="s3:GetObject", Resource="arn:aws:s3:::*data*/*"))
    assert severities(s3_bucket_name_wildcard(d)) == [Severity.HIGH]


def test_bft014_a_question_mark_in_a_bucket_name_is_a_wildcard_too() -> None:
    d = doc(Kind.ENDPOINT, allow(Principal="*", Action="s3:GetObject", Resource="arn:aws:s3:::data-?/*"))
    assert len(s3_bucket_name_wildcard(d)) == 1


def test_bft014_a_bucket_of_only_wildcards_is_left_to_bft003() -> None:
    d = doc(Kind.IDENTITY, allow(Action="s3:GetObject", Resource="arn:aws:s3:::*/*"))
    assert s3_bucket_name_wildcard(d) == []


def test_bft014_a_wildcard_in_the_key_is_fine() -> None:
    d = doc(Kind.IDENTITY, allow(Action="s3:GetObject", Resource=f"{BUCKET}/data/*"))
    assert s3_bucket_name_wildcard(d) == []


# ---------------------------------------------------------------- BFT015


def test_bft015_allow_to_aws_star_unconditionally_is_public() -> None:
    d = doc(Kind.BUCKET, allow(Principal={"AWS": "*"}, Action="s3:GetObject", Resource=f"{BUCKET}/*"))
    assert severities(bucket_policy_public(d)) == [Severity.HIGH]


@pytest.mark.parametrize(
    "condition",
    [
        {"StringNotEquals": {"aws:SourceVpce": "vpce-0123456789abcdef0"}},
        {"StringEqualsIfExists": {"aws:PrincipalAccount": "111122223333"}},
        {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}},
        {"StringLike": {"aws:PrincipalArn": "*"}},
        {"Bool": {"aws:SecureTransport": "true"}},
    ],
)
def test_bft015_conditions_that_do_not_pin_the_caller_still_leave_it_public(condition: dict[str, Any]) -> None:
    d = doc(Kind.BUCKET, allow(Principal="*", Action="s3:GetObject", Resource=f"{BUCKET}/*", Condition=condition))
    assert len(bucket_policy_public(d)) == 1


@pytest.mark.parametrize(
    "condition",
    [
        {"StringEquals": {"aws:SourceVpce": "vpce-0123456789abcdef0"}},
        {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}},
        {"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/r"}},
    ],
)
def test_bft015_a_condition_that_pins_the_caller_is_not_public(condition: dict[str, Any]) -> None:
    d = doc(Kind.BUCKET, allow(Principal="*", Action="s3:GetObject", Resource=f"{BUCKET}/*", Condition=condition))
    assert bucket_policy_public(d) == []


def test_bft015_leaves_endpoint_policies_to_bft010() -> None:
    d = doc(Kind.ENDPOINT, allow(Principal="*", Action="s3:GetObject", Resource=f"{BUCKET}/*"))
    assert bucket_policy_public(d) == []


# ---------------------------------------------------------------- BFT016


def test_bft016_any_role_to_any_service_with_stringequals_star_is_high() -> None:
    d = doc(
        Kind.IDENTITY,
        allow(Action="iam:PassRole", Resource="*", Condition={"StringEquals": {"iam:PassedToService": "*"}}),
    )
    assert severities(pass_role_any_service(d)) == [Severity.HIGH]


def test_bft016_a_role_name_pattern_counts_as_a_wildcard_role() -> None:
    d = doc(
        Kind.IDENTITY,
        allow(
            Action="iam:PassRole",
            Resource="arn:aws:iam::111122223333:role/bedrock-*",
            Condition={"StringLike": {"iam:PassedToService": "*"}},
        ),
    )
    assert len(pass_role_any_service(d)) == 1


def test_bft016_a_named_role_is_left_to_bft007() -> None:
    d = doc(
        Kind.IDENTITY,
        allow(
            Action="iam:PassRole",
            Resource="arn:aws:iam::111122223333:role/bedrock-ft-service",
            Condition={"StringLike": {"iam:PassedToService": "*"}},
        ),
    )
    assert pass_role_any_service(d) == []


def test_bft016_a_wildcard_role_passed_only_to_bedrock_is_left_to_bft007() -> None:
    d = doc(
        Kind.IDENTITY,
        allow(
            Action="iam:PassRole",
            Resource="*",
            Condition={"StringEquals": {"iam:PassedToService": "bedrock.amazonaws.com"}},
        ),
    )
    assert pass_role_any_service(d) == []


# ---------------------------------------------------------------- BFT017


def test_bft017_another_account_of_a_live_role_is_high() -> None:
    d = doc(
        Kind.TRUST,
        allow(Principal={"AWS": "arn:aws:iam::444455556666:root"}, Action="sts:AssumeRole"),
        account="111122223333",
    )
    findings = trust_other_account(d)
    assert severities(findings) == [Severity.HIGH] and "444455556666" in findings[0].message


def test_bft017_a_bare_account_id_is_an_account_principal() -> None:
    d = doc(Kind.TRUST, allow(Principal={"AWS": "444455556666"}, Action="sts:AssumeRole"), account="111122223333")
    assert len(trust_other_account(d)) == 1


def test_bft017_a_role_of_the_same_account_is_fine() -> None:
    d = doc(
        Kind.TRUST,
        allow(Principal={"AWS": "arn:aws:iam::111122223333:role/ci"}, Action="sts:AssumeRole"),
        account="111122223333",
    )
    assert trust_other_account(d) == []


def test_bft017_everyone_is_high() -> None:
    d = doc(Kind.TRUST, allow(Principal={"AWS": "*"}, Action="sts:AssumeRole"))
    assert severities(trust_other_account(d)) == [Severity.HIGH]


def test_bft017_an_account_principal_when_the_roles_account_is_unknown_is_medium() -> None:
    d = doc(Kind.TRUST, allow(Principal={"AWS": "arn:aws:iam::444455556666:root"}, Action="sts:AssumeRole"))
    assert severities(trust_other_account(d)) == [Severity.MEDIUM]


def test_bft017_the_roles_account_is_read_from_its_own_source_account_condition() -> None:
    d = doc(
        Kind.TRUST,
        allow(
            Principal=BEDROCK,
            Action="sts:AssumeRole",
            Condition={"StringEquals": {"aws:SourceAccount": "111122223333"}},
        ),
        allow(Principal={"AWS": "arn:aws:iam::444455556666:root"}, Action="sts:AssumeRole"),
    )
    assert severities(trust_other_account(d)) == [Severity.HIGH]


def test_bft017_a_service_principal_is_left_to_bft008() -> None:
    d = doc(Kind.TRUST, allow(Principal=BEDROCK, Action="sts:AssumeRole"))
    assert trust_other_account(d) == []


def test_bft015_names_the_principal_type_that_lets_anyone_in() -> None:
    d = doc(Kind.BUCKET, allow(Principal={"AWS": "*"}, Action="s3:GetObject", Resource=f"{BUCKET}/*"))
    assert "anyone (AWS *)" in bucket_policy_public(d)[0].message
