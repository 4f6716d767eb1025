"""Every command's --output json keeps docs/output.md: the envelope, snake_case keys at every depth, ISO 8601 UTC
timestamps, one spelling of check states, and an error document on stdout when the command fails.

One emulated account (moto, in-process) serves the module: a dataset is generated, uploaded, checked, submitted,
followed, stopped and listed through ``bedrock_ft.cli.main``, as the console script runs it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

from bedrock_ft.cli import main
from bedrock_ft.core.tf_outputs import to_terraform_json
from helpers.aws_fixtures import MODEL, REGION, set_status
from helpers.output_contract import assert_contract, assert_documented, breaches, documented_keys

JSON = ("--output", "json")
QA_PRESET = "dataset/qa/preset-prompt-completion.toml"


@dataclass
class Project:
    """The emulated account's outputs file and a dataset generated for it and uploaded."""

    outputs_file: Path
    out_dir: Path
    work: Path


Run = Callable[..., tuple[int, Any]]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    from bedrock_ft.job.session import make_session
    from bedrock_ft.sandbox.infrastructure import create_infrastructure

    work = tmp_path_factory.mktemp("contract")
    with pytest.MonkeyPatch.context() as patch, mock_aws():
        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
        }.items():
            patch.setenv(name, value)
        values = create_infrastructure(make_session(REGION), flow_logs=False)
        outputs_file = work / "outputs.json"
        outputs_file.write_text(json.dumps(to_terraform_json(values)), encoding="utf-8")
        yield Project(outputs_file=outputs_file, out_dir=work / "out", work=work)


@pytest.fixture
def run(project: Project, capsys: pytest.CaptureFixture[str], repo_root: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    """``main([command, *args, --tf-outputs FILE?, --output json])``: its exit code and the one document it printed."""
    monkeypatch.chdir(repo_root)

    def invoke(*args: str, outputs: bool = True) -> tuple[int, Any]:
        capsys.readouterr()
        argv = [*args, *(["--tf-outputs", str(project.outputs_file)] if outputs else []), *JSON]
        code = main(argv)
        out = capsys.readouterr().out
        return code, json.loads(out)

    return invoke


@pytest.fixture
def uploaded(project: Project, run: Run) -> Path:
    """A dataset generated for the account and uploaded (once for the module)."""
    if not (project.out_dir / "manifest.json").exists():
        code, _ = run("generate", "--preset", QA_PRESET, "--base-model", MODEL, "--out", str(project.out_dir))
        assert code == 0
        code, _ = run("upload", str(project.out_dir))
        assert code == 0
    return project.out_dir


@pytest.fixture
def job_name(uploaded: Path, run: Run, request: pytest.FixtureRequest) -> str:
    """A job submitted from the dataset, named for the test so no two tests share one."""
    name = "bedrock-ft-contract-" + hashlib.sha256(request.node.name.encode()).hexdigest()[:12]
    code, document = run(
        "submit", "--data", str(uploaded), "--skip-preflight", "--job-name", name, "--model-name", f"{name}-model"
    )
    assert code == 0, document
    return str(document["job_name"])


# -- the checker itself: each rule can fail ----------------------------------------------------------------------


def good(**extra: Any) -> dict[str, Any]:
    return {"ok": True, "command": "status", "schema_version": 1, **extra}


@pytest.mark.parametrize(
    ("document", "breach"),
    [
        ({"command": "status", "schema_version": 1}, "$.ok is missing"),
        (good(command="wait"), "$.command is 'wait'"),
        (good(schema_version=2), "$.schema_version is 2"),
        ({"command": "status", "ok": True, "schema_version": 1}, "not the envelope"),
        (good(jobArn="arn"), "$.jobArn: key is not snake_case"),
        (good(jobs=[{"job": {"endTime": None}}]), "$.jobs[0].job.endTime: key is not snake_case"),
        (good(creation_time="2026-12-06 03:25:00+00:00"), "is not ISO 8601 UTC"),
        (good(creation_time="2026-12-06T03:25:00+00:00"), "is not ISO 8601 UTC"),
        (good(checks=[{"name": "x", "status": "SKIP"}]), "$.checks[0].status is 'SKIP'"),
        (good(checks=[{"name": "x", "status": "skipped"}]), "$.checks[0].status is 'skipped'"),
        (good(checks=[], counts={"pass": 1, "skipped": 2}), "counts states spelled ['skipped']"),
        (good(by_rule={"r": {"maxLength": 1}}), "$.by_rule['r'].maxLength: key is not snake_case"),
        (good(scanners=[{"name": "checkov", "state": "not applicable"}]), "state is 'not applicable'"),
        (good(ok=False, error={"kind": "usage", "exit_code": 3, "message": "m", "hint": None, "settings": []}), "kind"),
        (good(ok=True, error={"kind": "input", "exit_code": 3, "message": "m", "hint": None, "settings": []}), "ok"),
        (good(ok=False, error={"kind": "input", "exit_code": 3, "message": "m"}), "$.error has keys"),
    ],
)
def test_the_checker_finds_each_breach(document: dict[str, Any], breach: str) -> None:
    assert any(breach in problem for problem in breaches(document, "status")), breaches(document, "status")


def test_the_checker_lets_data_maps_keep_their_keys() -> None:
    document = good(request={"jobName": "x", "hyperParameters": {"epochCount": "2"}}, hyperparameters={"epochCount": 2})
    assert breaches(document, "status") == []


def test_the_checker_accepts_fractional_seconds_and_null_timestamps() -> None:
    assert breaches(good(creation_time="2026-12-06T03:25:00.123456Z", end_time=None), "status") == []


# -- every command's document --------------------------------------------------------------------------------------


def test_every_command_with_json_output_has_its_row_and_its_test() -> None:
    """A command offering --output json is documented in docs/output.md and held to its row by some test."""
    import click

    from bedrock_ft.cli import cli

    def offering(group: click.Group, prefix: str) -> Iterator[str]:
        ctx = click.Context(group)
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            if isinstance(command, click.Group):
                yield from offering(command, f"{prefix}{name} ")
            elif command is not None and any(p.name == "output_format" for p in command.params):
                yield f"{prefix}{name}"

    tests = Path(__file__).resolve().parents[1]
    held = {
        match
        for path in tests.rglob("test_*.py")
        for match in re.findall(r'assert_documented\(\w+, "([a-z ]+)"\)', path.read_text(encoding="utf-8"))
    }
    commands = set(offering(cli, ""))
    assert commands == set(documented_keys())
    assert commands <= held, sorted(commands - held)


def test_generate(run: Run, project: Project, tmp_path: Path) -> None:
    code, document = run("generate", "--preset", QA_PRESET, "--base-model", MODEL, "--out", str(tmp_path / "g"))
    assert code == 0
    assert_documented(document, "generate")
    assert document["ok"] is True and document["validation"]["ok"] is True


def test_validate_that_finds_errors_is_a_document_not_an_error(run: Run, tmp_path: Path) -> None:
    (tmp_path / "train.jsonl").write_text('{"prompt": "Q", "completion": 5}\n', encoding="utf-8")
    code, document = run(
        "validate", str(tmp_path / "train.jsonl"), "--base-model", "amazon.titan-text-express-v1", outputs=False
    )
    assert_documented(document, "validate")
    assert (code, document["ok"], "error" in document) == (1, False, False)


def test_validate(run: Run, uploaded: Path) -> None:
    code, document = run("validate", str(uploaded / "train.jsonl"), outputs=False)
    assert code == 0
    assert_documented(document, "validate")


def test_upload(run: Run, uploaded: Path) -> None:
    code, document = run("upload", str(uploaded))
    assert code == 0
    assert_documented(document, "upload")
    assert document["uploaded"] == 0 and document["skipped"] > 0


def test_preflight(run: Run, uploaded: Path) -> None:
    code, document = run("preflight", "--data", str(uploaded))
    assert_documented(document, "preflight")
    assert code == (0 if document["ok"] else 1)
    assert set(document["counts"]) == {"pass", "fail", "warn", "skip"}


def test_submit_dry_run_keeps_the_request_in_aws_spelling(run: Run, uploaded: Path) -> None:
    code, document = run("submit", "--data", str(uploaded), "--skip-preflight", "--dry-run")
    assert code == 0
    assert_documented(document, "submit")
    assert "customModelName" in document["request"] and document["dry_run"] is True


def test_submit(run: Run, job_name: str, uploaded: Path) -> None:
    code, document = run(
        "submit",
        "--data",
        str(uploaded),
        "--skip-preflight",
        "--job-name",
        job_name,
        "--model-name",
        f"{job_name}-model",
    )
    assert code == 0
    assert_documented(document, "submit")
    assert document["already_submitted"] is True


def test_status_has_iso_utc_timestamps(run: Run, job_name: str) -> None:
    code, document = run("status", job_name)
    assert code == 0
    assert_documented(document, "status")
    assert document["creation_time"].endswith("Z")


def test_wait_on_a_completed_job(run: Run, job_name: str) -> None:
    set_status(job_name, "Completed")
    code, document = run("wait", job_name, "--interval", "0.01")
    assert code == 0
    assert_documented(document, "wait")
    assert document["end_time"] is None or document["end_time"].endswith("Z")


def test_wait_on_a_failed_job_is_a_document_with_ok_false(run: Run, job_name: str) -> None:
    set_status(job_name, "Failed", "Input size exceeded")
    code, document = run("wait", job_name, "--interval", "0.01")
    assert code == 6
    assert_documented(document, "wait")
    assert (document["ok"], document["failure_message"]) == (False, "Input size exceeded")


def test_stop(run: Run, job_name: str) -> None:
    code, document = run("stop", job_name)
    assert code == 0
    assert_documented(document, "stop")
    assert document["already_ended"] is False


def test_list(run: Run, job_name: str) -> None:
    code, document = run("list")
    assert code == 0
    assert_documented(document, "list")
    assert job_name in [job["job_name"] for job in document["jobs"]]


def test_run_with_a_dataset(run: Run, uploaded: Path, tmp_path: Path) -> None:
    code, document = run(
        "run",
        "--data",
        str(uploaded),
        "--skip-preflight",
        "--work-dir",
        str(tmp_path / "run"),
        "--job-name",
        "bedrock-ft-contract-run",
        "--model-name",
        "bedrock-ft-contract-run-model",
    )
    assert code == 0, document
    assert_documented(document, "run")


def test_review_with_findings_is_a_document_with_ok_false(run: Run, repo_root: Path) -> None:
    policy = repo_root / "tests" / "review" / "fixtures" / "policies" / "bad" / "bft014-bucket-name-wildcard.json"
    code, document = run("review", "--policy", str(policy), "--no-checkov", "--fail-on", "low", outputs=False)
    assert_documented(document, "review")
    assert (code, document["ok"], "error" in document) == (1, False, False)
    assert {s["state"] for s in document["scanners"]} <= {"ran", "skip", "not_applicable"}


def test_review_of_the_module_without_checkov_says_skip(
    run: Run, repo_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BEDROCK_FT_REQUIRE_CHECKOV", raising=False)  # CI requires checkov; this review turns it off
    code, document = run("review", str(repo_root), "--no-checkov", "--fail-on", "high", outputs=False)
    assert_documented(document, "review")
    assert code == 0 and document["ok"] is True
    assert {s["name"]: s["state"] for s in document["scanners"]}["checkov"] == "skip"


# -- error documents -----------------------------------------------------------------------------------------------


def test_a_missing_input_file_is_an_error_document_with_exit_3(run: Run, tmp_path: Path) -> None:
    code, document = run("validate", str(tmp_path / "missing.jsonl"), outputs=False)
    assert code == 3
    assert_contract(document, "validate")
    assert document["error"]["kind"] == "input"


def test_missing_terraform_outputs_are_a_config_error_document(run: Run, uploaded: Path) -> None:
    code, document = run("preflight", "--data", str(uploaded), outputs=False)
    assert code == 4
    assert_contract(document, "preflight")
    assert document["error"]["kind"] == "config"


def test_a_usage_error_caught_by_click_is_an_error_document(run: Run) -> None:
    code, document = run("status", "some-job", "--no-such-flag")
    assert code == 2
    assert_contract(document, "status")
    assert "--no-such-flag" in document["error"]["message"]


def test_an_aws_refusal_is_an_aws_error_document(run: Run, project: Project) -> None:
    code, document = run("status", "no-such-job")
    assert code == 5
    assert_contract(document, "status")


def test_an_error_about_a_setting_names_its_flag_and_the_setting(run: Run, project: Project) -> None:
    code, document = run("submit", "--training-data", "s3://b/train.jsonl", "--dry-run")
    assert code == 2
    assert_contract(document, "submit")
    assert document["error"]["settings"] == ["base_model", "data"]
    assert document["error"]["message"] == "no base model given (--base-model, --data)"


def test_the_error_document_is_the_only_thing_on_stdout(
    project: Project, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    main(["validate", str(tmp_path / "missing.jsonl"), "--output", "json"])
    captured = capsys.readouterr()
    assert json.loads(captured.out)["ok"] is False
    assert captured.err == ""


def test_text_mode_errors_stay_on_stderr(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["validate", str(tmp_path / "missing.jsonl")]) == 3
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.startswith("Error: ")
