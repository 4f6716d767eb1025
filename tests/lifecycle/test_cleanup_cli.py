"""`bedrock-ft cleanup` as a user runs it: a listing before and after, nothing deleted without --yes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto import mock_aws

from helpers.lifecycle_fixtures import EmulatedAccount, cli, cli_on, emulated_account
from helpers.output_contract import assert_documented


@pytest.fixture
def account(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[EmulatedAccount]:
    with mock_aws():
        acct = emulated_account(creating_polls=0)
        cli_on(acct, monkeypatch, tmp_path / "state")
        assert cli("deploy", acct.job_arn)[0] == 0
        yield acct


def test_without_yes_it_lists_and_deletes_nothing(account: EmulatedAccount) -> None:
    code, out, _err = cli("cleanup")
    assert code == 0
    assert "custom_model_deployment" in out and "DELETE" in out and "nothing deleted: pass --yes" in out
    assert not [c for c in account.emulator.calls if c.startswith("Delete")]


def test_with_yes_it_shows_the_listing_before_and_after(account: EmulatedAccount) -> None:
    code, out, _err = cli("cleanup", "--yes")
    assert code == 0
    before, after = out.split("bedrock-ft resources (after):")
    assert "custom_model_deployment" in before and "DELETED" in before
    assert "custom_model_deployment" not in after and "s3_prefix" in after


def test_json_holds_before_outcomes_and_after(account: EmulatedAccount) -> None:
    code, out, _err = cli("cleanup", "--yes", "--keep-model", "--output", "json")
    document = json.loads(out)
    assert code == 0 and (document["ok"], document["command"], document["schema_version"]) == (True, "cleanup", 1)
    assert [o["action"] for o in document["outcomes"]][:2] == ["deleted", "kept"]
    assert document["after"]["resources"][0]["kind"] == "custom_model"
    assert_documented(document, "cleanup")


def test_a_refused_deletion_exits_5(account: EmulatedAccount) -> None:
    from botocore.awsrequest import AWSResponse

    denied = {"Error": {"Code": "AccessDeniedException", "Message": "no"}}
    account.session.bedrock().meta.events.register_first(
        "before-call.bedrock.DeleteCustomModelDeployment", lambda **_: (AWSResponse("", 403, {}, None), denied)
    )
    code, out, _err = cli("cleanup", "--yes")
    assert code == 5 and "FAILED" in out and "AccessDeniedException" in out


@pytest.mark.parametrize(("answer", "deleted"), [("y\n", True), ("n\n", False)])
def test_at_a_terminal_cleanup_asks_before_deleting(
    account: EmulatedAccount, monkeypatch: pytest.MonkeyPatch, answer: str, deleted: bool
) -> None:
    from click.testing import CliRunner

    import bedrock_ft.cli.lifecycle_commands as commands
    from bedrock_ft.cli import cli as group

    monkeypatch.setattr(commands, "_interactive", lambda: True)
    result = CliRunner().invoke(group, ["cleanup"], input=answer)
    assert "Delete (or stop) what is marked DELETE / STOP above?" in result.output
    assert ("DeleteCustomModelDeployment" in account.emulator.calls) is deleted


def test_with_the_terraform_outputs_it_lists_evaluates_files(account: EmulatedAccount, tmp_path: Path) -> None:
    from bedrock_ft.core.tf_outputs import to_terraform_json

    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps(to_terraform_json(account.values)), encoding="utf-8")
    account.session.s3().put_object(Bucket=account.bucket, Key="output/evaluate/run1/dataset.jsonl", Body=b"{}\n")
    code, out, _err = cli("cleanup", "--tf-outputs", str(outputs), "--output", "json")
    listed = [r["arn"] for r in json.loads(out)["before"]["resources"]]
    assert code == 0 and f"s3://{account.bucket}/output/evaluate/" in listed
