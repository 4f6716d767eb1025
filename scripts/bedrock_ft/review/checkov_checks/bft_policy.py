"""Helpers shared by the CKV_BFT_* checks: statements of an aws_iam_policy_document (as checkov parses HCL) or of a
JSON policy (a plan's values, a jsonencode), reduced to one plain shape.

Not a check itself (it defines no ``check``), but lives beside them because checkov puts this folder on sys.path.
"""

from __future__ import annotations

import json
import re
from typing import Any

ANY_BUCKET = re.compile(r"^(\*|arn:[^:]*:s3:::[*?]*(/.*)?|arn:[^:]*:\*.*)$")


def _unwrap(value: Any) -> Any:
    """checkov wraps every HCL attribute in a one-item list."""
    while isinstance(value, list) and len(value) == 1 and isinstance(value[0], list):
        value = value[0]
    return value


def _strings(value: Any) -> list[str]:
    value = _unwrap(value)
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def _first(value: Any, default: str = "") -> str:
    items = _strings(value)
    return items[0] if items else default


class Stmt:
    def __init__(
        self,
        effect: str,
        actions: list[str],
        resources: list[str],
        principals: dict[str, list[str]],
        conditions: list[tuple[str, str, list[str]]],
        sid: str = "",
    ) -> None:
        self.effect = effect
        self.actions = actions
        self.resources = resources
        self.principals = principals
        self.conditions = conditions
        self.sid = sid

    @property
    def allows(self) -> bool:
        return self.effect.lower() == "allow"

    def keys(self) -> set[str]:
        return {variable.lower() for _, variable, _ in self.conditions}

    def covers(self, action: str) -> bool:
        from fnmatch import fnmatchcase

        return any(fnmatchcase(action.lower(), a.lower()) for a in self.actions)

    def anyone(self) -> bool:
        return any("*" in ids for ids in self.principals.values())


def hcl_statements(conf: dict[str, Any]) -> list[Stmt]:
    """Statements of a data "aws_iam_policy_document" block (dynamic statements' content included)."""
    raw = list(conf.get("statement") or [])
    for dynamic in conf.get("dynamic") or []:
        if isinstance(dynamic, dict) and isinstance(dynamic.get("statement"), dict):
            raw.extend(dynamic["statement"].get("content") or [])
    out = []
    for s in raw:
        if not isinstance(s, dict):
            continue
        principals: dict[str, list[str]] = {}
        for p in s.get("principals") or []:
            if isinstance(p, dict):
                principals.setdefault(_first(p.get("type")), []).extend(_strings(p.get("identifiers")))
        conditions = [
            (_first(c.get("test")), _first(c.get("variable")), _strings(c.get("values")))
            for c in s.get("condition") or []
            if isinstance(c, dict)
        ]
        out.append(
            Stmt(
                _first(s.get("effect"), "Allow"),
                _strings(s.get("actions")),
                _strings(s.get("resources")),
                principals,
                conditions,
                _first(s.get("sid")),
            )
        )
    return out


def json_policy(value: Any) -> dict[str, Any] | None:
    """A policy given as a dict (jsonencode, plan) or a JSON string; None for a reference checkov cannot resolve."""
    value = value[0] if isinstance(value, list) and value else value
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            return None
        return parsed if isinstance(parsed, dict) else None
    return None


def json_statements(policy: dict[str, Any]) -> list[Stmt]:
    raw = policy.get("Statement") or []
    raw = raw if isinstance(raw, list) else [raw]
    out = []
    for s in raw:
        if not isinstance(s, dict):
            continue
        principal = s.get("Principal")
        principals: dict[str, list[str]] = {}
        if principal == "*":
            principals = {"*": ["*"]}
        elif isinstance(principal, dict):
            principals = {k: _strings(v) for k, v in principal.items()}
        conditions = [
            (str(op), str(key), _strings(values))
            for op, entries in (s.get("Condition") or {}).items()
            if isinstance(entries, dict)
            for key, values in entries.items()
        ]
        out.append(
            Stmt(
                str(s.get("Effect", "Allow")),
                _strings(s.get("Action")),
                _strings(s.get("Resource")),
                principals,
                conditions,
                str(s.get("Sid", "")),
            )
        )
    return out


def statements_of(conf: dict[str, Any], attribute: str = "policy") -> list[Stmt] | None:
    """A resource's policy attribute as statements, or None when it is a reference (checked on the data block)."""
    policy = json_policy(conf.get(attribute))
    return None if policy is None else json_statements(policy)


def is_trust(statements: list[Stmt]) -> bool:
    return any(s.covers("sts:AssumeRole") and s.principals for s in statements)


def touches_s3(statement: Stmt) -> bool:
    return any(a == "*" or a.lower().startswith("s3:") for a in statement.actions)


def any_bucket(resources: list[str]) -> list[str]:
    return [r for r in resources if ANY_BUCKET.match(r)]
