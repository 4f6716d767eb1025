"""One place maps failures to exit codes: user mistakes are one line on stderr, never a traceback."""

from __future__ import annotations

import click
import pytest
from botocore.exceptions import ClientError, NoCredentialsError

from bedrock_ft import cli as cli_module
from bedrock_ft.core.errors import AwsError, ChecksFailed, ConfigError, InputError, JobFailed, UsageError


def _run_raising(monkeypatch: pytest.MonkeyPatch, exc: BaseException) -> int:
    @click.command("boom")
    def boom() -> None:
        raise exc

    monkeypatch.setitem(cli_module.cli.commands, "boom", boom)
    return cli_module.main(["boom"])


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (ChecksFailed("3 problems"), 1),
        (UsageError("bad option"), 2),
        (InputError("bad record"), 3),
        (ConfigError("no outputs"), 4),
        (AwsError("denied"), 5),
        (JobFailed("job failed"), 6),
    ],
)
def test_each_error_class_has_its_exit_code(monkeypatch: pytest.MonkeyPatch, error: Exception, code: int) -> None:
    assert _run_raising(monkeypatch, error) == code


def test_user_error_prints_one_line_with_its_hint(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _run_raising(monkeypatch, InputError("record 4 lacks field 'answer'", hint="fix the template"))
    err = capsys.readouterr().err
    assert err == "Error: record 4 lacks field 'answer' (fix the template)\n"


def test_client_error_becomes_a_one_line_aws_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    error = ClientError({"Error": {"Code": "AccessDenied", "Message": "not allowed"}}, "GetRole")
    assert _run_raising(monkeypatch, error) == AwsError.exit_code
    err = capsys.readouterr().err
    assert "GetRole failed: AccessDenied: not allowed" in err and "Traceback" not in err


def test_missing_credentials_get_their_own_message(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run_raising(monkeypatch, NoCredentialsError()) == ConfigError.exit_code
    assert "no AWS credentials found" in capsys.readouterr().err


def test_os_error_is_one_line_naming_the_file(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    error = OSError(28, "No space left on device", "out/train.jsonl")
    assert _run_raising(monkeypatch, error) == InputError.exit_code
    assert capsys.readouterr().err == "Error: No space left on device: out/train.jsonl\n"


def test_unknown_option_is_a_usage_error_with_code_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_module.main(["--no-such-option"]) == 2
    assert "No such option" in capsys.readouterr().err


def test_version_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_module.main(["--version"]) == 0
    assert "bedrock-ft" in capsys.readouterr().out
