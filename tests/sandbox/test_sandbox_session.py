"""`sandbox up` keeps a moto server with the module's infrastructure running for the real commands; `down` stops it.

One sandbox is started for the module (a server in its own process, as a user gets); the real `upload` and
`preflight` commands run against it through AWS_ENDPOINT_URL and the outputs file, exactly as the printed export
lines set them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bedrock_ft import cli as cli_module
from bedrock_ft.core.errors import InputError
from bedrock_ft.core.tf_outputs import OUTPUT_NAMES, read_outputs_file
from bedrock_ft.job.session import EMULATOR_CREDENTIALS, make_session
from bedrock_ft.sandbox.session import (
    LOG_FILE,
    OUTPUTS_FILE,
    STATE_FILE,
    SandboxState,
    UpResult,
    is_running,
    read_state,
    sandbox_down,
    sandbox_up,
)
from helpers.output_contract import assert_documented

pytestmark = pytest.mark.e2e

QA_PRESET = Path(__file__).resolve().parents[2] / "dataset" / "qa" / "preset-prompt-completion.toml"


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UpResult]:
    folder = tmp_path_factory.mktemp("sandbox")
    result = sandbox_up(folder)
    try:
        yield result
    finally:
        sandbox_down(folder)


@pytest.fixture
def pointed_at(running: UpResult, monkeypatch: pytest.MonkeyPatch) -> SandboxState:
    """This process's environment set by the export lines `sandbox up` prints."""
    for line in running.state.export_lines():
        words = line.split()
        if words[0] == "export":
            name, _, value = words[1].partition("=")
            monkeypatch.setenv(name, value)
        else:
            for name in words[1:]:
                monkeypatch.delenv(name, raising=False)
    return running.state


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli_module.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# -- up ------------------------------------------------------------------------------------------------------------


def test_up_starts_a_server_that_answers(running: UpResult) -> None:
    assert not running.already_running and is_running(running.state)


def test_up_writes_complete_terraform_outputs(running: UpResult) -> None:
    outputs = read_outputs_file(running.state.outputs_file)
    missing = [name for name in OUTPUT_NAMES if name not in outputs.values]
    assert missing == [] and outputs.region == running.state.region


def test_up_records_the_server_in_the_state_file(running: UpResult) -> None:
    state = read_state(running.folder)
    assert state == running.state and state is not None
    assert state.endpoint_url == f"http://127.0.0.1:{state.port}"


def test_up_twice_says_it_is_already_running_and_changes_nothing(running: UpResult) -> None:
    again = sandbox_up(running.folder)
    assert again.already_running and again.state == running.state


def test_up_command_again_prints_already_running(running: UpResult, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "sandbox", "up", "--dir", str(running.folder))
    assert code == 0 and "already running" in out and f"export AWS_ENDPOINT_URL={running.state.endpoint_url}" in out


def test_up_env_prints_only_the_export_lines(running: UpResult, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "sandbox", "up", "--dir", str(running.folder), "--env")
    assert code == 0
    assert all(line.startswith(("export ", "unset ")) for line in out.splitlines())
    assert f"export BEDROCK_FT_TF_OUTPUTS={running.state.outputs_file}" in out.splitlines()


def test_up_json_follows_the_contract(running: UpResult, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "sandbox", "up", "--dir", str(running.folder), "--output", "json")
    document = json.loads(out)
    assert code == 0
    assert (document["ok"], document["command"], document["schema_version"]) == (True, "sandbox up", 1)
    assert_documented(document, "sandbox up")
    assert document["already_running"] is True and document["endpoint_url"] == running.state.endpoint_url
    assert document["started"].endswith("Z")


# -- the real-path commands against it ------------------------------------------------------------------------------


def test_generate_upload_and_preflight_run_against_the_sandbox(
    pointed_at: SandboxState, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "qa"
    code, _, err = run(capsys, "generate", "--preset", str(QA_PRESET), "--out", str(out))
    assert code == 0, err
    code, _, err = run(capsys, "upload", str(out))
    assert code == 0, err
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    s3 = make_session(pointed_at.region, pointed_at.endpoint_url, static_credentials=EMULATOR_CREDENTIALS).s3()
    head = s3.head_object(Bucket=manifest["bucket"], Key=manifest["files"]["train.jsonl"]["key"])
    assert head["ContentLength"] == manifest["files"]["train.jsonl"]["bytes"]
    code, _, err = run(capsys, "preflight", "--data", str(out))
    assert code == 0, err


# -- down ----------------------------------------------------------------------------------------------------------


def test_down_stops_the_server_and_removes_its_files(tmp_path: Path) -> None:
    started = sandbox_up(tmp_path / "sb")
    result = sandbox_down(tmp_path / "sb")
    assert result.was_running and result.pid == started.state.pid
    assert not is_running(started.state)
    assert not (tmp_path / "sb").exists()


def test_down_with_nothing_running_is_no_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "sandbox", "down", "--dir", str(tmp_path / "none"), "--output", "json")
    document = json.loads(out)
    assert code == 0 and document["was_running"] is False and document["command"] == "sandbox down"
    assert_documented(document, "sandbox down")


def stale_state(folder: Path, pid: int, port: int = 1) -> SandboxState:
    folder.mkdir(parents=True, exist_ok=True)
    state = SandboxState(
        pid=pid,
        port=port,
        endpoint_url=f"http://127.0.0.1:{port}",
        region="us-east-1",
        outputs_file=str(folder / OUTPUTS_FILE),
        started="2026-12-06T00:00:00Z",
        account_id="123456789012",
    )
    (folder / STATE_FILE).write_text(json.dumps(state.__dict__), encoding="utf-8")
    (folder / OUTPUTS_FILE).write_text("{}", encoding="utf-8")
    (folder / LOG_FILE).write_text("", encoding="utf-8")
    return state


def test_down_never_signals_a_pid_that_is_not_the_sandboxs_server(tmp_path: Path) -> None:
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        stale_state(tmp_path / "sb", bystander.pid)
        result = sandbox_down(tmp_path / "sb")
        assert not result.was_running and bystander.poll() is None
        assert not (tmp_path / "sb" / STATE_FILE).exists()
    finally:
        bystander.kill()
        bystander.wait()


def test_up_after_a_dead_server_starts_a_fresh_one(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale_state(tmp_path / "sb", dead.pid)
    try:
        result = sandbox_up(tmp_path / "sb")
        assert not result.already_running and result.state.pid != dead.pid and is_running(result.state)
    finally:
        sandbox_down(tmp_path / "sb")


def test_a_corrupt_state_file_is_an_input_error_naming_it(tmp_path: Path) -> None:
    folder = tmp_path / "sb"
    folder.mkdir()
    (folder / STATE_FILE).write_text('{"pid": "1; rm -rf /"}', encoding="utf-8")
    with pytest.raises(InputError, match=STATE_FILE):
        sandbox_down(folder)


def test_a_state_naming_pid_1_is_refused(tmp_path: Path) -> None:
    state = stale_state(tmp_path / "sb", os.getpid())
    document = {**state.__dict__, "pid": 1}
    (tmp_path / "sb" / STATE_FILE).write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(InputError):
        read_state(tmp_path / "sb")
