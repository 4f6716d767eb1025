"""Settings come from flags, then environment variables, then bedrock-ft.toml (found upward from the working folder),
then defaults; the project file is read with bounds and every mistake in it is named by file and key."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from bedrock_ft.cli import main
from bedrock_ft.core.config import (
    CONFIG_FILE_NAME,
    ENV_CONFIG_FILE,
    MAX_CONFIG_BYTES,
    discover_config,
    find_config,
    load_config,
)
from bedrock_ft.core.errors import ConfigError
from bedrock_ft.core.tf_outputs import ENV_OUTPUTS_FILE, ENV_TF_DIR, to_terraform_json

TITAN = "amazon.titan-text-express-v1"
OUTPUT_VALUES = {
    "region": "us-east-1",
    "account_id": "123456789012",
    "vpc_id": "vpc-1",
    "subnet_ids": ["subnet-a", "subnet-b"],
    "security_group_ids": ["sg-1"],
    "role_arn": "arn:aws:iam::123456789012:role/bedrock",
    "kms_key_arn": None,
    "output_prefix": "output",
}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def outputs(path: Path, bucket: str) -> Path:
    return write(path, json.dumps(to_terraform_json({**OUTPUT_VALUES, "bucket_name": bucket})))


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project folder (a repository root: it holds .git) as the working folder."""
    root = tmp_path / "project"
    (root / ".git").mkdir(parents=True)
    monkeypatch.chdir(root)
    monkeypatch.delenv(ENV_CONFIG_FILE, raising=False)
    monkeypatch.delenv(ENV_OUTPUTS_FILE, raising=False)
    monkeypatch.delenv(ENV_TF_DIR, raising=False)
    write(root / "qa.jsonl", '{"q": "What?", "a": "That."}\n' * 4)
    return root


def generate(*extra: str) -> tuple[int, dict[str, Any]]:
    """Run generate on the project's qa.jsonl into out/; its exit code and manifest (which shows the settings)."""
    code = main(
        [
            "generate",
            "--source",
            "qa.jsonl",
            "--prompt-template",
            "{q}",
            "--response-template",
            "{a}",
            "--out",
            "out",
            *extra,
        ]
    )
    manifest = Path("out/manifest.json")
    return code, json.loads(manifest.read_text()) if manifest.exists() else {}


# -- discovery -----------------------------------------------------------------------------------------------------


def test_the_file_in_the_working_folder_is_found(project: Path) -> None:
    write(project / CONFIG_FILE_NAME, "seed = 1\n")
    assert find_config() == project / CONFIG_FILE_NAME


def test_the_file_is_found_upward_from_a_subfolder(project: Path) -> None:
    write(project / CONFIG_FILE_NAME, "seed = 1\n")
    deep = project / "a" / "b"
    deep.mkdir(parents=True)
    assert find_config(deep) == project / CONFIG_FILE_NAME


def test_the_nearest_file_wins(project: Path) -> None:
    write(project / CONFIG_FILE_NAME, "seed = 1\n")
    inner = write(project / "sub" / CONFIG_FILE_NAME, "seed = 2\n")
    assert find_config(project / "sub") == inner


def test_the_search_stops_at_the_repository_root(project: Path) -> None:
    write(project.parent / CONFIG_FILE_NAME, "seed = 1\n")  # above the folder holding .git
    (project / "x").mkdir()
    assert find_config(project / "x") is None


def test_a_git_file_of_a_worktree_also_stops_the_search(tmp_path: Path) -> None:
    write(tmp_path / CONFIG_FILE_NAME, "seed = 1\n")
    worktree = tmp_path / "wt"
    write(worktree / ".git", "gitdir: /elsewhere\n")
    assert find_config(worktree) is None


def test_without_a_file_there_is_no_config(project: Path) -> None:
    assert discover_config().path is None


def test_the_environment_can_name_the_file(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    named = write(tmp_path / "elsewhere.toml", "seed = 9\n")
    monkeypatch.setenv(ENV_CONFIG_FILE, str(named))
    assert discover_config().settings == {"seed": 9}


def test_the_environment_can_turn_the_file_off(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(project / CONFIG_FILE_NAME, "not toml [")
    monkeypatch.setenv(ENV_CONFIG_FILE, "none")
    assert discover_config().path is None


# -- the file's contents -------------------------------------------------------------------------------------------


def test_paths_are_relative_to_the_file(project: Path) -> None:
    config = load_config(write(project / "sub" / CONFIG_FILE_NAME, 'tf_dir = "infra"\nout_dir = "../out"\n'))
    assert config.settings["tf_dir"] == str(project / "sub" / "infra")
    assert Path(config.settings["out_dir"]).resolve() == (project / "out").resolve()


def test_hyperparameters_become_the_strings_aws_takes(project: Path) -> None:
    config = load_config(write(project / CONFIG_FILE_NAME, "[hyperparameters]\nepochCount = 2\nlearningRate = 1e-5\n"))
    assert config.hyperparameters == {"epochCount": "2", "learningRate": "1e-05"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("seed = [", "is not valid TOML"),
        ("base_modle = 'x'\n", "unknown key 'base_modle' (did you mean 'base_model'?)"),
        ("colour = 'x'\n", "unknown key 'colour' (known keys: base_model"),
        ("seed = 'seven'\n", "seed must be an integer, not a string ('seven')"),
        ("seed = true\n", "seed must be an integer, not a boolean"),
        ("validation_split = '0.1'\n", "validation_split must be a number"),
        ("skip_invalid = 1\n", "skip_invalid must be true or false"),
        ("tf_dir = ''\n", "tf_dir is empty"),
        ("tf_dir = 'a'\ntf_outputs = 'b'\n", "names both tf_outputs and tf_dir"),
        ("hyperparameters = 3\n", "hyperparameters must be a table"),
        ("[hyperparameters]\nepochCount = true\n", "hyperparameters.epochCount must be a number or a non-empty string"),
        ("[hyperparameters]\nepochCount = [1]\n", "hyperparameters.epochCount must be a number"),
    ],
)
def test_a_mistake_in_the_file_is_a_config_error_naming_file_and_key(project: Path, text: str, message: str) -> None:
    path = write(project / CONFIG_FILE_NAME, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(path) in str(caught.value) and message in str(caught.value)


def test_an_oversized_file_is_refused_without_reading_it_all(project: Path) -> None:
    path = write(project / CONFIG_FILE_NAME, "# " + "x" * MAX_CONFIG_BYTES + "\n")
    with pytest.raises(ConfigError, match="larger than"):
        load_config(path)


def test_a_file_that_is_not_utf8_is_refused(project: Path) -> None:
    path = project / CONFIG_FILE_NAME
    path.write_bytes(b"seed = 1 # \xff\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(path)


def test_a_named_file_that_does_not_exist_is_a_config_error(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_CONFIG_FILE, str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigError, match="does not exist"):
        discover_config()


def test_a_malformed_file_stops_any_command_with_exit_4(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project / CONFIG_FILE_NAME, "seed = [\n")
    assert main(["validate", "qa.jsonl"]) == 4
    assert CONFIG_FILE_NAME in capsys.readouterr().err


def test_a_malformed_file_in_json_mode_is_a_config_error_document(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(project / CONFIG_FILE_NAME, "seeed = 1\n")
    assert main(["validate", "qa.jsonl", "--output", "json"]) == 4
    error = json.loads(capsys.readouterr().out)["error"]
    assert (error["kind"], error["settings"]) == ("config", ["seeed"])


# -- precedence: flag > environment > file > default ----------------------------------------------------------------


def test_the_file_gives_a_default(project: Path) -> None:
    write(project / CONFIG_FILE_NAME, f'base_model = "{TITAN}"\nseed = 3\n')
    code, manifest = generate()
    assert code == 0 and manifest["base_model"] == TITAN


def test_a_flag_beats_the_file(project: Path) -> None:
    write(project / CONFIG_FILE_NAME, 'base_model = "amazon.nova-lite-v1:0:300k"\n')
    code, manifest = generate("--base-model", TITAN)
    assert code == 0 and manifest["base_model"] == TITAN


def test_the_environment_beats_the_file(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(project / CONFIG_FILE_NAME, f'base_model = "{TITAN}"\ntf_outputs = "from-file.json"\n')
    outputs(project / "from-file.json", "file-bucket")
    monkeypatch.setenv(ENV_OUTPUTS_FILE, str(outputs(project / "from-env.json", "env-bucket")))
    code, manifest = generate()
    assert code == 0 and manifest["bucket"] == "env-bucket"


def test_the_environment_beats_the_other_setting_in_the_file(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """tf_dir in the file and BEDROCK_FT_TF_OUTPUTS exported: the environment's wins, no conflict."""
    write(project / CONFIG_FILE_NAME, f'base_model = "{TITAN}"\ntf_dir = "infra-that-does-not-exist"\n')
    monkeypatch.setenv(ENV_OUTPUTS_FILE, str(outputs(project / "from-env.json", "env-bucket")))
    code, manifest = generate()
    assert code == 0 and manifest["bucket"] == "env-bucket"


def test_a_tf_dir_flag_beats_the_outputs_file_in_the_environment(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Friction 8 of issue 10: the variable used to conflict with the flag instead of yielding to it."""
    monkeypatch.setenv(ENV_OUTPUTS_FILE, str(outputs(project / "from-env.json", "env-bucket")))
    code, _ = generate("--base-model", TITAN, "--tf-dir", str(project / "no-such-infra"))
    assert code == 4
    err = capsys.readouterr().err
    assert "no-such-infra" in err and "not both" not in err


def test_a_tf_outputs_flag_beats_the_tf_dir_in_the_environment(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_TF_DIR, str(project / "no-such-infra"))
    code, manifest = generate("--base-model", TITAN, "--tf-outputs", str(outputs(project / "o.json", "flag-bucket")))
    assert code == 0 and manifest["bucket"] == "flag-bucket"


def test_a_tf_outputs_flag_beats_the_same_variable(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_OUTPUTS_FILE, str(outputs(project / "env.json", "env-bucket")))
    code, manifest = generate("--base-model", TITAN, "--tf-outputs", str(outputs(project / "o.json", "flag-bucket")))
    assert code == 0 and manifest["bucket"] == "flag-bucket"


def test_both_variables_exported_are_a_config_error_naming_both(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(ENV_OUTPUTS_FILE, str(outputs(project / "env.json", "env-bucket")))
    monkeypatch.setenv(ENV_TF_DIR, str(project))
    code, _ = generate("--base-model", TITAN)
    assert code == 4
    err = capsys.readouterr().err
    assert "both given in the environment" in err and "--tf-outputs" in err and "--tf-dir" in err


def test_a_path_in_the_file_is_read_relative_to_the_file_from_a_subfolder(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(project / CONFIG_FILE_NAME, f'base_model = "{TITAN}"\ntf_outputs = "o.json"\n')
    outputs(project / "o.json", "file-bucket")
    sub = project / "work"
    sub.mkdir()
    write(sub / "qa.jsonl", '{"q": "What?", "a": "That."}\n' * 4)
    monkeypatch.chdir(sub)
    code, manifest = generate()
    assert code == 0 and manifest["bucket"] == "file-bucket"


def test_a_preset_named_on_the_command_line_beats_the_file(project: Path) -> None:
    write(project / CONFIG_FILE_NAME, 'base_model = "amazon.nova-lite-v1:0:300k"\nseed = 5\n')
    preset = write(project / "preset.toml", f'base_model = "{TITAN}"\n')
    code, manifest = generate("--preset", str(preset))
    assert code == 0 and manifest["base_model"] == TITAN


def test_the_file_still_gives_what_the_preset_does_not(project: Path) -> None:
    write(project / CONFIG_FILE_NAME, f'base_model = "{TITAN}"\nvalidation_split = 0.5\nseed = 3\n')
    preset = write(project / "preset.toml", 'prompt_template = "{q}"\n')
    code, manifest = generate("--preset", str(preset))
    assert code == 0 and manifest["base_model"] == TITAN and manifest["counts"]["validation"] == 2


def test_data_options_in_the_file_do_not_make_run_with_a_dataset_a_usage_error(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(project / CONFIG_FILE_NAME, "validation_split = 0.1\nlimit = 10\n")
    code = main(["run", "--data", str(project / "no-such-out"), "--tf-outputs", str(outputs(project / "o.json", "b"))])
    assert code == 3  # the missing folder, not "drop the generate options"
    assert "drop the generate options" not in capsys.readouterr().err


@pytest.fixture
def bucket_with_data() -> Iterator[str]:
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="bucket-1")
        s3.put_object(Bucket="bucket-1", Key="data/t.jsonl", Body=b'{"prompt": "q", "completion": "a"}\n')
        yield "s3://bucket-1/data/t.jsonl"


def dry_run_hyperparameters(
    project: Path, bucket_with_data: str, capsys: pytest.CaptureFixture[str], *extra: str
) -> dict[str, str]:
    args = ["submit", "--training-data", bucket_with_data, "--skip-preflight", "--dry-run", "--output", "json"]
    code = main([*args, "--tf-outputs", str(outputs(project / "o.json", "bucket-1")), *extra])
    out = capsys.readouterr().out
    assert code == 0, out
    return dict(json.loads(out)["request"]["hyperParameters"])


def test_hyperparameters_in_the_file_are_sent(
    project: Path, bucket_with_data: str, capsys: pytest.CaptureFixture[str]
) -> None:
    write(project / CONFIG_FILE_NAME, f'base_model = "{TITAN}"\n[hyperparameters]\nepochCount = 2\nbatchSize = 1\n')
    sent = dry_run_hyperparameters(project, bucket_with_data, capsys)
    assert (sent["epochCount"], sent["batchSize"]) == ("2", "1")


def test_an_hp_flag_overrides_one_hyperparameter_of_the_file_and_keeps_the_others(
    project: Path, bucket_with_data: str, capsys: pytest.CaptureFixture[str]
) -> None:
    write(project / CONFIG_FILE_NAME, f'base_model = "{TITAN}"\n[hyperparameters]\nepochCount = 2\nbatchSize = 1\n')
    sent = dry_run_hyperparameters(project, bucket_with_data, capsys, "--hp", "epochCount=4")
    assert (sent["epochCount"], sent["batchSize"]) == ("4", "1")
