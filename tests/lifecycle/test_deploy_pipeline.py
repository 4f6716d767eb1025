"""Continuing a finished run with deploy and evaluate: steps recorded in the run's state file, skipped on a rerun."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto import mock_aws

from bedrock_ft.core.errors import InputError, UsageError
from bedrock_ft.lifecycle.deploy import DeployRequest
from bedrock_ft.lifecycle.ledger import Ledger
from bedrock_ft.lifecycle.pipeline import ContinueRequest, continue_run
from bedrock_ft.lifecycle.waiting import Backoff
from helpers.lifecycle_fixtures import TRAINING, EmulatedAccount, emulated_account

QUICK = Backoff(initial=0.0, maximum=0.0)
EVALUATE = {"task": "classification", "label_pattern": r"(\d+\.\d+\.\d+ [^:]+): fail", "bootstrap_samples": 50}


@pytest.fixture
def account() -> Iterator[EmulatedAccount]:
    with mock_aws():
        yield emulated_account(creating_polls=0)


def write_run(work: Path, job_arn: str | None) -> Path:
    out = work / "out"
    out.mkdir(parents=True)
    (out / "validation.jsonl").write_text("".join(json.dumps(r) + "\n" for r in TRAINING[:6]), encoding="utf-8")
    steps: dict[str, object] = {"generate": {"done": True, "out_dir": str(out)}}
    if job_arn:
        steps["submit"] = {"done": True, "job_arn": job_arn}
    (work / "run-state.json").write_text(json.dumps({"fingerprint": "f", "steps": steps}), encoding="utf-8")
    return work


def test_deploy_and_evaluate_are_recorded_in_the_run_state(account: EmulatedAccount, tmp_path: Path) -> None:
    work = write_run(tmp_path / "run", account.job_arn)
    request = ContinueRequest(work, deploy=DeployRequest(model=""), evaluate=EVALUATE)
    result = continue_run(account.session, None, request, ledger=Ledger(tmp_path / "l.jsonl"), backoff=QUICK)
    steps = json.loads((work / "run-state.json").read_text())["steps"]
    [deployment] = account.emulator.served
    assert steps["deploy"] == {
        "done": True,
        "deployment_arn": deployment,
        "kind": "custom_model_deployment",
        "model_arn": account.model_arn,
    }
    assert steps["evaluate"]["done"] and (work / "evaluation" / "report.json").is_file()
    assert steps["generate"]["out_dir"] == str(work / "out")  # earlier steps untouched
    assert set(result.done) == {"deploy", "evaluate"}


def test_a_rerun_skips_the_finished_steps_and_calls_nothing(account: EmulatedAccount, tmp_path: Path) -> None:
    work = write_run(tmp_path / "run", account.job_arn)
    request = ContinueRequest(work, deploy=DeployRequest(model=""), evaluate=EVALUATE)
    continue_run(account.session, None, request, backoff=QUICK)
    calls = len(account.emulator.calls)
    again = continue_run(account.session, None, request, backoff=QUICK)
    assert again.skipped == ["deploy", "evaluate"] and again.done == {}
    assert len(account.emulator.calls) == calls


def test_a_run_that_submitted_nothing_has_nothing_to_deploy(account: EmulatedAccount, tmp_path: Path) -> None:
    work = write_run(tmp_path / "run", None)
    with pytest.raises(UsageError, match="has not submitted a job"):
        continue_run(account.session, None, ContinueRequest(work, deploy=DeployRequest(model="")))


def test_evaluate_without_a_deployment_is_refused(account: EmulatedAccount, tmp_path: Path) -> None:
    work = write_run(tmp_path / "run", account.job_arn)
    with pytest.raises(UsageError, match="deploy in the same run first"):
        continue_run(account.session, None, ContinueRequest(work, evaluate=EVALUATE))


@pytest.mark.parametrize(
    ("content", "message"), [(None, "does not exist"), ("[1]", "not a run state"), ("{", "cannot read")]
)
def test_a_missing_or_damaged_state_is_an_input_error(tmp_path: Path, content: str | None, message: str) -> None:
    from bedrock_ft.job.session import make_session

    if content is not None:
        (tmp_path / "run-state.json").write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        continue_run(make_session("us-east-1"), None, ContinueRequest(tmp_path, deploy=DeployRequest(model="")))
