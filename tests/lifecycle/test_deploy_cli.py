"""`bedrock-ft deploy` as a user runs it: the modelId printed, JSON per docs/output.md, the commitment guard."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto import mock_aws

from bedrock_ft.core.errors import Interrupted
from helpers.lifecycle_fixtures import EmulatedAccount, cli, cli_on, emulated_account
from helpers.output_contract import assert_documented


@pytest.fixture
def account(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[EmulatedAccount]:
    with mock_aws():
        acct = emulated_account(creating_polls=0)
        cli_on(acct, monkeypatch, tmp_path / "state")
        yield acct


def test_deploy_prints_the_arn_to_use_as_model_id(account: EmulatedAccount) -> None:
    code, out, _err = cli("deploy", account.job_arn)
    assert code == 0
    [arn] = account.emulator.served
    assert f"modelId: {arn}" in out and "on-demand deployment" in out


def test_deploy_json_is_one_document_with_the_envelope(account: EmulatedAccount) -> None:
    code, out, _err = cli("deploy", account.job_arn, "--output", "json")
    document = json.loads(out)
    assert code == 0
    assert (document["ok"], document["command"], document["schema_version"]) == (True, "deploy", 1)
    assert document["deployment"]["kind"] == "custom_model_deployment"
    assert document["deployment"]["creation_time"].endswith("Z")
    assert_documented(document, "deploy")


def test_deploying_twice_creates_one_deployment(account: EmulatedAccount) -> None:
    first = json.loads(cli("deploy", account.job_arn, "--output", "json")[1])["deployment"]
    second = json.loads(cli("deploy", account.job_arn, "--output", "json")[1])["deployment"]
    assert (second["arn"], second["reused"]) == (first["arn"], True)
    assert account.emulator.calls.count("CreateCustomModelDeployment") == 1


def test_a_commitment_without_yes_commit_is_refused_without_a_terminal(account: EmulatedAccount) -> None:
    code, _out, err = cli("deploy", account.job_arn, "--commitment", "OneMonth")
    assert code == 2
    assert "cannot be deleted before the term ends" in err and "--yes-commit" in err
    assert "CreateProvisionedModelThroughput" not in account.emulator.calls


def test_a_confirmed_commitment_creates_committed_throughput(account: EmulatedAccount) -> None:
    code, out, _err = cli("deploy", account.job_arn, "--commitment", "OneMonth", "--yes-commit", "--model-units", "2")
    assert code == 0 and "provisioned throughput" in out and "OneMonth" in out and "model units  2" in out


def test_ctrl_c_exits_130_with_what_keeps_running(account: EmulatedAccount, monkeypatch: pytest.MonkeyPatch) -> None:
    import bedrock_ft.lifecycle.deploy as library

    def interrupted(*_args: object, **_kwargs: object) -> None:
        raise Interrupted("interrupted while waiting for deployment d", hint="d keeps being created")

    monkeypatch.setattr(library, "deploy", interrupted)
    code, _out, err = cli("deploy", account.job_arn)
    assert code == 130 and "d keeps being created" in err


def test_an_unknown_model_is_an_aws_error(account: EmulatedAccount) -> None:
    code, _out, err = cli("deploy", "arn:aws:bedrock:us-east-1:123456789012:custom-model/nothing-here")
    assert code == 5 and "no custom model" in err


@pytest.mark.parametrize(("answer", "created"), [("y\n", True), ("n\n", False)])
def test_at_a_terminal_the_commitment_is_confirmed_at_a_prompt(
    account: EmulatedAccount, monkeypatch: pytest.MonkeyPatch, answer: str, created: bool
) -> None:
    from click.testing import CliRunner

    import bedrock_ft.cli.lifecycle_commands as commands
    from bedrock_ft.cli import cli as group

    monkeypatch.setattr(commands, "_interactive", lambda: True)
    result = CliRunner().invoke(group, ["deploy", account.job_arn, "--commitment", "SixMonths"], input=answer)
    assert "cannot be deleted before the term ends" in result.output
    assert ("CreateProvisionedModelThroughput" in account.emulator.calls) is created
    assert (result.exception is None) is created


def test_a_deployment_that_fails_exits_6_with_the_services_message(account: EmulatedAccount) -> None:
    from botocore.awsrequest import AWSResponse

    def failed(context: dict[str, object], **_: object) -> object:
        arn = next(iter(account.emulator.served))
        served = account.emulator.served[arn]
        answer = {**account.emulator._deployment_dict(served, "Failed"), "failureMessage": "no capacity in us-east-1"}
        return AWSResponse("", 200, {}, None), answer

    account.session.bedrock().meta.events.register_first("before-call.bedrock.GetCustomModelDeployment", failed)
    code, _out, err = cli("deploy", account.job_arn)
    assert code == 6 and "ended Failed: no capacity in us-east-1" in err
