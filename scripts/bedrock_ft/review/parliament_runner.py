"""Lint every policy document with parliament (offline; it ships its own catalogue of IAM actions).

Parliament is written for identity policies and is strict in ways that do not fit documents it was not written for,
so a few of its findings are adjusted, each for a stated reason (see ``_adjust``). Its severities map as
CRITICAL/HIGH -> high, MEDIUM -> medium, LOW -> low.
"""

from __future__ import annotations

import json
from typing import Any

from bedrock_ft.review.documents import Kind, PolicyDoc
from bedrock_ft.review.findings import Finding, Location, Severity

INSTALL_HINT = "pip install 'parliament>=1.6' (or pip install 'bedrock-ft[review]')"

_SEVERITY = {"CRITICAL": Severity.HIGH, "HIGH": Severity.HIGH, "MEDIUM": Severity.MEDIUM, "LOW": Severity.LOW}

_FIX = {
    "RESOURCE_STAR": "name the resource ARNs the actions need instead of *",
    "RESOURCE_MISMATCH": "give each action a resource of a type it accepts",
    "UNKNOWN_ACTION": "check the action's spelling against the service's IAM reference",
    "UNKNOWN_PREFIX": "check the service prefix's spelling",
    "MISMATCHED_TYPE": "use the condition operator that matches the key's type (e.g. ArnLike for ARNs)",
    "UNKNOWN_CONDITION_FOR_ACTION": "use a condition key the action supports, or split the statement",
    "MALFORMED": "fix the statement's structure",
}


def available() -> bool:
    try:
        import parliament  # noqa: F401
    except ImportError:
        return False
    return True


def lint(docs: list[PolicyDoc]) -> list[Finding]:
    import parliament

    findings: list[Finding] = []
    for doc in docs:
        text = json.dumps(_prepared(doc), indent=2)
        try:
            policy = parliament.analyze_policy_string(text, include_community_auditors=False)
        except Exception as exc:  # parliament raises on shapes it does not expect; the other checks still ran
            findings.append(
                Finding(
                    rule_id="parliament/CRASHED",
                    severity=Severity.LOW,
                    message=f"parliament could not lint this document ({type(exc).__name__})",
                    fix="review the document by hand, or report the shape to parliament",
                    location=Location(file=doc.file, line=doc.line, document=doc.name),
                    tool="parliament",
                    rule_name="parliament could not lint the document",
                )
            )
            continue
        for raw in policy.findings:
            try:
                finding = parliament.enhance_finding(raw)
            except Exception:  # an issue parliament has no configuration for
                continue
            adjusted = _adjust(doc, finding)
            if adjusted is not None:
                findings.append(_to_finding(doc, finding, adjusted, text))
    return findings


def _prepared(doc: PolicyDoc) -> dict[str, Any]:
    """The document as parliament should see it: a Version, and a Resource on trust statements (which have none)."""
    document = dict(doc.document)
    document.setdefault("Version", "2012-10-17")
    statements = document.get("Statement")
    if isinstance(statements, list):
        # parliament reads some condition values only as scalars: give one-item lists as the item
        document["Statement"] = [_scalar_conditions(s) for s in statements]
    if doc.kind is Kind.TRUST:
        statements = document.get("Statement")
        if isinstance(statements, list):
            document["Statement"] = [
                {**s, "Resource": "*"} if isinstance(s, dict) and "Resource" not in s and "NotResource" not in s else s
                for s in statements
            ]
    return document


def _scalar_conditions(statement: Any) -> Any:
    if not isinstance(statement, dict) or not isinstance(statement.get("Condition"), dict):
        return statement
    conditions = {
        op: {k: v[0] if isinstance(v, list) and len(v) == 1 else v for k, v in entries.items()}
        if isinstance(entries, dict)
        else entries
        for op, entries in statement["Condition"].items()
    }
    return {**statement, "Condition": conditions}


def _adjust(doc: PolicyDoc, finding: Any) -> Severity | None:
    """The severity to report a parliament finding at, or None to drop it."""
    issue = str(finding.issue)
    severity = _SEVERITY.get(str(finding.severity).upper(), Severity.LOW)
    detail = finding.detail
    if issue == "RESOURCE_STAR" and doc.kind in (Kind.TRUST, Kind.KMS_KEY):
        return None  # a trust policy has no resource; in a key policy * means the key itself
    if issue == "RESOURCE_MISMATCH":
        # A resource of a type the action does not take grants nothing: the permission fails, access never widens.
        # Parliament also judges each statement alone, while IAM unions them: ec2:CreateNetworkInterface needs
        # network-interface/* in one statement (with the tag conditions) and the subnet / security-group ARNs in
        # another, exactly as Bedrock documents it.
        return Severity.LOW
    if issue == "UNKNOWN_CONDITION_FOR_ACTION" and _narrows(doc, finding.location):
        # On an Allow, a key the action's requests never carry makes the condition false: that action is simply
        # not granted by the statement. Only a Deny (or an ...IfExists test) would widen access that way.
        return Severity.LOW
    if issue == "MISMATCHED_TYPE" and "requires a value of type Arn" in str(detail):
        # Bedrock's guide matches the job-ARN tag with ArnEquals; a tag value is a string to parliament.
        return Severity.LOW
    return severity


def _narrows(doc: PolicyDoc, location: Any) -> bool:
    text = json.dumps(_prepared(doc), indent=2)
    index = _statement_at(text, location.get("line") if isinstance(location, dict) else None)
    statements = doc.statements
    if index is None or index >= len(statements):
        return False
    statement = statements[index]
    return statement.allows and not any(op.endswith("IfExists") for op in statement.conditions)


def _to_finding(doc: PolicyDoc, finding: Any, severity: Severity, text: str) -> Finding:
    issue = str(finding.issue)
    location = finding.location if isinstance(finding.location, dict) else {}
    index = _statement_at(text, location.get("line"))
    statements = doc.statements
    sid = statements[index].sid if index is not None and index < len(statements) else None
    line = doc.statement_lines.get(index, doc.line) if index is not None else doc.line
    detail = _detail_text(finding.detail)
    return Finding(
        rule_id=f"parliament/{issue}",
        severity=severity,
        message=f"{finding.title}: {detail}",
        fix=_FIX.get(issue, "see parliament's documentation for this issue"),
        location=Location(file=doc.file, line=line, document=doc.name, sid=sid, index=index),
        tool="parliament",
        rule_name=str(finding.title),
    )


def _detail_text(detail: Any) -> str:
    if isinstance(detail, list) and detail and all(isinstance(d, dict) and "required_format" in d for d in detail):
        by_action: dict[str, list[str]] = {}
        for item in detail:
            formats = by_action.setdefault(str(item.get("action")), [])
            if item["required_format"] not in formats:
                formats.append(str(item["required_format"]))
        parts = []
        for action, formats in by_action.items():
            more = f" and {len(formats) - 3} more" if len(formats) > 3 else ""
            parts.append(f"{action} given no resource of type {', '.join(formats[:3])}{more}")
        return "; ".join(parts)
    text = detail if isinstance(detail, str) else json.dumps(detail, default=str)
    return text if len(text) <= 300 else text[:297] + "..."


def _statement_at(text: str, json_line: Any) -> int | None:
    """Which statement a line of the JSON parliament was given falls in (json.dumps(indent=2) puts each statement's
    opening brace alone on a line indented by four spaces)."""
    if not isinstance(json_line, int):
        return None
    index = None
    for number, line in enumerate(text.splitlines(), start=1):
        if number > json_line:
            break
        if line == "    {":
            index = 0 if index is None else index + 1
    return index
