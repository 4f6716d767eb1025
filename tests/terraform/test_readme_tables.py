"""README.md's inputs and outputs tables say what variables.tf and outputs.tf say: every root variable and output
has a row, with the same description (backticks aside), and a variable's row gives its type and default."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bedrock_ft.core import terraform_hcl

REPO = Path(__file__).resolve().parents[2]
VARIABLE_ROW = re.compile(
    r"^\| `(?P<name>[a-z_0-9]+)` \| `(?P<type>[^`]*)` \| (?P<default>[^|]*) \| (?P<desc>.*) \|$", re.M
)
OUTPUT_ROW = re.compile(r"^\| `(?P<name>[a-z_0-9]+)` \| (?P<type>[a-z()]+(?: or null)?) \| (?P<desc>.*) \|$", re.M)


def _root_blocks(kind: str) -> dict[str, dict]:
    module = terraform_hcl.load_module(REPO, exclude=("examples", "modules", "tests"))
    return {b.name: b.body for b in terraform_hcl.blocks(module, kind) if "/" not in b.file}


def _section(title: str) -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index(f"### {title}\n")
    end = text.find("\n### ", start + 1)
    return text[start:end]


def _plain(text: str) -> str:
    return text.replace("`", "").strip()


VARIABLES = _root_blocks("variable")
OUTPUTS = _root_blocks("output")


@pytest.mark.parametrize("name", sorted(VARIABLES))
def test_readme_inputs_row_matches_the_variable(name: str) -> None:
    rows = {m["name"]: m for m in VARIABLE_ROW.finditer(_section("Inputs"))}
    assert name in rows, f"README.md's inputs table has no row for {name}"
    row, body = rows[name], VARIABLES[name]
    assert _plain(row["desc"]) == _plain(body["description"])
    assert row["type"] == terraform_hcl.unwrap(body["type"])
    default = row["default"].strip()
    if "default" not in body:
        assert default == "required"
    else:
        assert _plain(default) == json.dumps(body["default"])


@pytest.mark.parametrize("name", sorted(OUTPUTS))
def test_readme_outputs_row_matches_the_output(name: str) -> None:
    rows = {m["name"]: m for m in OUTPUT_ROW.finditer(_section("Outputs"))}
    assert name in rows, f"README.md's outputs table has no row for {name}"
    assert _plain(rows[name]["desc"]) == _plain(OUTPUTS[name]["description"])
