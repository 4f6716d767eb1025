"""A policy document under review: its kind (trust, identity, bucket, endpoint, KMS key), where it came from, and
its statements parsed by :mod:`bedrock_ft.core.iam_documents`.

The kind decides which rules apply. It comes from the document's origin when that is known (the Terraform resource
attribute that holds it, the IAM API call that returned it) and otherwise from its content (:func:`detect_kind`),
never from a file's or a data source's name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bedrock_ft.core.errors import InputError
from bedrock_ft.core.iam_documents import Statement, parse_document


class Kind(StrEnum):
    TRUST = "trust"  # a role's assume-role policy
    IDENTITY = "identity"  # a role's inline or managed permissions policy
    BUCKET = "bucket"  # an S3 bucket policy
    ENDPOINT = "endpoint"  # a VPC endpoint policy
    KMS_KEY = "kms-key"  # a KMS key policy
    RESOURCE = "resource"  # another service's resource policy (a principal, but none of the above)


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
    account: str | None = None  # the account the document belongs to, when known (a live role's ARN, the HCL stand-in)

    @property
    def statements(self) -> list[Statement]:
        return parse_document(self.document, source=self.name)


# sts actions that let a principal take on a role: a statement with one of these and a principal, and no Resource,
# is a role's trust policy.
_ASSUME_ACTIONS = (
    "sts:AssumeRole",
    "sts:AssumeRoleWithSAML",
    "sts:AssumeRoleWithWebIdentity",
    "sts:TagSession",
    "sts:SetSourceIdentity",
    "sts:SetContext",
)

# Condition keys that pin who the caller is (or where the call comes from) for a statement that names Principal *.
CALLER_KEYS = frozenset(
    {
        "aws:principalaccount",
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:principalarn",
        "aws:userid",
        "aws:sourceaccount",
        "aws:sourcearn",
        "aws:sourceowner",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
        "aws:sourcevpce",
        "aws:sourcevpc",
        "aws:sourceip",
    }
)
# The operators that, on an Allow, admit only requests whose key has one of the values.
_POSITIVE_OPERATORS = frozenset(
    {"stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike", "ipaddress"}
)
_OPEN_NETWORKS = frozenset({"0.0.0.0/0", "::/0"})


def matches_anything(value: str) -> bool:
    """True for a condition pattern that every value matches: ``*`` (any number of them), or an ARN made only of
    wildcards (``arn:*``, ``arn:*:*:*:*:*``)."""
    text = value.strip()
    return bool(text) and (set(text) <= {"*"} or re.fullmatch(r"arn(:\*+){1,5}(/\*+)?", text) is not None)


def base_operator(operator: str) -> tuple[str, bool]:
    """(operator without ForAnyValue:/ForAllValues: and IfExists, lowercased; True when the original still admits
    requests that lack the key: IfExists, ForAllValues:)."""
    lowered = operator.lower()
    lax = lowered.startswith("forallvalues:") or lowered.endswith("ifexists")
    for prefix in ("foranyvalue:", "forallvalues:"):
        lowered = lowered.removeprefix(prefix)
    return lowered.removesuffix("ifexists"), lax


def pins_caller(statement: Statement) -> bool:
    """True when a condition of the statement admits only callers named by it: a positive operator (no Not, no
    IfExists, no ForAllValues), on a key in :data:`CALLER_KEYS`, with values none of which matches anything."""
    for operator, entries in statement.conditions.items():
        base, lax = base_operator(operator)
        if lax or base not in _POSITIVE_OPERATORS:
            continue
        for key, values in entries.items():
            if key.lower() not in CALLER_KEYS or not values:
                continue
            if any(matches_anything(v) or v in _OPEN_NETWORKS for v in values):
                continue
            return True
    return False


def anyone(statement: Statement) -> bool:
    """True when the statement's principal is everyone: ``"*"``, ``{"AWS": "*"}`` or any type with ``*``."""
    return any("*" in ids for ids in statement.principals.values())


_S3_ARN = re.compile(r"^arn:[^:]*:s3:::([^/]*)")


def _single_bucket(statements: list[Statement]) -> bool:
    """True when every resource is an S3 ARN of one and the same bucket, named without wildcards: the only
    resources S3 accepts in a bucket policy."""
    buckets: set[str] = set()
    for s in statements:
        if s.not_resources:
            return False
        for resource in s.resources:
            match = _S3_ARN.match(resource)
            if match is None or not match.group(1) or set(match.group(1)) & {"*", "?"}:
                return False
            buckets.add(match.group(1))
    return len(buckets) == 1


def detect_kind(document: Mapping[str, Any]) -> Kind:
    """The kind of a document with no known origin, from its content alone (never from its file's name).

    1. No statement names a Principal: an identity policy.
    2. A statement with a Principal, no Resource, and an sts:AssumeRole* (or TagSession, SetSourceIdentity) action:
       a trust policy.
    3. Every action is a kms: action: a key policy.
    4. S3 resources or s3: actions: a bucket policy when every resource is in one bucket named without wildcards
       (S3 refuses anything else in a bucket policy), unless every statement is an Allow to Principal * whose
       conditions pin the caller (aws:PrincipalAccount ...), which is how an endpoint policy reads; otherwise (any
       bucket, several buckets, Resource *) a VPC endpoint policy. Where the two read the same, the bucket wins: it
       is the reading under which the document is more dangerous.
    5. Anything else with a Principal: a VPC endpoint policy (of an interface endpoint such as bedrock-runtime) when
       every statement is an Allow to Principal * whose conditions pin the caller, else another service's resource
       policy.
    """
    try:
        statements = parse_document(document, source="policy")
    except Exception:  # a malformed document is still reviewed, as an identity policy
        return Kind.IDENTITY
    raw = document.get("Statement")
    raws = raw if isinstance(raw, list) else [raw]
    with_principal = [
        s
        for s, r in zip(statements, raws, strict=False)
        if s.principals or (isinstance(r, Mapping) and "NotPrincipal" in r)
    ]
    if not with_principal:
        return Kind.IDENTITY
    for s in with_principal:
        if not s.resources and not s.not_resources and any(s.covers_action(a) for a in _ASSUME_ACTIONS):
            return Kind.TRUST
    actions = [a.lower() for s in statements for a in s.actions]
    if actions and all(a.startswith("kms:") for a in actions):
        return Kind.KMS_KEY
    resources = [r for s in statements for r in s.resources]
    s3_resources = any(_S3_ARN.match(r) for r in resources)
    s3_actions = bool(actions) and all(a.startswith("s3:") or a == "*" for a in actions)
    pinned_to_callers = all(s.allows and anyone(s) and pins_caller(s) for s in statements)
    if not (s3_resources or s3_actions):
        return Kind.ENDPOINT if pinned_to_callers else Kind.RESOURCE
    if not _single_bucket(statements) or pinned_to_callers:
        return Kind.ENDPOINT
    return Kind.BUCKET


MAX_STATEMENTS = 1000
_LIST_FIELDS = ("Action", "NotAction", "Resource", "NotResource")


def validate_document(document: Any, source: str) -> dict[str, Any]:
    """``document`` as a dict when it has the shape of an IAM policy, else an InputError naming the statement and
    field. What IAM itself would refuse (a Condition that is a list, a Statement that is a string, a Principal that
    is a number) is refused here, so the rules only ever see well-formed statements."""
    if not isinstance(document, Mapping):
        raise InputError(f"{source} is not an IAM policy document (not a JSON object)")
    if "Statement" not in document:
        raise InputError(f"{source} is not an IAM policy document (no Statement)")
    raw = document["Statement"]
    statements = raw if isinstance(raw, list) else [raw]
    if len(statements) > MAX_STATEMENTS:
        raise InputError(f"{source} has {len(statements)} statements; a policy has at most {MAX_STATEMENTS}")
    _text(document.get("Version", ""), f"{source}: Version")
    for index, statement in enumerate(statements):
        where = f"{source}: statement {index}"
        if not isinstance(statement, Mapping):
            raise InputError(f"{where} is {_a(statement)}, not an object with Effect, Action and Resource")
        sid = statement.get("Sid")
        if sid is not None:
            _text(sid, f"{where}: Sid")
            where = f"{source}: statement {index} (Sid {sid})"
        for key in statement:
            _text(key, f"{where}: a field name")
        effect = statement.get("Effect")
        if effect not in ("Allow", "Deny"):
            raise InputError(f'{where}: Effect must be "Allow" or "Deny", not {_shown(effect)}')
        for name in _LIST_FIELDS:
            if name in statement:
                _strings(statement[name], f"{where}: {name}")
        for name in ("Principal", "NotPrincipal"):
            if name in statement:
                _principal(statement[name], f"{where}: {name}")
        if "Condition" in statement:
            _condition(statement["Condition"], f"{where}: Condition")
    return dict(document)


def _a(value: Any) -> str:
    names = {
        str: "a string",
        list: "a list",
        dict: "an object",
        bool: "true or false",
        int: "a number",
        float: "a number",
        type(None): "null",
    }
    return names.get(type(value), type(value).__name__)


def _shown(value: Any) -> str:
    return repr(value)[:60] if isinstance(value, str) else _a(value)


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise InputError(f"{where} must be a string, not {_a(value)}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(f"{where} holds a character that is not valid Unicode (a lone surrogate)") from None
    return value


def _strings(value: Any, where: str) -> None:
    items = value if isinstance(value, list) else [value]
    for item in items:
        _text(item, where)


def _principal(value: Any, where: str) -> None:
    if isinstance(value, str):
        if value != "*":
            raise InputError(f'{where} must be "*" or an object such as {{"AWS": [...]}}, not {_shown(value)}')
        return
    if not isinstance(value, Mapping):
        raise InputError(f'{where} must be "*" or an object such as {{"AWS": [...]}}, not {_a(value)}')
    for kind, ids in value.items():
        _text(kind, f"{where}: principal type")
        _strings(ids, f"{where}: {kind}")


def _condition(value: Any, where: str) -> None:
    if not isinstance(value, Mapping):
        raise InputError(f'{where} must be an object of operators (e.g. {{"StringEquals": {{...}}}}), not {_a(value)}')
    for operator, entries in value.items():
        _text(operator, f"{where}: an operator")
        if not isinstance(entries, Mapping):
            raise InputError(f"{where}: {operator} must be an object of condition keys, not {_a(entries)}")
        for key, values in entries.items():
            _text(key, f"{where}: {operator}: a key")
            for item in values if isinstance(values, list) else [values]:
                if isinstance(item, str):
                    _text(item, f"{where}: {operator}: {key}")
                elif not isinstance(item, bool | int | float):
                    raise InputError(
                        f"{where}: {operator}: {key} values must be strings, numbers or booleans, not {_a(item)}"
                    )
