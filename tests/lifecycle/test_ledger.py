"""The local ledger: where it lives, one whole line per event, and a damaged file that never stops cleanup."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from bedrock_ft.core.errors import ConfigError
from bedrock_ft.lifecycle.ledger import MAX_LEDGER_LINE_BYTES, Ledger, LedgerEntry, ledger_path

ARN = "arn:aws:bedrock:us-east-1:123456789012:custom-model-deployment/a1b2c3d4e5f6"
OTHER = "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/f6e5d4c3b2a1"


def test_the_state_dir_variable_wins(tmp_path: Path) -> None:
    environ = {"BEDROCK_FT_STATE_DIR": str(tmp_path / "s"), "XDG_STATE_HOME": "/elsewhere"}
    assert ledger_path(environ) == tmp_path / "s" / "ledger.jsonl"


def test_xdg_state_home_is_honoured(tmp_path: Path) -> None:
    assert ledger_path({"XDG_STATE_HOME": str(tmp_path)}) == tmp_path / "bedrock-ft" / "ledger.jsonl"


def test_without_either_it_is_under_the_home_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert ledger_path({}) == tmp_path / ".local" / "state" / "bedrock-ft" / "ledger.jsonl"


def test_an_entry_reads_back_as_written(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "new" / "ledger.jsonl")
    written = ledger.record("custom_model_deployment", ARN, name="d", region="us-east-1", model_arn="m")
    assert ledger.entries() == [written]


def test_each_event_is_one_whole_line_and_the_file_is_private(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.jsonl")
    ledger.record("custom_model_deployment", ARN)
    ledger.record("provisioned_throughput", OTHER, details={"model_units": 2})
    lines = ledger.path.read_bytes().split(b"\n")
    assert lines[-1] == b"" and len(lines) == 3
    assert [json.loads(line)["arn"] for line in lines[:2]] == [ARN, OTHER]
    assert stat.S_IMODE(os.stat(ledger.path).st_mode) == 0o600


def test_a_deleted_resource_is_no_longer_live(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.jsonl")
    ledger.record("custom_model_deployment", ARN)
    ledger.record("provisioned_throughput", OTHER)
    ledger.record("custom_model_deployment", ARN, event="deleted")
    assert [e.arn for e in ledger.live()] == [OTHER]
    assert ledger.live("custom_model_deployment") == []


def test_a_missing_ledger_is_empty(tmp_path: Path) -> None:
    assert Ledger(tmp_path / "none.jsonl").live() == []


def test_damaged_lines_are_skipped_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    good = json.dumps(LedgerEntry("custom_model", ARN).to_dict())
    path.write_bytes(
        b"\n".join(
            [
                b"{not json",
                json.dumps({"kind": "rocket", "arn": ARN}).encode(),  # unknown kind
                json.dumps({"kind": "custom_model"}).encode(),  # no arn
                b'"a string"',
                b"x" * (MAX_LEDGER_LINE_BYTES + 10),
                good.encode(),
                b'{"kind": "custom_model", "arn": "half a li',  # a crash mid-line, at the end
            ]
        )
    )
    ledger = Ledger(path)
    assert [e.arn for e in ledger.entries()] == [ARN]
    assert ledger.skipped_lines == 6


def test_an_unwritable_state_folder_is_a_config_error_naming_the_variable(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ConfigError, match="BEDROCK_FT_STATE_DIR"):
        Ledger(blocker / "ledger.jsonl").record("custom_model", ARN)


def test_an_unreadable_ledger_is_a_config_error(tmp_path: Path) -> None:
    folder = tmp_path / "ledger.jsonl"
    folder.mkdir()
    with pytest.raises(ConfigError, match="cannot read the ledger"):
        Ledger(folder).entries()


def test_concurrent_writers_never_interleave_their_lines(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    ledger = Ledger(tmp_path / "ledger.jsonl")

    def write(worker: int) -> None:
        for n in range(100):
            ledger.record("custom_model", f"{ARN}-{worker}-{n}", details={"padding": "x" * 2000})

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(write, range(4)))
    entries = ledger.entries()
    assert len(entries) == 400 and ledger.skipped_lines == 0
