"""The one reader of the Terraform outputs: a file, a directory (terraform on PATH), the environment variables."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from bedrock_ft.core.errors import ConfigError
from bedrock_ft.core.tf_outputs import load_outputs, to_terraform_json

VALUES = {"region": "us-east-1", "bucket_name": "b", "subnet_ids": ["subnet-1"], "kms_key_arn": None}


def write_outputs(path: Path) -> Path:
    path.write_text(json.dumps(to_terraform_json(VALUES)), encoding="utf-8")
    return path


def fake_terraform(bin_dir: Path, document: dict) -> None:
    bin_dir.mkdir()
    script = bin_dir / "terraform"
    script.write_text(
        "#!/bin/sh\n"
        '[ "$2" = "output" ] && [ "$3" = "-json" ] || { echo "unexpected: $*" >&2; exit 1; }\n'
        f"cat <<'JSON'\n{json.dumps(document)}\nJSON\n",
        encoding="utf-8",
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)


def test_a_saved_outputs_file_is_read(tmp_path: Path) -> None:
    outputs = load_outputs(write_outputs(tmp_path / "o.json"), environ={})
    assert outputs is not None and outputs.region == "us-east-1" and outputs.subnet_ids == ["subnet-1"]


def test_a_terraform_dir_runs_terraform_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_terraform(tmp_path / "bin", to_terraform_json(VALUES))
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    (tmp_path / "infra").mkdir()
    outputs = load_outputs(tf_dir=tmp_path / "infra", environ={})
    assert outputs is not None and outputs.bucket_name == "b"


def test_the_file_environment_variable_is_honoured(tmp_path: Path) -> None:
    path = write_outputs(tmp_path / "o.json")
    outputs = load_outputs(environ={"BEDROCK_FT_TF_OUTPUTS": str(path)})
    assert outputs is not None and outputs.region == "us-east-1"


def test_the_dir_environment_variable_is_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_terraform(tmp_path / "bin", to_terraform_json(VALUES))
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    (tmp_path / "infra").mkdir()
    outputs = load_outputs(environ={"BEDROCK_FT_TF_DIR": str(tmp_path / "infra")})
    assert outputs is not None and outputs.bucket_name == "b"


def test_a_missing_output_is_named(tmp_path: Path) -> None:
    outputs = load_outputs(write_outputs(tmp_path / "o.json"), environ={})
    assert outputs is not None
    with pytest.raises(ConfigError, match="lack role_arn"):
        _ = outputs.role_arn


def test_a_missing_terraform_binary_has_its_own_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    (tmp_path / "infra").mkdir()
    with pytest.raises(ConfigError, match="not on PATH") as caught:
        load_outputs(tf_dir=tmp_path / "infra", environ={})
    assert "give that file instead" in str(caught.value) and caught.value.settings == ("tf_outputs",)


def test_no_source_at_all_says_how_to_give_one() -> None:
    with pytest.raises(ConfigError, match="no Terraform outputs given"):
        load_outputs(environ={})


# -- outputs of the wrong type, files that are not outputs -----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("bucket_name", ["b"], "is a list, not a string"),
        ("bucket_name", 5, "is a number, not a string"),
        ("account_id", 123456789012, "is a number, not a string"),
        ("region", {"a": "b"}, "is an object, not a string"),
        ("role_arn", True, "is a boolean, not a string"),
        ("subnet_ids", "subnet-1", "is a string, not a list of strings"),
        ("security_group_ids", [1, 2], "is a list holding non-strings, not a list of strings"),
        ("kms_key_arn", ["k"], "is a list, not a string or null"),
        ("evaluation_prefix", ["evaluation"], "is a list, not a string or null"),
        ("evaluation_prefix", False, "is a boolean, not a string or null"),
    ],
)
def test_an_output_of_the_wrong_type_is_a_config_error_naming_it(tmp_path: Path, name: str, value, said: str) -> None:
    path = tmp_path / "o.json"
    path.write_text(json.dumps(to_terraform_json({**VALUES, name: value})), encoding="utf-8")
    with pytest.raises(ConfigError, match=f"Terraform output {name} in {path} {said}"):
        load_outputs(path, environ={})


def test_a_null_kms_key_is_accepted(tmp_path: Path) -> None:
    outputs = load_outputs(write_outputs(tmp_path / "o.json"), environ={})
    assert outputs is not None and outputs.kms_key_arn is None


@pytest.mark.parametrize(
    ("given", "expected"),
    [({}, None), ({"evaluation_prefix": None}, None), ({"evaluation_prefix": ""}, None)],
    ids=["absent, as from a module without the output", "null, as with evaluation_jobs_enabled false", "empty"],
)
def test_no_evaluation_prefix_is_none(tmp_path: Path, given: dict, expected: None) -> None:
    path = tmp_path / "o.json"
    path.write_text(json.dumps(to_terraform_json({**VALUES, **given})), encoding="utf-8")
    outputs = load_outputs(path, environ={})
    assert outputs is not None and outputs.evaluation_prefix is expected


@pytest.mark.parametrize(("value", "expected"), [("evaluation", "evaluation"), ("/judge/runs/", "judge/runs")])
def test_the_evaluation_prefix_is_read_without_slashes_at_its_ends(tmp_path: Path, value: str, expected: str) -> None:
    path = tmp_path / "o.json"
    path.write_text(json.dumps(to_terraform_json({**VALUES, "evaluation_prefix": value})), encoding="utf-8")
    outputs = load_outputs(path, environ={})
    assert outputs is not None and outputs.evaluation_prefix == expected


def test_outputs_the_scripts_do_not_read_may_have_any_type(tmp_path: Path) -> None:
    path = tmp_path / "o.json"
    path.write_text(json.dumps(to_terraform_json({**VALUES, "extra": [1, {"a": 2}]})), encoding="utf-8")
    outputs = load_outputs(path, environ={})
    assert outputs is not None and outputs.get("extra") == [1, {"a": 2}]


def test_deeply_nested_outputs_file_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "o.json"
    path.write_text('{"extra": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    with pytest.raises(ConfigError, match="nested deeper than"):
        load_outputs(path, environ={})


def test_outputs_file_that_is_not_utf8_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "o.json"
    path.write_bytes(b'{"bucket_name": "\xff"}')
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_outputs(path, environ={})


def test_outputs_with_a_lone_surrogate_are_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "o.json"
    path.write_text('{"bucket_name": "\\ud800"}', encoding="utf-8")
    with pytest.raises(ConfigError, match="lone surrogate"):
        load_outputs(path, environ={})


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_outputs_file_that_is_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "o.json")
    with pytest.raises(ConfigError, match="is a FIFO, not a regular file"):
        load_outputs(tmp_path / "o.json", environ={})
