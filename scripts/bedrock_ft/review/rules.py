"""The project's own rules for the policies around a Bedrock customization role.

Each rule looks at one :class:`~bedrock_ft.review.documents.PolicyDoc` and returns findings. What "correct" means
is in ../shared/bedrock-facts.md, section "Customization inside a VPC", and docs/security.md explains each rule to a
reviewer. Rules read JSON policies (from a plan, a live role, a file, or HCL with placeholders for expressions).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bedrock_ft.core.iam_documents import Statement
from bedrock_ft.review.actions import accepts_resource
from bedrock_ft.review.documents import Kind, PolicyDoc, anyone, base_operator, matches_anything, pins_caller
from bedrock_ft.review.findings import Finding, Location, Severity

ENI_TAG_MANAGED = "BedrockManaged"
ENI_TAG_JOB = "BedrockModelCustomizationJobArn"
# Bedrock tags a job's network interfaces with the ARN of the job under a key per kind of job: customization, batch
# inference (model-invocation-job) and model import. A statement names one of them.
ENI_TAG_JOBS = (ENI_TAG_JOB, "BedrockModelInvocationJobArn", "BedrockModelImportJobArn")


def _job_tag_key(statement: Statement, prefix: str) -> str:
    """The statement's job-ARN tag key under ``prefix`` (aws:RequestTag/ or ec2:ResourceTag/), or the customization
    job's when it names none, so a missing one is reported by that name."""
    present = statement.condition_keys()
    named = [f"{prefix}{key}" for key in ENI_TAG_JOBS if f"{prefix}{key}".lower() in present]
    return named[0] if named else f"{prefix}{ENI_TAG_JOB}"


@dataclass(frozen=True)
class Rule:
    id: str
    name: str  # reads as the requirement
    fix: str


RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        Rule(
            "BFT001",
            "Allow statements name actions, never * or service:*",
            "list the exact actions the role needs (see docs/security.md)",
        ),
        Rule(
            "BFT002",
            "Resource * only for actions that accept nothing narrower",
            "name the resource ARNs (bucket, subnet, role, job) instead of *",
        ),
        Rule(
            "BFT003",
            "S3 access names the data bucket, never any bucket",
            "use the data bucket's ARN (and ARN/prefix/*) instead of * or arn:aws:s3:::*",
        ),
        Rule(
            "BFT004",
            "ec2:CreateNetworkInterface carries Bedrock's request-tag conditions",
            'on network-interface/* require StringEquals aws:RequestTag/BedrockManaged = "true" and '
            "ArnEquals aws:RequestTag/BedrockModelCustomizationJobArn = arn:...:model-customization-job/*; "
            "name the job subnets and security group explicitly",
        ),
        Rule(
            "BFT005",
            "ec2:CreateTags only tags interfaces as they are created",
            "add StringEquals ec2:CreateAction = CreateNetworkInterface and ForAllValues:StringEquals "
            "aws:TagKeys = [BedrockManaged, BedrockModelCustomizationJobArn]",
        ),
        Rule(
            "BFT006",
            "Network-interface permission and delete calls are limited to Bedrock's interfaces",
            "add ArnEquals ec2:Subnet = [job subnet ARNs] and ec2:ResourceTag/BedrockModelCustomizationJobArn = "
            'arn:...:model-customization-job/*, and StringEquals ec2:ResourceTag/BedrockManaged = "true"',
        ),
        Rule(
            "BFT007",
            "iam:PassRole names the service role and requires iam:PassedToService",
            "Resource = the service role's ARN; Condition StringEquals iam:PassedToService = bedrock.amazonaws.com",
        ),
        Rule(
            "BFT008",
            "The service role's trust policy guards against the confused deputy",
            "add StringEquals aws:SourceAccount = <account> and ArnLike aws:SourceArn = "
            "arn:<partition>:bedrock:<region>:<account>:model-customization-job/*",
        ),
        Rule(
            "BFT009",
            "The bucket policy denies requests not made over TLS",
            "add a Deny of s3:* on the bucket and bucket/* for Principal * with Bool aws:SecureTransport = false",
        ),
        Rule(
            "BFT010",
            "The S3 endpoint policy is scoped to the data bucket",
            "set the endpoint policy to allow only the needed s3 actions on the data bucket ARN and ARN/*",
        ),
        Rule(
            "BFT011",
            "The bucket policy grants nothing to anyone (Principal *)",
            "grant to the role's ARN; keep Principal * only in Deny statements",
        ),
        Rule(
            "BFT012",
            "The job security group allows all traffic between its members, in and out, and only them",
            'add aws_vpc_security_group_ingress_rule and _egress_rule with ip_protocol = "-1" and '
            "referenced_security_group_id = the group's own id; no protocol -1 rule to a CIDR or prefix list",
        ),
        Rule(
            "BFT013",
            "A StringLike or ArnLike condition on an Allow names something narrower than *",
            "give the condition the exact values it guards (aws:SourceArn = the job ARN pattern of this account, "
            "aws:SourceAccount = the account id), or use StringEquals / ArnEquals",
        ),
        Rule(
            "BFT014",
            "S3 resources name the bucket exactly, with no wildcard inside the bucket name",
            "use the data bucket's exact ARN (arn:aws:s3:::BUCKET and arn:aws:s3:::BUCKET/prefix/*): a pattern such "
            "as arn:aws:s3:::*data* also matches buckets anyone can create, in any account",
        ),
        Rule(
            "BFT015",
            "No bucket policy lets anyone in (Principal * or AWS *) unless a condition pins the caller",
            "grant to the role's ARN instead of *; or keep Principal * only with a positive condition on who the "
            "caller is or where it comes from (aws:PrincipalAccount, aws:PrincipalArn, aws:SourceVpce = ...)",
        ),
        Rule(
            "BFT016",
            "iam:PassRole never lets any role be passed to any service",
            "Resource = the service role's ARN; Condition StringEquals iam:PassedToService = bedrock.amazonaws.com",
        ),
        Rule(
            "BFT017",
            "A trust policy lets no other account, and not everyone, assume the role",
            "trust only Service bedrock.amazonaws.com with aws:SourceAccount and aws:SourceArn; for a person or CI, "
            "name a role of this account by its ARN",
        ),
    )
}


def _finding(
    rule_id: str, severity: Severity, doc: PolicyDoc, statement: Statement | None, message: str, fix: str | None = None
) -> Finding:
    rule = RULES[rule_id]
    line = doc.line
    if statement is not None:
        line = doc.statement_lines.get(statement.index, doc.line)
    location = Location(
        file=doc.file,
        line=line,
        document=doc.name,
        sid=statement.sid if statement is not None else None,
        index=statement.index if statement is not None else None,
    )
    return Finding(rule_id, severity, message, fix or rule.fix, location, "bedrock-ft", rule.name)


def _allows(statements: Iterable[Statement]) -> list[Statement]:
    return [s for s in statements if s.allows]


def _action_patterns(statement: Statement) -> tuple[str, ...]:
    return statement.actions


def _anyone(statement: Statement) -> bool:
    return anyone(statement)


def _is_resource_star(resource: str) -> bool:
    return resource == "*" or re.fullmatch(r"arn:[^:]*:\*(:\*)*", resource) is not None


def _is_any_bucket(resource: str) -> bool:
    """``*``, ``arn:aws:s3:::*``, ``arn:aws:s3:::*/*``, ``arn:*:*``, or a bucket name made only of wildcards."""
    if _is_resource_star(resource) or resource in {"arn:*:s3:::*", "arn:aws:s3:::*"}:
        return True
    match = re.match(r"^arn:[^:]*:s3:::([^/]*)", resource)
    return match is not None and set(match.group(1)) <= {"*", "?"}


def _covers_s3(statement: Statement) -> bool:
    return any(a == "*" or a.lower().startswith("s3:") for a in statement.actions) or bool(statement.not_actions)


# ------------------------------------------------------------------ the rules


def wildcard_actions(doc: PolicyDoc) -> list[Finding]:
    findings = []
    for s in _allows(doc.statements):
        if doc.kind is Kind.KMS_KEY and _account_root_only(s):
            continue  # the default key policy: delegates the key to the account's IAM policies
        if s.not_actions:
            findings.append(
                _finding(
                    "BFT001",
                    Severity.HIGH,
                    doc,
                    s,
                    f"{s.label} allows everything except {', '.join(s.not_actions)} (NotAction)",
                )
            )
            continue
        wide = [a for a in s.actions if a == "*" or a.endswith(":*")]
        if wide:
            severity = Severity.HIGH if "*" in wide else Severity.MEDIUM
            findings.append(
                _finding(
                    "BFT001",
                    severity,
                    doc,
                    s,
                    f"{s.label} allows {', '.join(wide)}: every action of "
                    f"{'every service' if '*' in wide else 'the service'}",
                )
            )
    return findings


def _account_root_only(statement: Statement) -> bool:
    ids = [i for values in statement.principals.values() for i in values]
    return bool(ids) and all(re.fullmatch(r"(arn:[^:]+:iam::)?\d{12}(:root)?", i) for i in ids)


def wildcard_resources(doc: PolicyDoc) -> list[Finding]:
    if doc.kind in (Kind.TRUST, Kind.KMS_KEY, Kind.ENDPOINT):
        return []  # no resources / * means "this key" / the endpoint rule covers it
    findings = []
    for s in _allows(doc.statements):
        if not any(_is_resource_star(r) for r in s.resources):
            continue
        narrower = [a for a in s.actions if not a.lower().startswith("s3:") and "*" not in a and accepts_resource(a)]
        if not narrower:
            continue
        scoped = {k for k in s.condition_keys() if "resourcetag/" in k or k in ("ec2:subnet", "ec2:vpc")}
        severity = Severity.LOW if scoped else Severity.MEDIUM
        extra = " (its conditions narrow it)" if scoped else ""
        findings.append(
            _finding(
                "BFT002",
                severity,
                doc,
                s,
                f"{s.label} grants {', '.join(narrower)} on Resource *, though "
                f"{'they accept' if len(narrower) > 1 else 'it accepts'} a specific ARN{extra}",
            )
        )
    return findings


def s3_any_bucket(doc: PolicyDoc) -> list[Finding]:
    if doc.kind in (Kind.TRUST, Kind.KMS_KEY, Kind.ENDPOINT):
        return []
    findings = []
    for s in _allows(doc.statements):
        if not _covers_s3(s):
            continue
        wide = [r for r in s.resources if _is_any_bucket(r)]
        if wide:
            findings.append(
                _finding(
                    "BFT003",
                    Severity.HIGH,
                    doc,
                    s,
                    f"{s.label} grants S3 access on {', '.join(wide)}: any bucket, in any account",
                )
            )
    return findings


def _has_keys(statement: Statement, *keys: str) -> list[str]:
    """Those of ``keys`` that the statement's conditions lack."""
    present = statement.condition_keys()
    return [k for k in keys if k.lower() not in present]


def _resource_types(statement: Statement) -> set[str]:
    types = set()
    for r in statement.resources:
        if _is_resource_star(r) or r.endswith(":*"):
            types.add("*")
            continue
        match = re.match(r"^arn:[^:]*:ec2:[^:]*:[^:]*:([a-z-]+)/", r)
        if match:
            types.add(match.group(1))
    return types


def create_network_interface(doc: PolicyDoc) -> list[Finding]:
    if doc.kind is not Kind.IDENTITY:
        return []
    findings = []
    for s in _allows(doc.statements):
        if not s.covers_action("ec2:CreateNetworkInterface"):
            continue
        types = _resource_types(s)
        if types & {"*", "network-interface"}:
            missing = _has_keys(s, f"aws:RequestTag/{ENI_TAG_MANAGED}", _job_tag_key(s, "aws:RequestTag/"))
            if missing:
                findings.append(
                    _finding(
                        "BFT004",
                        Severity.MEDIUM,
                        doc,
                        s,
                        f"{s.label} lets the role create network interfaces without the "
                        f"condition{'s' if len(missing) > 1 else ''} {', '.join(missing)}, so "
                        "they need not be Bedrock's tagged interfaces",
                    )
                )
        open_ended = [r for r in s.resources if re.search(r":(subnet|security-group)/\*$", r)]
        if open_ended:
            findings.append(
                _finding(
                    "BFT004",
                    Severity.MEDIUM,
                    doc,
                    s,
                    f"{s.label} lets the role create network interfaces in any "
                    f"subnet or security group ({', '.join(open_ended)})",
                    "list the job subnets' and security group's ARNs",
                )
            )
    return findings


def create_tags(doc: PolicyDoc) -> list[Finding]:
    if doc.kind is not Kind.IDENTITY:
        return []
    findings = []
    for s in _allows(doc.statements):
        if not s.covers_action("ec2:CreateTags"):
            continue
        if _has_keys(s, "ec2:CreateAction"):
            findings.append(
                _finding(
                    "BFT005",
                    Severity.MEDIUM,
                    doc,
                    s,
                    f"{s.label} allows ec2:CreateTags without ec2:CreateAction = "
                    "CreateNetworkInterface, so the role can retag existing resources",
                )
            )
        elif _has_keys(s, "aws:TagKeys"):
            findings.append(
                _finding(
                    "BFT005",
                    Severity.LOW,
                    doc,
                    s,
                    f"{s.label} allows ec2:CreateTags with any tag keys (no aws:TagKeys)",
                )
            )
    return findings


_ENI_PERMISSION_ACTIONS = (
    "ec2:CreateNetworkInterfacePermission",
    "ec2:DeleteNetworkInterface",
    "ec2:DeleteNetworkInterfacePermission",
)


def network_interface_permissions(doc: PolicyDoc) -> list[Finding]:
    if doc.kind is not Kind.IDENTITY:
        return []
    findings = []
    for s in _allows(doc.statements):
        covered = [a for a in _ENI_PERMISSION_ACTIONS if s.covers_action(a)]
        if not covered:
            continue
        missing = _has_keys(s, "ec2:Subnet", f"ec2:ResourceTag/{ENI_TAG_MANAGED}", _job_tag_key(s, "ec2:ResourceTag/"))
        if missing:
            findings.append(
                _finding(
                    "BFT006",
                    Severity.MEDIUM,
                    doc,
                    s,
                    f"{s.label} allows {', '.join(covered)} without {', '.join(missing)}, so it "
                    "reaches network interfaces Bedrock did not create",
                )
            )
    return findings


def pass_role(doc: PolicyDoc) -> list[Finding]:
    if doc.kind is not Kind.IDENTITY:
        return []
    findings = []
    for s in _allows(doc.statements):
        if not s.covers_action("iam:PassRole"):
            continue
        wide = [r for r in s.resources if _is_resource_star(r) or re.search(r":role/\*?$", r) or r.endswith(":*")]
        if wide or not s.resources:
            findings.append(
                _finding(
                    "BFT007",
                    Severity.HIGH,
                    doc,
                    s,
                    f"{s.label} allows iam:PassRole on {', '.join(wide) or 'no named role'}: "
                    "any role, including more powerful ones, can be handed to a service",
                )
            )
        if _has_keys(s, "iam:PassedToService"):
            findings.append(
                _finding(
                    "BFT007",
                    Severity.MEDIUM,
                    doc,
                    s,
                    f"{s.label} allows iam:PassRole without an iam:PassedToService condition",
                )
            )
    return findings


def trust_confused_deputy(doc: PolicyDoc) -> list[Finding]:
    if doc.kind is not Kind.TRUST:
        return []
    findings = []
    for s in _allows(doc.statements):
        if not any(s.covers_action(a) for a in ("sts:AssumeRole", "sts:TagSession")):
            continue
        if _anyone(s):
            continue  # BFT017: everyone may assume the role
        if not s.principals.get("Service"):
            continue
        missing = _has_keys(s, "aws:SourceAccount", "aws:SourceArn")
        if missing:
            findings.append(
                _finding(
                    "BFT008",
                    Severity.HIGH,
                    doc,
                    s,
                    f"{s.label} lets {', '.join(s.principals['Service'])} assume the role without "
                    f"{' and '.join(missing)}: a job in another account could be handed this role",
                )
            )
    return findings


def bucket_tls_only(doc: PolicyDoc) -> list[Finding]:
    if doc.kind is not Kind.BUCKET:
        return []
    for s in doc.statements:
        if s.effect != "Deny" or not _covers_s3(s):
            continue
        if "false" in {v.lower() for v in s.condition_values("Bool", "aws:SecureTransport")}:
            return []
    return [
        _finding(
            "BFT009",
            Severity.MEDIUM,
            doc,
            None,
            f"{doc.name} has no statement denying requests without TLS (aws:SecureTransport = false)",
        )
    ]


def bucket_public(doc: PolicyDoc) -> list[Finding]:
    if doc.kind is not Kind.BUCKET:
        return []
    return [
        _finding(
            "BFT011",
            Severity.HIGH,
            doc,
            s,
            f"{s.label} allows {', '.join(s.actions) or 'actions'} to Principal *"
            + " with conditions that may not narrow it",
        )
        for s in _allows(doc.statements)
        if _anyone(s)
        and pins_caller(s)  # a grant to anyone that nothing pins is BFT015's
        and not (s.condition_keys() & {"aws:sourcevpce", "aws:sourcevpc", "aws:principalarn"})
    ]


def endpoint_scoped(doc: PolicyDoc) -> list[Finding]:
    if doc.kind is not Kind.ENDPOINT:
        return []
    findings = []
    for s in _allows(doc.statements):
        wide = [r for r in s.resources if _is_any_bucket(r)] or (["(NotResource)"] if s.not_resources else [])
        if wide:
            findings.append(
                _finding(
                    "BFT010",
                    Severity.HIGH,
                    doc,
                    s,
                    f"{s.label} lets traffic through the endpoint reach {', '.join(wide)}: data can "
                    "be copied out of the VPC to any bucket",
                )
            )
        elif "*" in s.actions or s.not_actions:
            findings.append(
                _finding(
                    "BFT010",
                    Severity.MEDIUM,
                    doc,
                    s,
                    f"{s.label} allows every action through the endpoint",
                    "list the s3 actions the job needs (GetObject, ListBucket, PutObject)",
                )
            )
    return findings


# ------------------------------------------------------------------ rules from issue 8


_LIKE_OPERATORS = ("stringlike", "arnlike")
# Keys whose wildcard leaves a role or a bucket open to another account's requests: high. Any other: medium.
_GUARD_KEYS = frozenset(
    {
        "aws:sourcearn",
        "aws:sourceaccount",
        "aws:sourceowner",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
        "aws:principalarn",
        "aws:principalaccount",
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:sourcevpce",
        "aws:sourcevpc",
        "iam:passedtoservice",
        "aws:resourceaccount",
        "s3:resourceaccount",
    }
)


def wildcard_like_conditions(doc: PolicyDoc) -> list[Finding]:
    """BFT013: an Allow's StringLike / ArnLike (any set or IfExists form) whose values all match anything."""
    findings = []
    for s in _allows(doc.statements):
        for operator, entries in s.conditions.items():
            base, _ = base_operator(operator)
            if base not in _LIKE_OPERATORS:
                continue
            for key, values in entries.items():
                if not values or not all(matches_anything(v) for v in values):
                    continue
                severity = Severity.HIGH if key.lower() in _GUARD_KEYS else Severity.MEDIUM
                findings.append(
                    _finding(
                        "BFT013",
                        severity,
                        doc,
                        s,
                        f"{s.label} has {operator} {key} = {', '.join(values)}: every value "
                        "matches, so the condition guards nothing",
                    )
                )
    return findings


def _bucket_name_wildcard(resource: str) -> str | None:
    """The bucket name of an S3 ARN when it holds a wildcard but is not only wildcards (that is BFT003/BFT010)."""
    match = re.match(r"^arn:[^:]*:s3:::([^/]*)", resource)
    if match is None:
        return None
    name = match.group(1)
    if set(name) & {"*", "?"} and not set(name) <= {"*", "?"}:
        return name
    return None


def s3_bucket_name_wildcard(doc: PolicyDoc) -> list[Finding]:
    """BFT014: an Allow with S3 actions on a bucket ARN whose name holds a wildcard (``arn:aws:s3:::*data*``)."""
    if doc.kind in (Kind.TRUST, Kind.KMS_KEY):
        return []
    findings = []
    for s in _allows(doc.statements):
        if not _covers_s3(s):
            continue
        wide = [r for r in s.resources if _bucket_name_wildcard(r)]
        if wide:
            findings.append(
                _finding(
                    "BFT014",
                    Severity.HIGH,
                    doc,
                    s,
                    f"{s.label} grants S3 access on {', '.join(wide)}: the pattern matches every "
                    "bucket so named, in any account, including ones an attacker creates",
                )
            )
    return findings


def bucket_policy_public(doc: PolicyDoc) -> list[Finding]:
    """BFT015: a bucket (or other resource) policy's Allow to anyone with no condition that pins the caller.

    The kind comes from the content (documents.detect_kind) or the origin, never the file name, so a public bucket
    policy in a file called ``endpoint.json`` is still found."""
    if doc.kind not in (Kind.BUCKET, Kind.RESOURCE):
        return []
    return [
        _finding(
            "BFT015",
            Severity.HIGH,
            doc,
            s,
            f"{s.label} allows {', '.join(s.actions) or 'everything but ' + ', '.join(s.not_actions)} to "
            f"anyone ({_anyone_text(s)})"
            + (", with conditions that do not pin the caller" if s.conditions else ", unconditionally")
            + ": the data is public",
        )
        for s in _allows(doc.statements)
        if _anyone(s) and not pins_caller(s)
    ]


def _anyone_text(statement: Statement) -> str:
    if "*" in statement.principals:
        return "Principal *"
    return ", ".join(f"{kind} *" for kind, ids in statement.principals.items() if "*" in ids)


def _role_wildcard(resource: str) -> bool:
    if _is_resource_star(resource):
        return True
    match = re.match(r"^arn:[^:]*:iam::([^:]*):role/(.*)$", resource)
    if match is None:
        return "*" in resource
    return "*" in match.group(1) or "*" in match.group(2) or "?" in match.group(2)


def pass_role_any_service(doc: PolicyDoc) -> list[Finding]:
    """BFT016: iam:PassRole on a wildcard role whose iam:PassedToService allows any service (``*``)."""
    if doc.kind is not Kind.IDENTITY:
        return []
    findings = []
    for s in _allows(doc.statements):
        if not s.covers_action("iam:PassRole"):
            continue
        roles = [r for r in s.resources if _role_wildcard(r)] or (["(NotResource)"] if s.not_resources else [])
        if not roles:
            continue
        services = [
            v
            for op, entries in s.conditions.items()
            for k, values in entries.items()
            if k.lower() == "iam:passedtoservice"
            for v in values
        ]
        if services and any(matches_anything(v) for v in services):
            findings.append(
                _finding(
                    "BFT016",
                    Severity.HIGH,
                    doc,
                    s,
                    f"{s.label} allows iam:PassRole on {', '.join(roles)} with iam:PassedToService "
                    f"= {', '.join(services)}: any role can be handed to any service",
                )
            )
    return findings


_ACCOUNT_IN_ARN = re.compile(r"^arn:[^:]*:[^:]*:[^:]*:(\d{12}):")


def _home_account(doc: PolicyDoc, statements: list[Statement]) -> str | None:
    """The account the role belongs to: known from where the document came from, or else the one its own
    aws:SourceAccount / aws:SourceArn conditions name (when they name exactly one)."""
    if doc.account:
        return doc.account
    named: set[str] = set()
    for s in statements:
        for key in ("aws:SourceAccount", "aws:SourceOwner"):
            for operator in s.conditions:
                named.update(v for v in s.condition_values(operator, key) if re.fullmatch(r"\d{12}", v))
        for operator in s.conditions:
            for value in s.condition_values(operator, "aws:SourceArn"):
                match = _ACCOUNT_IN_ARN.match(value)
                if match:
                    named.add(match.group(1))
    return named.pop() if len(named) == 1 else None


def _principal_account(identifier: str) -> str | None:
    if re.fullmatch(r"\d{12}", identifier):
        return identifier
    match = re.match(r"^arn:[^:]*:(?:iam|sts)::(\d{12}):", identifier)
    return match.group(1) if match else None


def trust_other_account(doc: PolicyDoc) -> list[Finding]:
    """BFT017: a trust policy that lets everyone, or an AWS principal of another account, assume the role.

    The role's account comes from the live role's ARN, or else from the document's own aws:SourceAccount /
    aws:SourceArn. When it cannot be known, an account principal is reported at medium, to be confirmed."""
    if doc.kind is not Kind.TRUST:
        return []
    statements = doc.statements
    home = _home_account(doc, statements)
    findings = []
    for s in _allows(statements):
        if not any(
            s.covers_action(a)
            for a in ("sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity", "sts:TagSession")
        ):
            continue
        if _anyone(s):
            findings.append(
                _finding(
                    "BFT017",
                    Severity.HIGH,
                    doc,
                    s,
                    f"{s.label} lets anyone (Principal *) assume the role"
                    + (", whatever its conditions say" if s.conditions else ""),
                )
            )
            continue
        for identifier in s.principals.get("AWS", ()):
            account = _principal_account(identifier)
            if account is None:
                continue
            if home is None:
                findings.append(
                    _finding(
                        "BFT017",
                        Severity.MEDIUM,
                        doc,
                        s,
                        f"{s.label} lets {identifier} (account {account}) assume the role, and the "
                        "role's own account is not known here: confirm it is the same account",
                        "review the live role so its account is known, or trust a role of this account by its ARN",
                    )
                )
            elif account != home:
                findings.append(
                    _finding(
                        "BFT017",
                        Severity.HIGH,
                        doc,
                        s,
                        f"{s.label} lets {identifier} of account {account} assume the role, "
                        f"which belongs to account {home}",
                    )
                )
    return findings


RULE_FUNCTIONS: tuple[Callable[[PolicyDoc], list[Finding]], ...] = (
    wildcard_actions,
    wildcard_resources,
    s3_any_bucket,
    create_network_interface,
    create_tags,
    network_interface_permissions,
    pass_role,
    trust_confused_deputy,
    bucket_tls_only,
    bucket_public,
    endpoint_scoped,
    wildcard_like_conditions,
    s3_bucket_name_wildcard,
    bucket_policy_public,
    pass_role_any_service,
    trust_other_account,
)


def missing_endpoint_policy(name: str, file: str | None = None, line: int | None = None) -> Finding:
    """The finding for an S3 endpoint that has no policy at all (AWS then allows everything)."""
    doc = PolicyDoc(name=name, kind=Kind.ENDPOINT, document={"Statement": []}, file=file, line=line)
    return _finding(
        "BFT010",
        Severity.HIGH,
        doc,
        None,
        f"{name} has no endpoint policy, so AWS applies full access: any bucket is reachable",
    )


def apply_rules(docs: Iterable[PolicyDoc]) -> list[Finding]:
    findings: list[Finding] = []
    for doc in docs:
        for rule in RULE_FUNCTIONS:
            findings.extend(rule(doc))
    return findings
