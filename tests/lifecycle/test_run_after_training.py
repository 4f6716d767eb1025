"""`bedrock-ft run --deploy --evaluate`: the run goes on after training, and its state records those steps."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

from bedrock_ft.core.tf_outputs import to_terraform_json
from helpers.lifecycle_fixtures import TRAINING, EmulatedAccount, cli, cli_on, emulated_account
from helpers.output_contract import assert_documented

LABEL = r"(\d+\.\d+\.\d+ [^:]+): fail"


class _Finished:
    """What run_pipeline returns for a run whose job completed (the steps before training are not under test)."""

    def __init__(self, job_arn: str) -> None:
        self.job_arn = job_arn
        self.job = object()

    def to_dict(self) -> dict[str, Any]:
        return {"work_dir": "w", "ran": [], "resumed": True, "steps": {}, "job": None}


@pytest.fixture
def account(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[EmulatedAccount]:
    with mock_aws():
        acct = emulated_account(creating_polls=0)
        cli_on(acct, monkeypatch, tmp_path / "state")
        import bedrock_ft.cli.job_commands as job_commands
        import bedrock_ft.job.run as job_run

        monkeypatch.setattr(job_commands, "_upload_session", lambda *_args: acct.session)
        monkeypatch.setattr(job_run, "run_pipeline", lambda *_args, **_kw: _Finished(acct.job_arn))
        yield acct


def finished_run(account: EmulatedAccount, work: Path) -> list[str]:
    out = work / "out"
    out.mkdir(parents=True)
    (out / "validation.jsonl").write_text("".join(json.dumps(r) + "\n" for r in TRAINING[:6]), encoding="utf-8")
    steps = {"generate": {"done": True, "out_dir": str(out)}, "submit": {"done": True, "job_arn": account.job_arn}}
    (work / "run-state.json").write_text(json.dumps({"fingerprint": "f", "steps": steps}), encoding="utf-8")
    outputs = work / "outputs.json"
    outputs.write_text(json.dumps(to_terraform_json(account.values)), encoding="utf-8")
    return ["run", "--tf-outputs", str(outputs), "--work-dir", str(work), "--data", str(out)]


def test_run_with_deploy_and_evaluate_records_both_steps(account: EmulatedAccount, tmp_path: Path) -> None:
    args = finished_run(account, tmp_path / "run")
    code, out, err = cli(
        *args, "--deploy", "--evaluate", "--task", "classification", "--label-pattern", LABEL, "--output", "json"
    )
    assert code == 0, err
    document = json.loads(out)
    assert_documented(document, "run")
    [deployment] = account.emulator.served
    assert document["after_training"]["deploy"]["deployment_arn"] == deployment
    assert document["after_training"]["evaluate"]["ok"] is True
    steps = json.loads((tmp_path / "run" / "run-state.json").read_text())["steps"]
    assert steps["deploy"]["done"] and steps["evaluate"]["done"]


def test_a_missed_gate_exits_1_with_the_document(account: EmulatedAccount, tmp_path: Path) -> None:
    args = finished_run(account, tmp_path / "run")
    code, out, _err = cli(
        *args, "--deploy", "--evaluate", "--task", "classification", "--label-pattern", LABEL,
        "--fail-under", "accuracy=1.01", "--output", "json",
    )  # fmt: skip
    assert code == 1
    assert json.loads(out)["ok"] is False


def test_evaluate_without_deploy_is_a_usage_error(account: EmulatedAccount, tmp_path: Path) -> None:
    args = finished_run(account, tmp_path / "run")
    code, _out, err = cli(*args, "--evaluate")
    assert code == 2
    assert "--deploy" in err
    assert not account.emulator.served
