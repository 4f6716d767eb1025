"""Every Terraform submodule has a README.md (terraform-aws-modules style) whose inputs and outputs tables say what
its variables.tf and outputs.tf say, and whose usage example calls the submodule with inputs it has.

Inputs rows: ``| `name` | description | `type` | `default` or n/a | yes/no |``; outputs rows:
``| `name` | description |``. Descriptions compare with backticks removed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import hcl2
import pytest

from bedrock_ft.core import terraform_hcl

REPO = Path(__file__).resolve().parents[2]
SUBMODULES = sorted(p.parent.name for p in (REPO / "modules").glob("*/variables.tf"))

INPUT_ROW = re.compile(
    r"^\| `(?P<name>[a-z_0-9]+)` \| (?P<desc>.*) \| `(?P<type>[^`]*)` \| (?P<default>[^|]*) \| (?P<required>[^|]*) \|$",
    re.M,
)
OUTPUT_ROW = re.compile(r"^\| `(?P<name>[a-z_0-9]+)` \| (?P<desc>.*) \|$", re.M)
USAGE = re.compile(r"^## Usage\n.*?^```hcl\n(?P<hcl>.*?)^```$", re.M | re.S)


def _readme(module: str) -> str:
    path = REPO / "modules" / module / "README.md"
    assert path.is_file(), f"modules/{module} has no README.md"
    return path.read_text(encoding="utf-8")


def _section(text: str, title: str) -> str:
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def _blocks(module: str, kind: str) -> dict[str, dict[str, Any]]:
    files = terraform_hcl.load_module(REPO / "modules" / module)
    return {b.name: b.body for b in terraform_hcl.blocks(files, kind) if "/" not in b.file}


def _input_rows(text: str) -> dict[str, re.Match[str]]:
    return {m["name"]: m for m in INPUT_ROW.finditer(_section(text, "Inputs"))}


def _output_rows(text: str) -> dict[str, re.Match[str]]:
    return {m["name"]: m for m in OUTPUT_ROW.finditer(_section(text, "Outputs"))}


def _plain(text: str) -> str:
    return text.replace("`", "").strip()


def _expected_input(body: dict[str, Any]) -> tuple[str, str, str, str]:
    default = f"`{json.dumps(body['default'])}`" if "default" in body else "n/a"
    required = "no" if "default" in body else "yes"
    return _plain(body["description"]), terraform_hcl.unwrap(body["type"]), default, required


def _usage_arguments(text: str) -> dict[str, Any]:
    match = USAGE.search(text)
    assert match, "the README has no ## Usage section with an ```hcl block"
    parsed = hcl2.loads(match["hcl"])
    calls = [body for entry in parsed.get("module", []) for body in entry.values()]
    assert len(calls) == 1, "the usage example should call the module once"
    return {k: v for k, v in calls[0].items() if not k.startswith("__")}


def input_problems(module: str, text: str) -> list[str]:
    """What the inputs table of ``text`` gets wrong about the variables of ``module``."""
    rows, variables = _input_rows(text), _blocks(module, "variable")
    problems = [f"no row for input {name}" for name in variables if name not in rows]
    problems += [
        f"a row for input {name}, which variables.tf does not declare" for name in rows if name not in variables
    ]
    for name in set(rows) & set(variables):
        row = rows[name]
        found = (_plain(row["desc"]), row["type"], row["default"].strip(), row["required"].strip())
        if found != _expected_input(variables[name]):
            problems.append(f"input {name}: the row says {found}, variables.tf says {_expected_input(variables[name])}")
    return problems


def output_problems(module: str, text: str) -> list[str]:
    """What the outputs table of ``text`` gets wrong about the outputs of ``module``."""
    rows, outputs = _output_rows(text), _blocks(module, "output")
    problems = [f"no row for output {name}" for name in outputs if name not in rows]
    problems += [f"a row for output {name}, which outputs.tf does not declare" for name in rows if name not in outputs]
    for name in set(rows) & set(outputs):
        if _plain(rows[name]["desc"]) != _plain(outputs[name]["description"]):
            problems.append(f"output {name}: the description differs from outputs.tf")
    return problems


def usage_problems(module: str, text: str) -> list[str]:
    """Inputs the usage example passes that the module lacks, and required inputs it leaves out."""
    arguments = _usage_arguments(text)
    source = _plain(str(arguments.pop("source", ""))).strip('"')
    variables = _blocks(module, "variable")
    problems = [] if source == f"./modules/{module}" else [f"source is {source!r}, not ./modules/{module}"]
    problems += [f"passes {name}, which the module does not have" for name in sorted(set(arguments) - set(variables))]
    problems += [
        f"leaves out the required input {name}"
        for name, body in sorted(variables.items())
        if "default" not in body and name not in arguments
    ]
    return problems


def test_every_submodule_is_covered() -> None:
    assert SUBMODULES == ["access", "network", "operator", "storage"]


@pytest.mark.parametrize("module", SUBMODULES)
def test_inputs_table_matches_variables_tf(module: str) -> None:
    assert input_problems(module, _readme(module)) == [], f"modules/{module}/README.md"


@pytest.mark.parametrize("module", SUBMODULES)
def test_outputs_table_matches_outputs_tf(module: str) -> None:
    assert output_problems(module, _readme(module)) == [], f"modules/{module}/README.md"


@pytest.mark.parametrize("module", SUBMODULES)
def test_usage_example_passes_every_required_input_and_no_unknown_one(module: str) -> None:
    assert usage_problems(module, _readme(module)) == [], f"modules/{module}/README.md"


# -- the checks above fail on a README that drifted ------------------------------------------------------------


def _drifted(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


def test_a_changed_default_is_caught() -> None:
    text = _drifted(_readme("network"), "| `number` | `4` | no |", "| `number` | `8` | no |")
    assert [p for p in input_problems("network", text) if p.startswith("input subnet_newbits:")]


def test_a_changed_type_is_caught() -> None:
    text = _drifted(_readme("access"), "| `list(string)` | n/a | yes |", "| `string` | n/a | yes |")
    assert input_problems("access", text)


def test_a_required_input_shown_as_optional_is_caught() -> None:
    text = _drifted(_readme("operator"), "| `string` | n/a | yes |", "| `string` | n/a | no |")
    assert input_problems("operator", text)


def test_a_row_for_a_removed_variable_is_caught() -> None:
    text = _drifted(_readme("storage"), "\n## Outputs", "| `retired` | Gone. | `bool` | `false` | no |\n\n## Outputs")
    assert "a row for input retired, which variables.tf does not declare" in input_problems("storage", text)


def test_a_missing_output_row_is_caught() -> None:
    text = _readme("storage")
    row = next(m for m in OUTPUT_ROW.finditer(_section(text, "Outputs")) if m["name"] == "kms_key_arn")
    assert output_problems("storage", text.replace(row[0] + "\n", "")) == ["no row for output kms_key_arn"]


def test_a_reworded_output_description_is_caught() -> None:
    text = _drifted(_readme("network"), "| `vpc_id` | ID of the VPC. |", "| `vpc_id` | The VPC. |")
    assert output_problems("network", text) == ["output vpc_id: the description differs from outputs.tf"]


def test_a_usage_example_with_a_misspelt_input_is_caught() -> None:
    text = _drifted(_readme("access"), '  name                = "bedrock-ft"\n', '  nmae = "bedrock-ft"\n')
    assert usage_problems("access", text) == [
        "passes nmae, which the module does not have",
        "leaves out the required input name",
    ]
