"""Policy documents as data: parsing, normalising and matching."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from bedrock_ft.core.errors import InputError
from bedrock_ft.core.iam_documents import action_matches, allowing, parse_document

DOC = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "Describe", "Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"},
        {
            "Effect": "Allow",
            "Action": ["s3:GetObject"],
            "Resource": ["arn:aws:s3:::bucket/*"],
            "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}},
        },
        {"Sid": "DenyAll", "Effect": "Deny", "NotAction": "s3:*", "Resource": "*"},
    ],
}


def test_single_strings_become_lists() -> None:
    first = parse_document(DOC)[0]
    assert first.actions == ("ec2:Describe*",) and first.resources == ("*",)


def test_statement_without_sid_is_labelled_by_position() -> None:
    assert parse_document(DOC)[1].label == "statement 1"
    assert parse_document(DOC)[0].label == "Sid Describe"


def test_url_encoded_document_as_iam_returns_it_is_decoded() -> None:
    assert len(parse_document(quote(json.dumps(DOC)))) == 3


def test_broken_json_names_the_source() -> None:
    with pytest.raises(InputError, match=r"role\.json is not JSON"):
        parse_document("{", source="role.json")


def test_document_without_statement_is_refused() -> None:
    with pytest.raises(InputError, match="no Statement"):
        parse_document({"Version": "2012-10-17"})


def test_action_matching_is_case_insensitive_with_wildcards() -> None:
    assert action_matches("ec2:Describe*", "EC2:DescribeSubnets")
    assert not action_matches("ec2:Describe*", "ec2:CreateNetworkInterface")


def test_allowing_ignores_deny_statements() -> None:
    statements = parse_document(DOC)
    assert [s.label for s in allowing(statements, "ec2:DescribeVpcs")] == ["Sid Describe"]
    assert allowing(statements, "iam:PassRole") == []


def test_not_action_covers_everything_else() -> None:
    deny = parse_document(DOC)[2]
    assert deny.covers_action("iam:PassRole") and not deny.covers_action("s3:GetObject")


def test_condition_keys_are_matched_case_insensitively() -> None:
    statement = parse_document(DOC)[1]
    assert statement.condition_values("StringEquals", "AWS:SourceAccount") == ("111122223333",)
    assert statement.condition_values("StringLike", "aws:SourceAccount") == ()
