"""One request type per job operation, one argument order, one place where the Terraform outputs meet generate's
settings, and library errors that name settings, never the command line's flags."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path
from typing import Any

import click
import pytest

import bedrock_ft
from bedrock_ft.core.errors import UsageError
from bedrock_ft.core.tf_outputs import parse_outputs, to_terraform_json
from bedrock_ft.data.generate import GenerateSettings
from bedrock_ft.data.module_bucket import settings_in_module_bucket
from bedrock_ft.job.preflight import run_preflight
from bedrock_ft.job.requests import (
    PreflightRequest,
    RunRequest,
    SubmitRequest,
    UploadRequest,
    data_uri,
)
from bedrock_ft.job.run import run_pipeline
from bedrock_ft.job.submit import submit_job
from bedrock_ft.job.upload import upload

MODEL = "amazon.nova-lite-v1:0:300k"
OUTPUTS = parse_outputs(
    to_terraform_json(
        {
            "region": "us-east-1",
            "account_id": "123456789012",
            "bucket_name": "module-bucket",
            "data_prefix": "datasets",
            "role_arn": "arn:aws:iam::123456789012:role/r",
        }
    ),
    "test",
)
PACKAGE = Path(bedrock_ft.__file__).parent


@pytest.mark.parametrize(
    ("operation", "request_type"),
    [
        (upload, UploadRequest),
        (run_preflight, PreflightRequest),
        (submit_job, SubmitRequest),
        (run_pipeline, RunRequest),
    ],
)
def test_every_job_operation_takes_session_outputs_and_its_request_in_that_order(
    operation: Any, request_type: type
) -> None:
    parameters = list(inspect.signature(operation).parameters.values())
    assert [p.name for p in parameters[:3]] == ["session", "outputs", "request"]
    assert parameters[2].annotation == request_type.__name__
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters[3:])


@pytest.mark.parametrize("request_type", [UploadRequest, PreflightRequest, SubmitRequest, RunRequest])
def test_each_request_is_frozen(request_type: type) -> None:
    assert request_type.__dataclass_params__.frozen  # type: ignore[attr-defined]


def test_the_outputs_give_generate_its_bucket_owner_and_data_prefix() -> None:
    settings = settings_in_module_bucket(GenerateSettings(source="qa.jsonl", base_model=MODEL), OUTPUTS)
    assert (settings.bucket, settings.bucket_owner, settings.data_prefix) == (
        "module-bucket",
        "123456789012",
        "datasets",
    )


def test_a_bucket_and_owner_given_to_generate_are_kept() -> None:
    given = GenerateSettings(source="qa.jsonl", bucket="my-bucket", bucket_owner="210987654321")
    settings = settings_in_module_bucket(given, OUTPUTS)
    assert (settings.bucket, settings.bucket_owner, settings.data_prefix) == ("my-bucket", "210987654321", "datasets")


def test_folding_the_outputs_leaves_the_given_settings_unchanged() -> None:
    given = GenerateSettings(source="qa.jsonl")
    settings_in_module_bucket(given, OUTPUTS)
    assert given.bucket is None and given.bucket_owner is None


def test_a_run_takes_generate_settings_or_a_dataset_not_both(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not both or neither") as raised:
        RunRequest(work_dir=tmp_path, generate=GenerateSettings(base_model=MODEL), dataset=tmp_path)
    assert raised.value.settings == ("generate", "dataset")


def test_a_run_without_data_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not both or neither"):
        RunRequest(work_dir=tmp_path)


def test_a_run_that_generates_needs_a_base_model(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no base model") as raised:
        RunRequest(work_dir=tmp_path, generate=GenerateSettings(source="qa.jsonl"))
    assert raised.value.settings == ("base_model",)


def test_a_run_of_a_dataset_may_leave_the_model_to_its_manifest(tmp_path: Path) -> None:
    assert RunRequest(work_dir=tmp_path, dataset=tmp_path).base_model is None


@pytest.mark.parametrize(
    "make", [lambda p: UploadRequest(out_dir=p, workers=0), lambda p: RunRequest(p, dataset=p, workers=0)]
)
def test_fewer_than_one_worker_is_refused(tmp_path: Path, make: Any) -> None:
    with pytest.raises(UsageError, match="workers must be at least 1") as raised:
        make(tmp_path)
    assert raised.value.settings == ("workers",)


def test_preflight_checks_the_hyperparameters_the_job_will_get() -> None:
    request = SubmitRequest(base_model=MODEL, training_data="s3://b/t.jsonl", hyperparameters={"epochCount": "3"})
    values = request.preflight_request().hyperparameters
    assert values["epochCount"] == "3"
    assert set(values) > {"epochCount"}  # the model's defaults for the rest


def test_hyperparameters_out_of_range_name_the_setting() -> None:
    request = SubmitRequest(base_model=MODEL, training_data="s3://b/t.jsonl", hyperparameters={"epochCount": "500"})
    with pytest.raises(UsageError, match="epochCount") as raised:
        request.hyperparameter_values()
    assert raised.value.settings == ("hyperparameters",)


def test_a_malformed_data_uri_names_its_setting_in_words() -> None:
    with pytest.raises(UsageError, match=r"the validation data 'http://b/v\.jsonl'") as raised:
        data_uri("http://b/v.jsonl", "validation_data")
    assert raised.value.settings == ("validation_data",)


# -- the library's own terms -------------------------------------------------------------------------------------


def _flags() -> set[str]:
    """Every flag of every bedrock-ft command."""
    from bedrock_ft.cli import cli

    found: set[str] = set()

    def walk(command: click.Command) -> None:
        for param in command.params:
            found.update(o for o in [*param.opts, *param.secondary_opts] if o.startswith("--"))
        if isinstance(command, click.Group):
            for name in command.list_commands(click.Context(command)):
                sub = command.get_command(click.Context(command), name)
                if sub is not None:
                    walk(sub)

    walk(cli)
    return found - {"--help", "--version"}


def _strings(path: Path) -> list[tuple[int, str]]:
    """The string constants of a module that are not docstrings, with their lines (f-strings' literal parts too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


@pytest.mark.parametrize(
    "path",
    sorted([*(PACKAGE / "job").rglob("*.py"), *(PACKAGE / "sandbox").rglob("*.py")]),
    ids=lambda p: str(p.relative_to(PACKAGE)),
)
def test_job_and_sandbox_messages_name_no_flag_of_the_command_line(path: Path) -> None:
    flags = _flags()
    assert "--skip-preflight" in flags and "--hp" in flags  # the list is the real one
    named = [
        f"line {line}: {flag} in {text!r}"
        for line, text in _strings(path)
        for flag in flags
        if flag in text.replace("`", " ").split() or f"{flag} " in text or text.endswith(flag)
    ]
    assert named == []


def test_a_work_folder_of_an_earlier_release_resumes_under_the_run_request() -> None:
    # The fingerprint main's run_pipeline(settings, JobOptions(...)) wrote for these inputs (before RunRequest).
    from bedrock_ft.job.run import _fingerprint

    outputs = parse_outputs(
        to_terraform_json(
            {
                "region": "us-east-1",
                "bucket_name": "b",
                "account_id": "123456789012",
                "role_arn": "arn:aws:iam::1:role/r",
                "subnet_ids": ["s"],
            }
        ),
        "t",
    )
    request = RunRequest(work_dir=Path("w"), dataset=Path("w"), hyperparameters={"epochCount": "2"})
    written_before = "68f7a07d18ea1fae3390e44e99e64c3985f06a402b16613d01dcd0c9b12edeed"
    assert _fingerprint(request, outputs, None, "d" * 64, "m") == written_before
