"""A policy document under review: its kind (trust, identity, bucket, endpoint, KMS key), where it came from, and
its statements parsed by :mod:`bedrock_ft.iam_documents`.

The kind decides which rules apply. It comes from the document's origin when that is known (the Terraform resource
attribute that holds it, the IAM API call that returned it) and otherwise from its content.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bedrock_ft.iam_documents import Statement, parse_document


class Kind(StrEnum):
    TRUST = "trust"  # a role's assume-role policy
    IDENTITY = "identity"  # a role's inline or managed permissions policy
    BUCKET = "bucket"  # an S3 bucket policy
    ENDPOINT = "endpoint"  # a VPC endpoint policy
    KMS_KEY = "kms-key"  # a KMS key policy


# Terraform resource attribute that holds a policy -> the kind of that policy.
ATTRIBUTE_KINDS: dict[tuple[str, str], Kind] = {
    ("aws_iam_role", "assume_role_policy"): Kind.TRUST,
    ("aws_iam_role_policy", "policy"): Kind.IDENTITY,
    ("aws_iam_policy", "policy"): Kind.IDENTITY,
    ("aws_iam_user_policy", "policy"): Kind.IDENTITY,
    ("aws_iam_group_policy", "policy"): Kind.IDENTITY,
    ("aws_s3_bucket_policy", "policy"): Kind.BUCKET,
    ("aws_vpc_endpoint", "policy"): Kind.ENDPOINT,
    ("aws_vpc_endpoint_policy", "policy"): Kind.ENDPOINT,
    ("aws_kms_key", "policy"): Kind.KMS_KEY,
    ("aws_kms_key_policy", "policy"): Kind.KMS_KEY,
}


@dataclass
class PolicyDoc:
    """One policy document and where it is.

    ``name`` is how a finding names the document (``data.aws_iam_policy_document.trust``,
    ``aws_iam_role.service.assume_role_policy``, ``role demo-bedrock-customization: inline policy data``, a file name).
    ``statement_lines`` maps a statement's index to its line in ``file`` when the document is HCL.
    """

    name: str
    kind: Kind
    document: dict[str, Any]
    file: str | None = None
    line: int | None = None
    statement_lines: dict[int, int] = field(default_factory=dict)
    from_hcl: bool = False

    @property
    def statements(self) -> list[Statement]:
        return parse_document(self.document, source=self.name)


def detect_kind(document: Mapping[str, Any], name: str = "") -> Kind:
    """The kind of a document with no known origin, from its content (and its name where content is ambiguous).

    No principal anywhere: an identity policy. sts:AssumeRole with a principal: a trust policy. Otherwise a resource
    policy, told apart by the name (``endpoint``, ``bucket``, ``kms``) or by what it holds.
    """
    try:
        statements = parse_document(document, source=name or "policy")
    except Exception:  # a malformed document is still reviewed, as an identity policy
        return Kind.IDENTITY
    if not any(s.principals for s in statements):
        return Kind.IDENTITY
    actions = [a.lower() for s in statements for a in s.actions]
    if any(a.startswith("sts:assumerole") or a == "sts:*" for a in actions):
        return Kind.TRUST
    lowered = name.lower()
    for words, kind in (
        (("endpoint", "vpce"), Kind.ENDPOINT),
        (("bucket",), Kind.BUCKET),
        (("kms", "key_policy", "key-policy"), Kind.KMS_KEY),
    ):
        if any(word in lowered for word in words):
            return kind
    if actions and all(a.startswith("kms:") for a in actions):
        return Kind.KMS_KEY
    keys = {k for s in statements for k in s.condition_keys()}
    if keys & {"aws:securetransport", "aws:sourcevpce", "aws:sourcevpc"}:
        return Kind.BUCKET
    if all(s.allows and _anyone(s) for s in statements):
        return Kind.ENDPOINT
    return Kind.BUCKET


def _anyone(statement: Statement) -> bool:
    return any("*" in ids for ids in statement.principals.values())
