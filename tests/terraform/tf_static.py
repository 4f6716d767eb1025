"""Small helpers over a parsed module (``bedrock_ft.core.terraform_hcl.load_module``) for the static tests."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from bedrock_ft.core import terraform_hcl
from bedrock_ft.core.terraform_hcl import Block, PolicyDocument

Files = Mapping[str, Mapping[str, Any]]

ROOT = ""
NETWORK = "modules/network"
STORAGE = "modules/storage"
ACCESS = "modules/access"
OPERATOR = "modules/operator"
EXAMPLE = "examples/complete"
# Every folder of examples/: .ci/terraform-verify plans each, and each follows the conventions of test_conventions.py.
EXAMPLES = ("examples/complete", "examples/existing-key-and-zones")
MODULE_DIRS = (ROOT, NETWORK, STORAGE, ACCESS, OPERATOR)


def in_dir(block: Block | PolicyDocument, folder: str) -> bool:
    return posixpath.dirname(block.file) == folder


def blocks(files: Files, kind: str, folder: str, type_: str | None = None) -> list[Block]:
    return [b for b in terraform_hcl.blocks(files, kind, type_) if in_dir(b, folder)]


def resource(files: Files, folder: str, type_: str, name: str) -> dict[str, Any]:
    found = [b for b in blocks(files, "resource", folder, type_) if b.name == name]
    assert found, f"{folder or 'root'} has no {type_}.{name}"
    return found[0].body


def resources(files: Files, folder: str, type_: str) -> list[Block]:
    return blocks(files, "resource", folder, type_)


def variable(files: Files, folder: str, name: str) -> dict[str, Any]:
    found = [b for b in blocks(files, "variable", folder) if b.name == name]
    assert found, f"{folder or 'root'} has no variable {name}"
    return found[0].body


def local_values(files: Files, folder: str) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for block in blocks(files, "locals", folder):
        merged.update(block.body)
    return merged


def document(files: Files, folder: str, name: str) -> PolicyDocument:
    found = [d for d in terraform_hcl.policy_documents(files) if in_dir(d, folder) and d.name == name]
    assert found, f"{folder or 'root'} has no aws_iam_policy_document.{name}"
    return found[0]


def statement(doc: PolicyDocument, sid: str) -> dict[str, Any] | None:
    return next((s for s in doc.statements if s["sid"] == sid), None)


def statements_with(doc: PolicyDocument, action: str) -> list[dict[str, Any]]:
    return [s for s in doc.statements if action in s["actions"]]


def texts(files: Files) -> dict[str, str]:
    """The raw text of every parsed file, keyed like ``files``."""
    folder = getattr(files, "root", None)  # set by load_module
    assert folder is not None, "texts() needs the mapping load_module returned"
    return {rel: (Path(folder) / rel).read_text(encoding="utf-8") for rel in files}


def nested(body: Mapping[str, Any], *path: str) -> Any:
    """Follow nested single blocks: nested(body, "rule", "apply_server_side_encryption_by_default")."""
    value: Any = body
    for key in path:
        value = value.get(key) if isinstance(value, Mapping) else None
        if isinstance(value, list):
            value = value[0] if value else None
    return value


def flat(values: Iterable[Any]) -> list[str]:
    return [str(v) for v in values]
