"""Malformed and hostile input to review's readers ends in an InputError that names the problem, never a traceback."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from bedrock_ft.cli import main
from bedrock_ft.core.errors import InputError
from bedrock_ft.review import review, sources

from .conftest import PLANS


def _policy(tmp_path: Path, document: Any, name: str = "policy.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return path


def _review_policy(path: Path) -> Any:
    return review(policies=[path], use_checkov=False, use_parliament=False)


def test_condition_that_is_a_list_is_an_input_error_naming_the_statement(tmp_path: Path) -> None:
    path = _policy(
        tmp_path,
        {
            "Statement": [
                {
                    "Sid": "S",
                    "Effect": "Allow",
                    "Action": "s3:GetObject",
                    "Resource": "*",
                    "Condition": [{"StringEquals": {}}],
                }
            ]
        },
    )
    with pytest.raises(InputError, match=r"statement 0 \(Sid S\): Condition must be an object"):
        _review_policy(path)


def test_condition_operator_that_is_a_string_is_an_input_error(tmp_path: Path) -> None:
    path = _policy(
        tmp_path,
        {
            "Statement": {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"StringEquals": "aws:SourceAccount"},
            }
        },
    )
    with pytest.raises(InputError, match="StringEquals must be an object of condition keys"):
        _review_policy(path)


def test_condition_value_that_is_an_object_is_an_input_error(tmp_path: Path) -> None:
    path = _policy(
        tmp_path,
        {
            "Statement": {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:SourceAccount": {"a": 1}}},
            }
        },
    )
    with pytest.raises(InputError, match="values must be strings, numbers or booleans"):
        _review_policy(path)


def test_statement_that_is_a_string_is_an_input_error(tmp_path: Path) -> None:
    path = _policy(tmp_path, {"Statement": ["Allow everything"]})
    with pytest.raises(InputError, match="statement 0 is a string, not an object"):
        _review_policy(path)


def test_effect_other_than_allow_or_deny_is_an_input_error(tmp_path: Path) -> None:
    path = _policy(tmp_path, {"Statement": {"Effect": "allow", "Action": "*", "Resource": "*"}})
    with pytest.raises(InputError, match="Effect must be"):
        _review_policy(path)


def test_principal_that_is_a_list_is_an_input_error(tmp_path: Path) -> None:
    path = _policy(
        tmp_path,
        {
            "Statement": {
                "Effect": "Allow",
                "Principal": ["*"],
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::b/*",
            }
        },
    )
    with pytest.raises(InputError, match="Principal must be"):
        _review_policy(path)


def test_action_that_is_a_number_is_an_input_error(tmp_path: Path) -> None:
    path = _policy(tmp_path, {"Statement": {"Effect": "Allow", "Action": 7, "Resource": "*"}})
    with pytest.raises(InputError, match="Action must be a string"):
        _review_policy(path)


def test_lone_surrogate_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_text('{"Statement": {"Sid": "\\ud800", "Effect": "Allow", "Action": "*", "Resource": "*"}}')
    with pytest.raises(InputError, match="lone surrogate"):
        _review_policy(path)


def test_deeply_nested_json_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_text('{"Statement": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(InputError, match="nested too deeply"):
        review([path], use_checkov=False, use_parliament=False)


def test_non_utf8_file_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_bytes(b'{"Statement": "\xff\xfe"}')
    with pytest.raises(InputError, match="not UTF-8"):
        review([path], use_checkov=False, use_parliament=False)


def test_file_over_the_policy_bound_is_refused_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "MAX_POLICY_BYTES", 100)
    path = _policy(tmp_path, {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}] * 10})
    with pytest.raises(InputError, match="at most 100 bytes"):
        _review_policy(path)


def test_a_device_is_refused_as_not_a_regular_file() -> None:
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero here")
    with pytest.raises(InputError, match="not a regular file"):
        review(policies=[Path("/dev/zero")], use_checkov=False, use_parliament=False)


def test_plan_of_the_wrong_shape_at_every_level_is_read_without_a_traceback(tmp_path: Path) -> None:
    plan = {
        "planned_values": {
            "root_module": {"resources": [1, "x", {"values": []}], "child_modules": ["x", {"resources": "y"}]}
        },
        "resource_changes": [None, {"change": []}, {"change": {"after": 3}}],
    }
    report = review(plans=[_policy(tmp_path, plan, "plan.json")], use_checkov=False, use_parliament=False)
    assert report.findings == []


def test_plan_with_planned_values_that_is_a_list_is_read_without_a_traceback(tmp_path: Path) -> None:
    report = review(
        plans=[_policy(tmp_path, {"planned_values": []}, "plan.json")], use_checkov=False, use_parliament=False
    )
    assert report.findings == []


def test_deeply_nested_child_modules_are_walked_without_recursion() -> None:
    module: dict[str, Any] = {"resources": []}
    root = module
    for _ in range(5000):  # deeper than Python's recursion limit
        child: dict[str, Any] = {"resources": []}
        module["child_modules"] = [child]
        module = child
    module["resources"] = [{"address": "aws_s3_bucket_policy.deep", "type": "aws_s3_bucket_policy", "values": {}}]
    found = list(sources._plan_resources({"planned_values": {"root_module": root}}))
    assert [address for address, _, _ in found] == ["aws_s3_bucket_policy.deep"]


def test_policy_in_a_plan_with_a_list_condition_is_an_input_error_naming_the_resource(tmp_path: Path) -> None:
    plan = json.loads((PLANS / "good-plan.json").read_text())
    resource = plan["planned_values"]["root_module"]["child_modules"][0]["resources"][0]
    attribute = next(k for k in ("policy", "assume_role_policy") if k in resource["values"])
    resource["values"][attribute] = json.dumps(
        {"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": []}}
    )
    with pytest.raises(InputError, match=f"{resource['address']}.{attribute} in the plan"):
        review(plans=[_policy(tmp_path, plan, "plan.json")], use_checkov=False, use_parliament=False)


def test_command_line_prints_one_line_for_a_malformed_policy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _policy(tmp_path, {"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": []}})
    code = main(["review", "--policy", str(path)])
    _, err = capsys.readouterr()
    assert code == 3 and "Traceback" not in err and "Condition must be an object" in err


# ---------------------------------------------------------------- a module folder's .tf files


def _folder(tmp_path: Path) -> Path:
    module = tmp_path / "module"
    module.mkdir()
    return module


def test_a_tf_file_that_is_not_utf8_is_an_input_error(tmp_path: Path) -> None:
    module = _folder(tmp_path)
    (module / "main.tf").write_bytes(b'\xff\xfe resource "a" "b" {}')
    with pytest.raises(InputError, match=r"main\.tf is not UTF-8"):
        review([module], use_checkov=False, use_parliament=False)


def test_a_tf_file_linked_to_a_device_is_refused_without_reading_it(tmp_path: Path) -> None:
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero here")
    module = _folder(tmp_path)
    (module / "main.tf").symlink_to("/dev/zero")
    with pytest.raises(InputError, match="leads outside"):
        review([module], use_checkov=False, use_parliament=False)


def test_a_tf_file_linked_to_a_file_outside_the_module_is_refused(tmp_path: Path) -> None:
    module = _folder(tmp_path)
    outside = tmp_path / "elsewhere.tf"
    outside.write_text('resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n')
    (module / "main.tf").symlink_to(outside)
    with pytest.raises(InputError, match="leads outside"):
        review([module], use_checkov=False, use_parliament=False)


def test_a_tf_file_over_the_bound_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "MAX_TF_BYTES", 10)
    module = _folder(tmp_path)
    (module / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n')
    with pytest.raises(InputError, match="at most 10"):
        review([module], use_checkov=False, use_parliament=False)
