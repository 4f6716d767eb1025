"""Property-based fuzzing of review's document parsing and of the rules run on what it parses (a policy file, a plan
and a live role's documents are parsed, classified and then judged by every rule).

Whatever bytes a policy file or a plan holds, and whatever a live role's documents look like, the review ends in a
report or a ``BedrockFtError``: never another exception (a traceback for the user). The cases are derandomized (the
same on every run); with CI=true each target runs at least 10,000 of them, locally a few hundred.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bedrock_ft.core.errors import BedrockFtError
from bedrock_ft.review import review
from bedrock_ft.review.findings import Report

PROFILE = "bedrock-ft-review-fuzz"
EXAMPLES = 10_000 if os.environ.get("CI") == "true" else 300
settings.register_profile(
    PROFILE,
    max_examples=EXAMPLES,
    derandomize=True,  # a fixed sequence of cases: a failure is found again on every run
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
FUZZ = settings.get_profile(PROFILE)

# ---------------------------------------------------------------- what the cases are made of

POLICY_KEYS = [
    "Version",
    "Statement",
    "Sid",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Principal",
    "NotPrincipal",
    "Condition",
    "AWS",
    "Service",
    "Federated",
    "*",
]
PLAN_KEYS = [
    "planned_values",
    "root_module",
    "child_modules",
    "resources",
    "resource_changes",
    "change",
    "after",
    "values",
    "address",
    "type",
    "mode",
    "policy",
    "assume_role_policy",
    "service_name",
    "managed",
]
CONDITION_OPERATORS = [
    "StringEquals",
    "StringLike",
    "ArnLike",
    "ArnEquals",
    "Bool",
    "StringNotEquals",
    "StringEqualsIfExists",
    "ForAnyValue:StringLike",
    "ForAllValues:StringEquals",
    "IpAddress",
    "Null",
]
CONDITION_KEYS = [
    "aws:SourceArn",
    "aws:SourceAccount",
    "aws:PrincipalAccount",
    "aws:SecureTransport",
    "iam:PassedToService",
    "aws:SourceVpce",
    "aws:RequestTag/BedrockManaged",
    "ec2:CreateAction",
    "aws:TagKeys",
    "ec2:Subnet",
    "aws:SourceIp",
]
ACTIONS = [
    "*",
    "s3:*",
    "s3:GetObject",
    "s3:ListBucket",
    "sts:AssumeRole",
    "sts:*",
    "iam:PassRole",
    "kms:*",
    "kms:Decrypt",
    "ec2:CreateNetworkInterface",
    "ec2:CreateTags",
    "ec2:DeleteNetworkInterface",
    "bedrock:CreateModelCustomizationJob",
    "sqs:SendMessage",
]
RESOURCES = [
    "*",
    "arn:aws:s3:::*",
    "arn:aws:s3:::*data*/*",
    "arn:aws:s3:::bucket",
    "arn:aws:s3:::bucket/*",
    "arn:aws:iam::111122223333:role/*",
    "arn:aws:iam::111122223333:role/r",
    "arn:*:*",
    "arn:aws:ec2:us-east-1:111122223333:network-interface/*",
    "arn:aws:ec2:us-east-1:111122223333:subnet/*",
]
PRINCIPAL_IDS = [
    "*",
    "111122223333",
    "444455556666",
    "arn:aws:iam::444455556666:root",
    "arn:aws:iam::111122223333:role/ci",
    "bedrock.amazonaws.com",
]
VALUES = [
    "*",
    "**",
    "arn:*",
    "111122223333",
    "false",
    "true",
    "bedrock.amazonaws.com",
    "0.0.0.0/0",
    "arn:aws:bedrock:us-east-1:111122223333:model-customization-job/*",
]

# Text that includes what breaks naive code: NUL, lone surrogates, very long runs.
texts = st.one_of(
    st.sampled_from(POLICY_KEYS + PLAN_KEYS + ACTIONS + RESOURCES + VALUES + CONDITION_OPERATORS + CONDITION_KEYS),
    st.sampled_from(["\x00", "\ud800", "\udfff", "a" * 5000, "", " ", "é", "\u202e"]),
    st.text(max_size=8),
)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), texts)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.sampled_from(POLICY_KEYS + PLAN_KEYS), children, max_size=3),
    ),
    max_leaves=6,
)


def one_or_many(element: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A value IAM accepts (one, or a list), or now and then any JSON value instead."""
    return st.one_of(element, st.lists(element, max_size=3), json_values)


conditions = st.one_of(
    st.dictionaries(
        st.sampled_from(CONDITION_OPERATORS),
        st.dictionaries(st.sampled_from(CONDITION_KEYS), one_or_many(st.sampled_from(VALUES)), max_size=2),
        max_size=2,
    ),
    json_values,
)
principals = st.one_of(
    st.just("*"),
    st.dictionaries(
        st.sampled_from(["AWS", "Service", "Federated", "*"]),
        one_or_many(st.sampled_from(PRINCIPAL_IDS)),
        min_size=1,
        max_size=2,
    ),
    json_values,
)
# Mostly well-formed statements (so the rules run on them), with any field now and then of any shape.
statements = st.one_of(
    st.fixed_dictionaries(
        {"Effect": st.one_of(st.sampled_from(["Allow", "Deny"]), json_values)},
        optional={
            "Sid": texts,
            "Action": one_or_many(st.sampled_from(ACTIONS)),
            "NotAction": one_or_many(st.sampled_from(ACTIONS)),
            "Resource": one_or_many(st.sampled_from(RESOURCES)),
            "NotResource": one_or_many(st.sampled_from(RESOURCES)),
            "Principal": principals,
            "NotPrincipal": principals,
            "Condition": conditions,
        },
    ),
    json_values,
)
policy_documents = st.one_of(
    st.fixed_dictionaries(
        {"Statement": st.one_of(st.lists(statements, max_size=3), statements)},
        optional={"Version": st.one_of(st.just("2012-10-17"), json_values)},
    ),
    json_values,
)
POLICY_ATTRIBUTES = [
    ("aws_iam_role", "assume_role_policy"),
    ("aws_iam_role_policy", "policy"),
    ("aws_s3_bucket_policy", "policy"),
    ("aws_vpc_endpoint", "policy"),
    ("aws_kms_key", "policy"),
]


@st.composite
def plans(draw: st.DrawFn) -> Any:
    """A plan whose policy attributes hold the fuzzed documents, as JSON text or as objects."""
    resources = []
    for index in range(draw(st.integers(0, 2))):
        kind, attribute = draw(st.sampled_from(POLICY_ATTRIBUTES))
        document = draw(policy_documents)
        value = json.dumps(document) if draw(st.booleans()) else document
        values: Any = {attribute: value, "service_name": "com.amazonaws.us-east-1.s3"}
        if draw(st.integers(0, 9)) == 0:
            values = draw(json_values)
        resources.append({"address": f"{kind}.r{index}", "type": kind, "mode": "managed", "values": values})
    plan: Any = {"planned_values": {"root_module": {"resources": resources}}}
    if draw(st.integers(0, 4)) == 0:
        plan = {"planned_values": draw(json_values), "resource_changes": draw(json_values)}
    return plan


def _nested(depth: int) -> bytes:
    return b'{"Statement": ' + b"[" * depth + b"]" * depth + b"}"


file_contents = st.one_of(
    policy_documents.map(lambda d: json.dumps(d).encode("utf-8", "surrogatepass")),
    plans().map(lambda p: json.dumps(p).encode("utf-8", "surrogatepass")),
    st.binary(max_size=200),
    st.integers(1, 3000).map(_nested),
    st.sampled_from([b"", b"\xef\xbb\xbf{}", b"PK\x03\x04", b'{"Statement": "\xff"}', b"null", b"[]"]),
)

# ---------------------------------------------------------------- the targets


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="fuzz-review-") as folder:
        yield Path(folder)


def review_file(content: bytes, folder: Path) -> list[Report | BedrockFtError]:
    """The file reviewed as a detected PATH, as a plan and as a policy: a report or a BedrockFtError each time."""
    path = folder / "document.json"
    path.write_bytes(content)
    outcomes: list[Report | BedrockFtError] = []
    for call in (
        lambda: review([path], use_checkov=False, use_parliament=False),
        lambda: review(plans=[path], use_checkov=False, use_parliament=False),
        lambda: review(policies=[path], use_checkov=False, use_parliament=False),
    ):
        try:
            outcomes.append(call())
        except BedrockFtError as exc:
            outcomes.append(exc)
    return outcomes


class FakeIam:
    """Just enough of an IAM client for sources.from_role: one role with one inline and one attached policy."""

    def __init__(self, trust: Any, inline: Any, attached: Any) -> None:
        self.trust, self.inline, self.attached = trust, inline, attached

    def get_role(self, RoleName: str) -> dict[str, Any]:
        return {"Role": {"Arn": f"arn:aws:iam::111122223333:role/{RoleName}", "AssumeRolePolicyDocument": self.trust}}

    def get_paginator(self, name: str) -> Any:
        pages = {
            "list_role_policies": [{"PolicyNames": ["inline"]}],
            "list_attached_role_policies": [{"AttachedPolicies": [{"PolicyArn": "arn:aws:iam::1:policy/p"}]}],
        }

        class Paginator:
            def paginate(self, **_: Any) -> list[dict[str, Any]]:
                return pages[name]

        return Paginator()

    def get_role_policy(self, RoleName: str, PolicyName: str) -> dict[str, Any]:
        return {"PolicyDocument": self.inline}

    def get_policy(self, PolicyArn: str) -> dict[str, Any]:
        return {"Policy": {"DefaultVersionId": "v1"}}

    def get_policy_version(self, PolicyArn: str, VersionId: str) -> dict[str, Any]:
        return {"PolicyVersion": {"Document": self.attached}}


def review_role(trust: Any, inline: Any, attached: Any) -> Report | BedrockFtError:
    try:
        return review(
            role="bedrock-ft-service",
            iam_client_factory=lambda: FakeIam(trust, inline, attached),
            use_checkov=False,
            use_parliament=False,
        )
    except BedrockFtError as exc:
        return exc


role_documents = st.one_of(policy_documents, policy_documents.map(json.dumps), texts)


@FUZZ
@given(content=file_contents)
def test_any_file_given_to_review_ends_in_a_report_or_a_bedrock_ft_error(content: bytes, scratch: Path) -> None:
    for outcome in review_file(content, scratch):
        assert isinstance(outcome, Report | BedrockFtError)


@FUZZ
@given(trust=role_documents, inline=role_documents, attached=role_documents)
def test_any_live_role_documents_end_in_a_report_or_a_bedrock_ft_error(trust: Any, inline: Any, attached: Any) -> None:
    assert isinstance(review_role(trust, inline, attached), Report | BedrockFtError)


# ---------------------------------------------------------------- counting crashes rather than stopping at the first


def count_crashes(cases: int) -> dict[str, tuple[int, dict[str, int]]]:
    """{target: (cases that raised something other than a BedrockFtError, {exception type: cases})}, drawn from the
    tests' strategies, derandomized (the same cases on every run). Against another checkout:
    PYTHONPATH=<checkout>/scripts python tests/fuzz/test_fuzz_review_documents.py 10000."""
    counting = settings(FUZZ, max_examples=cases, suppress_health_check=list(HealthCheck))
    results: dict[str, tuple[int, dict[str, int]]] = {}
    with tempfile.TemporaryDirectory(prefix="fuzz-count-") as folder:

        def record(target: str, calls: list[Any]) -> None:
            crashed, kinds = results.get(target, (0, {}))
            names = set()
            for call in calls:
                try:
                    call()
                except BedrockFtError:
                    pass
                except Exception as exc:  # what the tests forbid: count it, keep going
                    names.add(type(exc).__name__)
            for name in names:
                kinds[name] = kinds.get(name, 0) + 1
            results[target] = (crashed + bool(names), kinds)

        def file_case(content: bytes) -> None:
            path = Path(folder) / "document.json"
            path.write_bytes(content)
            record(
                "file",
                [
                    lambda: review([path], use_checkov=False, use_parliament=False),
                    lambda: review(plans=[path], use_checkov=False, use_parliament=False),
                    lambda: review(policies=[path], use_checkov=False, use_parliament=False),
                ],
            )

        def role_case(trust: Any, inline: Any, attached: Any) -> None:
            factory = lambda: FakeIam(trust, inline, attached)  # noqa: E731
            record(
                "role", [lambda: review(role="r", iam_client_factory=factory, use_checkov=False, use_parliament=False)]
            )

        given(content=file_contents)(counting(file_case))()
        given(trust=role_documents, inline=role_documents, attached=role_documents)(counting(role_case))()
    return results


if __name__ == "__main__":  # python tests/fuzz/test_fuzz_review_documents.py [CASES]
    import sys

    total = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    for target, (crashed, kinds) in count_crashes(total).items():
        print(f"{target}: {crashed} of {total} cases crashed ({crashed * 10_000 // total} per 10,000) {kinds}")
