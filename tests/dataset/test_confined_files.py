"""confined_files: a dataset's paths resolved inside its folders, and bounded reads of regular files only."""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path

import pytest

from bedrock_ft.core.confined_files import MB, FileRefused, MediaRoots, path_text, read_regular_file


def test_a_relative_path_resolves_against_the_base_folder(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.png").write_bytes(b"x")
    roots = MediaRoots.of([tmp_path])
    assert roots.resolve("a.png", tmp_path / "sub") == os.path.realpath(tmp_path / "sub" / "a.png")


def test_a_relative_path_without_a_base_resolves_against_the_first_root(tmp_path: Path) -> None:
    assert MediaRoots.of([tmp_path]).resolve("a.png") == os.path.join(os.path.realpath(tmp_path), "a.png")


def test_a_sibling_folder_sharing_the_root_s_name_as_prefix_is_outside(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data-secret").mkdir()
    with pytest.raises(FileRefused, match="is outside"):
        MediaRoots.of([tmp_path / "data"]).resolve(str(tmp_path / "data-secret" / "a.png"))


def test_the_message_names_the_folders_as_described(tmp_path: Path) -> None:
    with pytest.raises(FileRefused, match="is outside the dataset folder X"):
        MediaRoots.of([tmp_path], "the dataset folder X").resolve("/etc/hostname")


def test_a_url_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FileRefused, match="is a URL"):
        MediaRoots.of([tmp_path]).resolve("s3://bucket/a.png")


@pytest.mark.parametrize(
    ("value", "said"),
    [(b"a.png", "must be text, not bytes"), ("", "is empty"), ("a\0b", "NUL byte"), ("\ud800", "lone surrogate")],
)
def test_path_text_refuses_what_is_not_a_path(value: object, said: str) -> None:
    with pytest.raises(FileRefused, match=said):
        path_text(value)


def test_a_regular_file_is_read_whole(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"abc")
    assert read_regular_file(tmp_path / "f", max_bytes=3) == b"abc"


def test_a_file_over_the_limit_is_refused(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"abcd")
    with pytest.raises(FileRefused, match="is 4 bytes: the limit is 3"):
        read_regular_file(tmp_path / "f", max_bytes=3)


def test_a_symlink_is_refused_unless_followed(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"abc")
    (tmp_path / "link").symlink_to(tmp_path / "f")
    with pytest.raises(FileRefused, match="is a symlink"):
        read_regular_file(tmp_path / "link", max_bytes=10)
    assert read_regular_file(tmp_path / "link", max_bytes=10, follow_symlinks=True) == b"abc"


def test_a_device_is_refused() -> None:
    with pytest.raises(FileRefused, match="is a device, not a regular file"):
        read_regular_file("/dev/zero", max_bytes=10, follow_symlinks=True)


def test_a_small_file_under_a_large_limit_allocates_no_more_than_it_holds(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"x" * 100)
    tracemalloc.start()
    try:
        read_regular_file(tmp_path / "f", max_bytes=64 * MB)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < MB
