"""bedrock_ft.core.terraform_hcl: the static HCL reader the tests, the review and the sandbox agreement use."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bedrock_ft.core import terraform_hcl
from bedrock_ft.core.errors import ConfigError

MODULE = """\
resource "aws_s3_bucket" "this" {
  bucket = "${var.name}-data"
  tags   = merge(var.tags, { Name = "x" })
}

data "aws_iam_policy_document" "trust" {
  statement {
    sid     = "Trust"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["bedrock.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }

  dynamic "statement" {
    for_each = var.extra ? [1] : []

    content {
      sid       = "Extra"
      effect    = "Deny"
      actions   = ["s3:*"]
      resources = local.arns
    }
  }
}

variable "name" {
  description = "Prefix."
  type        = string
}
"""


@pytest.fixture
def module_dir(tmp_path: Path) -> Path:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "main.tf").write_text(MODULE, encoding="utf-8")
    (tmp_path / "outputs.tf").write_text('output "x" {\n  description = "X."\n  value       = 1\n}\n')
    (tmp_path / ".terraform").mkdir()
    (tmp_path / ".terraform" / "ignored.tf").write_text("this is not HCL {")
    (tmp_path / "fixtures").mkdir()
    (tmp_path / "fixtures" / "bad.tf").write_text("nor is this {")
    return tmp_path


def test_load_module_keys_files_by_relative_path_and_skips_hidden_and_excluded(module_dir: Path) -> None:
    files = terraform_hcl.load_module(module_dir, exclude=("fixtures",))
    assert list(files) == ["outputs.tf", "sub/main.tf"]


def test_strings_come_out_without_quotes_and_expressions_as_interpolations(module_dir: Path) -> None:
    files = terraform_hcl.load_module(module_dir, exclude=("fixtures",))
    (bucket,) = terraform_hcl.blocks(files, "resource", "aws_s3_bucket")
    assert bucket.body["bucket"] == "${var.name}-data"
    assert bucket.body["tags"] == '${merge(var.tags, {Name = "x"})}'
    assert (bucket.address, bucket.type, bucket.name, bucket.file, bucket.line) == (
        "aws_s3_bucket.this",
        "aws_s3_bucket",
        "this",
        "sub/main.tf",
        1,
    )
    (variable,) = terraform_hcl.blocks(files, "variable")
    assert (variable.address, variable.body["type"], variable.line) == ("var.name", "string", 35)


def test_policy_documents_give_plain_statement_dicts(module_dir: Path) -> None:
    (doc,) = terraform_hcl.policy_documents(terraform_hcl.load_module(module_dir, exclude=("fixtures",)))
    assert (doc.name, doc.file, doc.line, doc.address) == (
        "trust",
        "sub/main.tf",
        6,
        "data.aws_iam_policy_document.trust",
    )
    trust, extra = doc.statements
    assert trust == {
        "sid": "Trust",
        "effect": "Allow",
        "actions": ["sts:AssumeRole"],
        "not_actions": [],
        "resources": [],
        "not_resources": [],
        "principals": {"Service": ["bedrock.amazonaws.com"]},
        "not_principals": {},
        "conditions": {"StringEquals": {"aws:SourceAccount": ["${local.account_id}"]}},
        "dynamic": None,
        "line": 8,
    }
    assert (extra["sid"], extra["effect"], extra["resources"], extra["dynamic"], extra["line"]) == (
        "Extra",
        "Deny",
        ["${local.arns}"],
        "${var.extra ? [1] : []}",
        27,
    )


def test_a_folder_path_is_accepted_wherever_a_loaded_module_is(module_dir: Path) -> None:
    (module_dir / "fixtures" / "bad.tf").unlink()
    assert [d.name for d in terraform_hcl.policy_documents(module_dir)] == ["trust"]
    assert [b.address for b in terraform_hcl.blocks(module_dir, "output")] == ["output.x"]


def test_unwrap_strips_a_whole_string_interpolation_only() -> None:
    assert terraform_hcl.unwrap("${var.x}") == "var.x"
    assert terraform_hcl.unwrap("${merge(a, {b = 1})}") == "merge(a, {b = 1})"
    assert terraform_hcl.unwrap("${a}-${b}") == "${a}-${b}"
    assert terraform_hcl.unwrap("plain") == "plain"
    assert terraform_hcl.unwrap(3) == 3


def test_iter_strings_walks_keys_and_values() -> None:
    assert list(terraform_hcl.iter_strings({"a": ["b", {"c": 1}]})) == ["a", "b", "c"]


def test_invalid_hcl_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "broken.tf").write_text('resource "a" {\n')
    with pytest.raises(ConfigError, match="cannot parse"):
        terraform_hcl.load_module(tmp_path)


def test_a_missing_folder_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is not a folder"):
        terraform_hcl.load_module(tmp_path / "nowhere")


def test_missing_python_hcl2_is_a_config_error_with_an_install_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "fresh.tf").write_text('variable "fresh_only_here" {\n  type = string\n}\n')
    monkeypatch.setitem(sys.modules, "hcl2", None)
    with pytest.raises(ConfigError) as raised:
        terraform_hcl.load_module(tmp_path)
    assert "python-hcl2" in str(raised.value) and raised.value.hint == terraform_hcl.INSTALL_HINT
