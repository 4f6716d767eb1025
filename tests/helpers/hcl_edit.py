"""Edit a Terraform file through its parsed structure, for the tests that break a copy of the module on purpose.

A mutation test names what it breaks ("the ArnLike condition of the trust statement", "the job-to-S3 rule's
prefix list") instead of pasting the exact text it replaces, so rewording the module (reordering arguments,
realigning, adding comments) leaves the test as it was. The file is parsed with python-hcl2 8.x, changed, and
written back with its ``dumps``; every other file of the copy stays byte for byte.

python-hcl2 holds a string literal with its quotes (``'"Allow"'``: use :func:`string`) and an expression as
``"${...}"`` (use :func:`expression`); a block is a dict marked ``__is_block__``, and repeated blocks (statement,
condition, precondition) are lists of them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import hcl2

Body = dict[str, Any]
Edit = Callable[["TfFile"], None]

# How many labels each kind of top-level block has (locals and terraform have none).
_LABELS = {"resource": 2, "data": 2, "module": 1, "variable": 1, "output": 1, "provider": 1}


def string(value: str) -> str:
    """An HCL string literal, as python-hcl2 holds one."""
    return json.dumps(value)


def expression(text: str) -> str:
    """An HCL expression (``local.job_arns``), as python-hcl2 holds one."""
    return "${" + text + "}"


def block(**attributes: Any) -> Body:
    """A nested block with these arguments (``attributes`` already as string() / expression() / numbers)."""
    return {**attributes, "__is_block__": True}


def _label_key(label: str) -> str:
    return string(label)


class TfFile:
    """One .tf file, parsed; ``save()`` writes it back."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.data: dict[str, Any] = hcl2.loads(path.read_text(encoding="utf-8"))

    def save(self) -> None:
        self.path.write_text(hcl2.dumps(self.data), encoding="utf-8")

    # -- top-level blocks ---------------------------------------------------------------------------------------

    def _entries(self, kind: str, labels: tuple[str, ...]) -> Iterator[tuple[list[Any], int, Body]]:
        """(the list holding the block, its index, its body) for every top-level block of ``kind`` whose labels
        start with ``labels``."""
        depth = _LABELS.get(kind, 0)
        entries = self.data.get(kind, [])
        for index, entry in enumerate(entries):
            nodes: list[tuple[tuple[str, ...], Any]] = [((), entry)]
            for _ in range(depth):
                nodes = [
                    ((*found, json.loads(key)), child)
                    for found, node in nodes
                    for key, child in node.items()
                    if key.startswith('"')
                ]
            for found, body in nodes:
                if found[: len(labels)] == labels:
                    yield entries, index, body

    def blocks(self, kind: str, *labels: str) -> list[Body]:
        return [body for _, _, body in self._entries(kind, labels)]

    def block(self, kind: str, *labels: str) -> Body:
        """The one top-level block ``kind "label" "label"`` (``locals`` blocks: see locals_with)."""
        found = self.blocks(kind, *labels)
        assert len(found) == 1, f"{self.path.name}: {len(found)} blocks {kind} {' '.join(labels)}"
        return found[0]

    def remove_block(self, kind: str, *labels: str) -> None:
        ((entries, index, _),) = list(self._entries(kind, labels))
        del entries[index]

    def add_block(self, kind: str, *labels: str, **attributes: Any) -> None:
        entry: Body = block(**attributes)
        for label in reversed(labels):
            entry = {_label_key(label): entry}
        self.data.setdefault(kind, []).append(entry)

    def locals_with(self, name: str) -> Body:
        """The ``locals`` block that defines ``name``."""
        (found,) = [body for body in self.blocks("locals") if name in body]
        return found

    # -- IAM policy documents -----------------------------------------------------------------------------------

    def statements(self, document: str) -> list[Body]:
        """The statement blocks of ``data "aws_iam_policy_document" "<document>"``, then the ``content`` of its
        ``dynamic "statement"`` blocks."""
        body = self.block("data", "aws_iam_policy_document", document)
        found = list(body.get("statement", []))
        for dynamic in body.get("dynamic", []):
            for label, generator in dynamic.items():
                if label == string("statement"):
                    found.extend(generator.get("content", []))
        return found

    def statement(self, document: str, sid: str) -> Body:
        (found,) = [s for s in self.statements(document) if s.get("sid") == string(sid)]
        return found

    def remove_statement(self, document: str, sid: str) -> None:
        body = self.block("data", "aws_iam_policy_document", document)
        body["statement"] = [s for s in body["statement"] if s.get("sid") != string(sid)]


def condition(statement: Body, variable: str) -> Body:
    """The condition block of ``statement`` on ``variable`` (``aws:SourceArn``)."""
    (found,) = [c for c in statement["condition"] if c.get("variable") == string(variable)]
    return found


def edit_file(path: Path, edit: Edit) -> None:
    """Parse ``path``, apply ``edit`` to it, write it back."""
    tf = TfFile(path)
    edit(tf)
    tf.save()


@contextmanager
def editing(path: Path) -> Iterator[TfFile]:
    """``with editing(path) as tf: ...``: the file is written back when the block ends without an error."""
    tf = TfFile(path)
    yield tf
    tf.save()


# -- a reworded copy: the same module written differently ----------------------------------------------------------


def _reorder(value: Any) -> Any:
    """Every block's and object's arguments in reverse order (nested blocks keep theirs: order matters there)."""
    if isinstance(value, dict):
        keys = [k for k in value if not k.startswith("__")]
        reordered = {k: _reorder(value[k]) for k in reversed(keys)}
        reordered.update({k: v for k, v in value.items() if k.startswith("__") and k != "__comments__"})
        return reordered
    if isinstance(value, list):
        return [_reorder(v) for v in value]
    return value


def reword(path: Path) -> None:
    """Rewrite one .tf file as a person might without changing what it says: arguments in another order,
    python-hcl2's layout instead of terraform fmt's (objects spread over lines, other blank lines), and a
    comment before every top-level block."""
    rendered = hcl2.dumps(_reorder(hcl2.loads(path.read_text(encoding="utf-8"))))
    lines = []
    for line in rendered.splitlines():
        if line and not line[0].isspace() and line.rstrip().endswith("{"):
            lines.append(f"# reworded copy: {line.split('{')[0].strip()}")
        lines.append(line)
    path.write_text("# A reworded copy of this file: the same module, written differently.\n\n" + "\n".join(lines))
