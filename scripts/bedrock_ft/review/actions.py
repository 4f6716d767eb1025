"""Which IAM actions can be limited to a resource ARN, from the action catalogue parliament ships.

Used by the wildcard-resource rule: ``Resource: "*"`` is only a finding for an action that accepts something
narrower. Without parliament installed, a short built-in list of actions known to need ``*`` is used instead.
"""

from __future__ import annotations

import fnmatch
import json
from functools import lru_cache
from importlib import resources
from typing import Any

# Actions that accept only "*" (no resource-level permissions), for when parliament's catalogue is missing.
_STAR_ONLY_FALLBACK = (
    "ec2:describe*",
    "s3:listallmybuckets",
    "sts:getcalleridentity",
    "bedrock:list*",
    "kms:listkeys",
    "kms:listaliases",
    "iam:listroles",
    "iam:listpolicies",
    "logs:describeloggroups",
)


@lru_cache(maxsize=1)
def _catalogue() -> dict[str, dict[str, bool]] | None:
    """{service prefix: {action name lowercased: accepts a resource ARN}} or None without parliament."""
    try:
        text = resources.files("parliament").joinpath("iam_definition.json").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        return None
    data: list[dict[str, Any]] = json.loads(text)
    out: dict[str, dict[str, bool]] = {}
    for service in data:
        privileges = out.setdefault(service["prefix"].lower(), {})
        for privilege in service.get("privileges", []):
            types = [t.get("resource_type", "") for t in privilege.get("resource_types", [])]
            privileges[privilege["privilege"].lower()] = any(types)
    return out


def expand(pattern: str) -> list[str]:
    """The known actions a pattern such as ``ec2:Describe*`` covers (lowercased), or [] when none is known."""
    catalogue = _catalogue()
    if catalogue is None or ":" not in pattern:
        return []
    prefix, name = pattern.lower().split(":", 1)
    services = catalogue.items() if prefix == "*" else [(prefix, catalogue.get(prefix, {}))]
    return [f"{svc}:{act}" for svc, acts in services for act in acts if fnmatch.fnmatchcase(act, name)]


def accepts_resource(action: str) -> bool:
    """True when the action (or any action the pattern covers) can be granted on a specific resource ARN."""
    lowered = action.lower()
    if lowered == "*":
        return True
    catalogue = _catalogue()
    if catalogue is None:
        return not any(fnmatch.fnmatchcase(lowered, p) for p in _STAR_ONLY_FALLBACK)
    prefix, _, name = lowered.partition(":")
    actions = catalogue.get(prefix)
    if actions is None:
        return False  # an unknown service: nothing to say (the linter reports unknown actions)
    return any(ok for act, ok in actions.items() if fnmatch.fnmatchcase(act, name))
