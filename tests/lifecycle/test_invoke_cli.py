"""`bedrock-ft invoke` as a user runs it: the answer, usage, latency, the emulated label, side by side."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto import mock_aws

from helpers.lifecycle_fixtures import TRAINING, EmulatedAccount, cli, cli_on, emulated_account
from helpers.output_contract import assert_documented


@pytest.fixture
def account(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[EmulatedAccount]:
    with mock_aws():
        acct = emulated_account(creating_polls=0)
        cli_on(acct, monkeypatch, tmp_path / "state")
        assert cli("deploy", acct.job_arn)[0] == 0
        yield acct


def test_invoke_a_job_prints_the_answer_tokens_latency_and_the_emulated_label(account: EmulatedAccount) -> None:
    code, out, _err = cli("invoke", account.job_arn, "Review page 0 of the bank site: grey text on white")
    assert code == 0
    assert "tokens in" in out and "latency" in out and "[emulated answer]" in out


def test_compare_base_shows_both_answers_side_by_side(account: EmulatedAccount) -> None:
    code, out, _err = cli("invoke", account.job_arn, "Review page 1", "--compare-base")
    assert code == 0
    header = out.splitlines()[0]
    assert header.startswith("tuned: ") and "| base: us.amazon.nova-lite-v1:0" in header


def test_invoke_json_replays_a_record_with_its_reference(account: EmulatedAccount, tmp_path: Path) -> None:
    records = tmp_path / "validation.jsonl"
    records.write_text(json.dumps(TRAINING[0]) + "\n", encoding="utf-8")
    code, out, _err = cli("invoke", account.job_arn, "--record", f"{records}:1", "--output", "json")
    document = json.loads(out)
    assert code == 0 and (document["ok"], document["command"]) == (True, "invoke")
    assert document["reference"] == "1.4.3 Contrast (Minimum): fail"
    assert document["answers"][0]["emulated"] is True
    assert_documented(document, "invoke")


def test_streaming_prints_the_answer(account: EmulatedAccount) -> None:
    code, out, _err = cli("invoke", account.job_arn, "Review page 2 of the shop", "--stream")
    assert code == 0 and "[emulated answer]" in out


def test_a_model_that_was_never_deployed_says_how_to_deploy_it() -> None:
    with mock_aws():
        acct = emulated_account()
        import bedrock_ft.cli.lifecycle_commands as commands

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(commands, "_session_for", lambda *_a: acct.session)
            patch.setenv("BEDROCK_FT_STATE_DIR", "/nonexistent-state-dir-for-test")
            code, _out, err = cli("invoke", acct.job_arn, "hi")
    assert code == 2 and "bedrock-ft deploy" in err
