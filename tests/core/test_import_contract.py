"""The package's layering (the rule in ``bedrock_ft/__init__.py``), held for every import in every module.

Imports inside functions count too: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import bedrock_ft

PACKAGE = Path(bedrock_ft.__file__).parent

# Group -> layer. A module may import from its own group and from groups on a lower layer; groups that share a
# layer are independent of each other.
LAYERS = {
    "core": 1,
    "data": 2,
    "review": 2,
    "job": 3,
    "lifecycle": 4,
    "sandbox": 5,
    "cli": 6,
}


def _group_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "bedrock_ft":
        return None
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else ""


def _imports(path: Path, module: str) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[int, str]] = []
    package_parts = module.split(".")[:-1] if path.name != "__init__.py" else module.split(".")
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package_parts[: len(package_parts) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if target == "bedrock_ft":
                # `from bedrock_ft import core` names a group; `from bedrock_ft import __version__` the top level.
                found.extend((node.lineno, f"bedrock_ft.{alias.name}") for alias in node.names)
            else:
                found.append((node.lineno, target))
    return found


def _modules() -> list[tuple[Path, str]]:
    result = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(relative.parts)
        if parts[-1] == "__init__":
            parts.pop()
        result.append((path, ".".join(parts)))
    return result


def _violations(path: Path, module: str) -> list[str]:
    own = _group_of(module)
    if not own:
        return []
    bad = []
    for line, target in _imports(path, module):
        group = _group_of(target)
        if group is None or group == "" or group == own:
            continue
        if LAYERS[group] >= LAYERS[own]:
            bad.append(f"{path.name}:{line} ({own}) imports {target} ({group})")
    return bad


def test_every_module_belongs_to_a_group() -> None:
    loose = [
        str(path.relative_to(PACKAGE))
        for path, module in _modules()
        if module != "bedrock_ft" and _group_of(module) == ""
    ]
    assert loose == []


def test_every_group_in_the_package_has_a_layer() -> None:
    groups = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert groups == set(LAYERS)


@pytest.mark.parametrize(("path", "module"), _modules(), ids=lambda v: str(v) if isinstance(v, str) else "")
def test_module_imports_only_from_its_group_and_lower_layers(path: Path, module: str) -> None:
    assert _violations(path, module) == []


def test_the_rule_catches_a_lazy_upward_import(tmp_path: Path) -> None:
    upward = tmp_path / "upload.py"
    upward.write_text("def f():\n    from bedrock_ft.cli import main\n", encoding="utf-8")
    assert _violations(upward, "bedrock_ft.job.upload") == ["upload.py:2 (job) imports bedrock_ft.cli (cli)"]


def test_the_rule_catches_an_import_between_groups_on_one_layer(tmp_path: Path) -> None:
    sideways = tmp_path / "generate.py"
    sideways.write_text("from bedrock_ft.review import rules\n", encoding="utf-8")
    assert _violations(sideways, "bedrock_ft.data.generate") == [
        "generate.py:1 (data) imports bedrock_ft.review (review)"
    ]


def test_the_rule_catches_a_group_named_from_the_top_level(tmp_path: Path) -> None:
    named = tmp_path / "tf_outputs.py"
    named.write_text("from bedrock_ft import job\n", encoding="utf-8")
    assert _violations(named, "bedrock_ft.core.tf_outputs") == ["tf_outputs.py:1 (core) imports bedrock_ft.job (job)"]


def test_the_rule_allows_the_top_level_and_lower_layers(tmp_path: Path) -> None:
    fine = tmp_path / "submit.py"
    fine.write_text("from bedrock_ft import __version__\nfrom bedrock_ft.core import errors\n", encoding="utf-8")
    assert _violations(fine, "bedrock_ft.job.submit") == []
