"""Read a Terraform module's HCL statically: blocks, their files and lines, and its IAM policy documents.

Nothing here runs Terraform or needs a provider: every ``.tf`` file is parsed with python-hcl2 (8.x, imported
lazily; a missing install raises :class:`bedrock_ft.core.errors.ConfigError` with the install hint). Values are
cleaned of python-hcl2's artefacts: string literals come out without their surrounding quotes, block labels
and map keys likewise, and the ``__is_block__`` / ``__comments__`` markers are dropped. Expressions are left as
Terraform writes them inside an interpolation, e.g. ``"${aws_s3_bucket.this.arn}/*"`` or
``"${var.name}"``; :func:`unwrap` turns a whole-string ``"${expr}"`` into ``"expr"``.

Public API::

    load_module(module_dir, *, exclude=()) -> dict[str, dict]
        Every .tf file under module_dir, recursively (hidden folders such as .terraform skipped, and any
        relative folder prefix in ``exclude``), keyed by its POSIX path relative to module_dir, each the
        cleaned parse of that file ({"resource": [...], "variable": [...], ...}).
    parse_file(path) -> dict
        One file, cleaned (cached on path, size and mtime).
    blocks(module, kind, type_=None) -> Iterator[Block]
        Top-level blocks of one kind ("resource", "data", "variable", "output", "module", "locals",
        "provider", "terraform", "check", ...), optionally only one resource/data type. ``module`` is a
        folder or the mapping load_module returned.
    policy_documents(module) -> list[PolicyDocument]
        Every ``data "aws_iam_policy_document"`` with its statements as plain dicts (see
        :class:`PolicyDocument`), in file order.
    unwrap(value) -> str
        ``"${expr}"`` -> ``"expr"`` when the whole string is one interpolation; anything else unchanged.
    iter_strings(value) -> Iterator[str]
        Every string inside a parsed value (recursively through lists and dicts, keys included).

A :class:`Block` has ``kind``, ``labels``, ``type`` (first label of resource/data, else None), ``name`` (last
label), ``address`` (``aws_s3_bucket.this``, ``data.aws_iam_policy_document.trust``, ``var.name``,
``output.role_arn``, ``module.network``), ``body`` (cleaned dict), ``file`` (relative path) and ``line``
(1-based line of the block header, or None when it cannot be found).

A statement dict always has the same keys::

    {"sid": str | None, "effect": "Allow" | "Deny" | expression, "actions": [...], "not_actions": [...],
     "resources": [...], "not_resources": [...],
     "principals": {type: [identifiers]}, "not_principals": {type: [identifiers]},
     "conditions": {test: {variable: [values]}},
     "dynamic": None | for_each expression (the statement comes from a ``dynamic "statement"`` block),
     "line": 1-based line of the statement's sid (or None)}

Values listed in a single expression (``resources = local.arns``) come out as a one-item list holding that
expression string.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from bedrock_ft.core.errors import ConfigError

__all__ = [
    "Block",
    "PolicyDocument",
    "blocks",
    "iter_strings",
    "load_module",
    "parse_file",
    "policy_documents",
    "unwrap",
]

INSTALL_HINT = "install python-hcl2 8.x: pip install 'bedrock-ft[review]' (or pip install 'python-hcl2>=8,<9')"

_LABELLED_TWICE = frozenset({"resource", "data"})
_LABELLED_ONCE = frozenset({"variable", "output", "module", "provider", "check", "import", "moved", "removed"})
_MARKERS = frozenset({"__is_block__", "__comments__", "__inline_comments__", "__start_line__", "__end_line__"})
_WHOLE_INTERPOLATION = re.compile(r"^\$\{(.*)\}$", re.DOTALL)

ModuleSource = str | Path | Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class Block:
    """One top-level HCL block and where it is."""

    kind: str
    labels: tuple[str, ...]
    body: dict[str, Any]
    file: str
    line: int | None = None

    @property
    def type(self) -> str | None:
        return self.labels[0] if self.kind in _LABELLED_TWICE and self.labels else None

    @property
    def name(self) -> str | None:
        return self.labels[-1] if self.labels else None

    @property
    def address(self) -> str:
        if self.kind == "resource":
            return ".".join(self.labels)
        if self.kind == "data":
            return "data." + ".".join(self.labels)
        if self.kind == "variable":
            return f"var.{self.name}"
        return ".".join((self.kind, *self.labels))


@dataclass(frozen=True)
class PolicyDocument:
    """A ``data "aws_iam_policy_document"`` block with its statements as plain dicts (module docstring)."""

    name: str
    file: str
    line: int | None
    statements: list[dict[str, Any]] = field(default_factory=list)

    @property
    def address(self) -> str:
        return f"data.aws_iam_policy_document.{self.name}"


def _hcl2() -> Any:
    try:
        import hcl2  # lazy: only the review and the tests need it
        from hcl2.utils import SerializationOptions
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ConfigError("python-hcl2 is not installed, so Terraform files cannot be read", hint=INSTALL_HINT) from exc
    return hcl2, SerializationOptions


def _strip_quotes(text: str) -> str:
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        return text[1:-1]
    return text


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {_strip_quotes(k): _clean(v) for k, v in value.items() if k not in _MARKERS}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, str):
        return _strip_quotes(value)
    return value


@lru_cache(maxsize=512)
def _parse_cached(path: str, _size: int, _mtime_ns: int) -> tuple[dict[str, Any], str]:
    hcl2, options_cls = _hcl2()
    text = Path(path).read_text(encoding="utf-8")
    options = options_cls(strip_string_quotes=True, with_comments=False, preserve_heredocs=False)
    try:
        parsed = hcl2.loads(text, serialization_options=options)
    except Exception as exc:  # python-hcl2 raises lark errors of several kinds
        raise ConfigError(f"cannot parse {path}: {exc}".splitlines()[0], hint="fix the HCL syntax") from exc
    return _clean(parsed), text


def _parse_with_text(path: Path) -> tuple[dict[str, Any], str]:
    stat = path.stat()
    return _parse_cached(str(path.resolve()), stat.st_size, stat.st_mtime_ns)


def parse_file(path: str | Path) -> dict[str, Any]:
    """One ``.tf`` file, parsed and cleaned. Raises ConfigError when it is not valid HCL."""
    return _parse_with_text(Path(path))[0]


def _tf_files(root: Path, exclude: Iterable[str]) -> Iterator[Path]:
    prefixes = tuple(p.strip("/") + "/" for p in exclude)
    for path in sorted(root.rglob("*.tf")):
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts[:-1]):
            continue
        if prefixes and (rel.as_posix() + "/").startswith(prefixes):
            continue
        yield path


class _LoadedModule(dict[str, dict[str, Any]]):
    """The mapping load_module returns; remembers its folder so blocks can report line numbers."""

    def __init__(self, files: dict[str, dict[str, Any]], root: str) -> None:
        super().__init__(files)
        self.root = root


_TEXTS: dict[tuple[str, str], str] = {}


def load_module(module_dir: str | Path, *, exclude: Iterable[str] = ()) -> _LoadedModule:
    """Every ``.tf`` file under ``module_dir``, recursively, keyed by relative POSIX path (sorted)."""
    root = Path(module_dir)
    if not root.is_dir():
        raise ConfigError(f"{root} is not a folder", hint="pass the Terraform module's folder")
    files: dict[str, dict[str, Any]] = {}
    for path in _tf_files(root, exclude):
        rel = path.relative_to(root).as_posix()
        parsed, text = _parse_with_text(path)
        files[rel] = parsed
        _TEXTS[(str(root.resolve()), rel)] = text
    return _LoadedModule(files, str(root.resolve()))


def _as_files(module: ModuleSource) -> Mapping[str, Mapping[str, Any]]:
    if isinstance(module, str | Path):
        return load_module(module)
    return module


def _text_of(files: Mapping[str, Any], rel: str) -> str | None:
    root = getattr(files, "root", None)
    return _TEXTS.get((root, rel)) if root else None


def _header_line(text: str | None, kind: str, labels: tuple[str, ...], start: int = 0) -> int | None:
    if text is None:
        return None
    label_re = r"\s+".join(rf'"?{re.escape(label)}"?' for label in labels)
    pattern = re.compile(rf"^[ \t]*{re.escape(kind)}\s*{label_re}\s*\{{", re.MULTILINE)
    match = pattern.search(text, start)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _walk_labels(kind: str, value: Any) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
    depth = 2 if kind in _LABELLED_TWICE else 1 if kind in _LABELLED_ONCE else 0
    if depth == 0:
        if isinstance(value, dict):
            yield (), value
        return

    def descend(node: Any, labels: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
        if not isinstance(node, dict):
            return
        if len(labels) == depth:
            yield labels, node
            return
        for key, child in node.items():
            yield from descend(child, (*labels, key))

    yield from descend(value, ())


def blocks(module: ModuleSource, kind: str, type_: str | None = None) -> Iterator[Block]:
    """Top-level blocks of ``kind`` (optionally only resource/data type ``type_``), file by file."""
    files = _as_files(module)
    for rel, parsed in files.items():
        text = _text_of(files, rel)
        for entry in parsed.get(kind, []) or []:
            for labels, body in _walk_labels(kind, entry):
                if type_ is not None and (not labels or labels[0] != type_):
                    continue
                yield Block(kind, labels, body, rel, _header_line(text, kind, labels))


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _principals(entries: Any) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for entry in _as_list(entries):
        out.setdefault(str(entry.get("type")), []).extend(_as_list(entry.get("identifiers")))
    return out


def _statement(body: Mapping[str, Any], dynamic: str | None, text: str | None, start: int) -> dict[str, Any]:
    conditions: dict[str, dict[str, list[Any]]] = {}
    for cond in _as_list(body.get("condition")):
        by_variable = conditions.setdefault(str(cond.get("test")), {})
        by_variable.setdefault(str(cond.get("variable")), []).extend(_as_list(cond.get("values")))
    sid = body.get("sid")
    line = None
    if text is not None and sid is not None:
        match = re.compile(rf'^[ \t]*sid\s*=\s*"{re.escape(str(sid))}"', re.MULTILINE).search(text, start)
        line = text.count("\n", 0, match.start()) + 1 if match else None
    return {
        "sid": sid,
        "effect": body.get("effect", "Allow"),
        "actions": _as_list(body.get("actions")),
        "not_actions": _as_list(body.get("not_actions")),
        "resources": _as_list(body.get("resources")),
        "not_resources": _as_list(body.get("not_resources")),
        "principals": _principals(body.get("principals")),
        "not_principals": _principals(body.get("not_principals")),
        "conditions": conditions,
        "dynamic": dynamic,
        "line": line,
    }


def policy_documents(module: ModuleSource) -> list[PolicyDocument]:
    """Every ``data "aws_iam_policy_document"`` of the module with its statements as plain dicts."""
    files = _as_files(module)
    docs: list[PolicyDocument] = []
    for block in blocks(files, "data", "aws_iam_policy_document"):
        text = _text_of(files, block.file)
        start = 0
        if text is not None and block.line is not None:
            start = len("\n".join(text.split("\n")[: block.line - 1]))
        statements = [_statement(s, None, text, start) for s in _as_list(block.body.get("statement"))]
        for dyn in _as_list(block.body.get("dynamic")):
            for label, dyn_body in dyn.items():
                if label != "statement":
                    continue
                for content in _as_list(dyn_body.get("content")):
                    statements.append(_statement(content, str(dyn_body.get("for_each")), text, start))
        docs.append(PolicyDocument(str(block.name), block.file, block.line, statements))
    return docs


def unwrap(value: Any) -> Any:
    """``"${expr}"`` -> ``"expr"`` when the whole string is a single interpolation; other values unchanged."""
    if not isinstance(value, str):
        return value
    match = _WHOLE_INTERPOLATION.match(value)
    if match and _balanced(match.group(1)):
        return match.group(1)
    return value


def _balanced(inner: str) -> bool:
    depth = 0
    for char in inner:
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def iter_strings(value: Any) -> Iterator[str]:
    """Every string in a parsed value, recursively (dict keys included)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, child in value.items():
            yield str(key)
            yield from iter_strings(child)
    elif isinstance(value, list | tuple):
        for child in value:
            yield from iter_strings(child)
