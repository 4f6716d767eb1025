"""Files written whole or not at all (core.atomic_files), with an ordinary file's permissions."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from bedrock_ft.core.atomic_files import UMASK, replacing, replacing_binary, write_text_atomically


def test_the_new_text_replaces_the_file(tmp_path: Path) -> None:
    (tmp_path / "f.json").write_text("old")
    write_text_atomically(tmp_path / "f.json", "new ü\n")
    assert (tmp_path / "f.json").read_text(encoding="utf-8") == "new ü\n"
    assert [p.name for p in tmp_path.iterdir()] == ["f.json"]


def test_a_failed_write_leaves_the_earlier_file_and_no_temporary_one(tmp_path: Path) -> None:
    (tmp_path / "f.json").write_text("old")
    with pytest.raises(KeyboardInterrupt), replacing(tmp_path / "f.json") as out:
        out.write("half")
        raise KeyboardInterrupt
    assert (tmp_path / "f.json").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.json"]


def test_bytes_are_written_as_given(tmp_path: Path) -> None:
    with replacing_binary(tmp_path / "f.png") as out:
        out.write(b"\x89PNG\r\n")
    assert (tmp_path / "f.png").read_bytes() == b"\x89PNG\r\n"


def test_the_file_gets_an_ordinary_files_permissions_not_a_temporary_files(tmp_path: Path) -> None:
    write_text_atomically(tmp_path / "f.txt", "x")
    assert stat.S_IMODE(os.stat(tmp_path / "f.txt").st_mode) == 0o666 & ~UMASK
