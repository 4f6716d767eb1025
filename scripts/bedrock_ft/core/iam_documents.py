"""IAM policy documents as data: parse, normalise and ask what a statement allows.

Shared by preflight (does the live role hold what a job needs?), the sandbox (which writes the documents) and the
review (which judges them). Only JSON documents here; HCL is read by ``bedrock_ft.core.terraform_hcl``.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from bedrock_ft.core.errors import InputError


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


@dataclass(frozen=True)
class Statement:
    """One statement, with every list-or-string field made a list."""

    index: int
    sid: str | None
    effect: str
    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    not_resources: tuple[str, ...] = ()
    principals: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    conditions: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """How a message names this statement: its Sid, or its position."""
        return f"Sid {self.sid}" if self.sid else f"statement {self.index}"

    @property
    def allows(self) -> bool:
        return self.effect == "Allow"

    def covers_action(self, action: str) -> bool:
        """True when this statement's Action (or NotAction) matches ``action``."""
        if self.not_actions:
            return not any(action_matches(p, action) for p in self.not_actions)
        return any(action_matches(p, action) for p in self.actions)

    def covers_resource(self, arn: str) -> bool:
        if self.not_resources:
            return not any(fnmatch.fnmatchcase(arn, p) for p in self.not_resources)
        return any(fnmatch.fnmatchcase(arn, p) for p in self.resources)

    def condition_values(self, operator: str, key: str) -> tuple[str, ...]:
        """The values of one condition, matching the key case-insensitively as IAM does."""
        for op, entries in self.conditions.items():
            if op != operator:
                continue
            for k, values in entries.items():
                if k.lower() == key.lower():
                    return values
        return ()

    def condition_keys(self) -> set[str]:
        return {k.lower() for entries in self.conditions.values() for k in entries}


def action_matches(pattern: str, action: str) -> bool:
    """IAM action matching: case-insensitive, with * and ? wildcards."""
    return fnmatch.fnmatchcase(action.lower(), pattern.lower())


def load_document(document: str | Mapping[str, Any], *, source: str = "policy") -> dict[str, Any]:
    """A policy document as a dict, from a dict or JSON text (URL-encoded as IAM returns it, or not)."""
    if isinstance(document, str):
        text = document
        if text.lstrip().startswith("%7B"):
            text = unquote(text)
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{source} is not JSON (line {exc.lineno}): {exc.msg}") from None
        except (ValueError, RecursionError) as exc:
            raise InputError(f"{source} is not JSON: {type(exc).__name__}") from None
    if not isinstance(document, Mapping):
        raise InputError(f"{source} is not a JSON object")
    return dict(document)


def parse_document(document: str | Mapping[str, Any], *, source: str = "policy") -> list[Statement]:
    """The statements of a policy document given as JSON text (URL-encoded as IAM returns it, or not) or a dict."""
    document = load_document(document, source=source)
    raw_statements = document.get("Statement")
    if raw_statements is None:
        raise InputError(f"{source} has no Statement")
    return [_statement(i, raw) for i, raw in enumerate(_as_list(raw_statements))]


def _statement(index: int, raw: Any) -> Statement:
    if not isinstance(raw, Mapping):
        return Statement(index=index, sid=None, effect="Invalid")
    principals: dict[str, tuple[str, ...]] = {}
    principal = raw.get("Principal")
    if principal == "*":
        principals = {"*": ("*",)}
    elif isinstance(principal, Mapping):
        principals = {k: tuple(str(v) for v in _as_list(vals)) for k, vals in principal.items()}
    conditions = {
        str(op): {str(k): tuple(str(v) for v in _as_list(vals)) for k, vals in (entries or {}).items()}
        for op, entries in (raw.get("Condition") or {}).items()
    }
    return Statement(
        index=index,
        sid=raw.get("Sid"),
        effect=str(raw.get("Effect", "")),
        actions=tuple(str(a) for a in _as_list(raw.get("Action"))),
        not_actions=tuple(str(a) for a in _as_list(raw.get("NotAction"))),
        resources=tuple(str(r) for r in _as_list(raw.get("Resource"))),
        not_resources=tuple(str(r) for r in _as_list(raw.get("NotResource"))),
        principals=principals,
        conditions=conditions,
    )


def allowing(statements: Iterable[Statement], action: str) -> list[Statement]:
    """The Allow statements whose actions cover ``action``."""
    return [s for s in statements if s.allows and s.covers_action(action)]
