"""Read the files a dataset names, and only those that are really inside it.

A path found in a dataset (an image path in a JSONL or CSV record, ``file_name`` in an image folder's metadata, the
``path`` of a Hugging Face image value, an object key mapped to a local folder) is hostile input. ``MediaRoots``
resolves it, after every symlink, and accepts it only inside one of its root folders: the dataset's own folder, or
a folder the user named. ``read_regular_file`` then opens what was resolved without following a link, refuses
anything but a regular file (FIFOs, devices, folders), and checks the size before reading, so a read is bounded.

Failures are ``FileRefused`` with a reason; callers add the record and field (or the file) and raise their own
error kind.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

MB = 1024 * 1024
# The largest source image read: the models take at most 10 MB, larger images are shrunk, and none needs more.
MAX_SOURCE_IMAGE_BYTES = 64 * MB


class FileRefused(Exception):
    """A path or file that is not read; ``reason`` says why, in words a user can act on."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def path_text(value: Any) -> str:
    """``value`` as a path string, or FileRefused: not text, empty, a NUL byte, not valid Unicode."""
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str):
        raise FileRefused(f"a path must be text, not {type(value).__name__}")
    if not value.strip():
        raise FileRefused("the path is empty")
    if "\0" in value:
        raise FileRefused(f"the path {_shown(value)} holds a NUL byte")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise FileRefused(f"the path {_shown(value)} is not valid Unicode (it holds a lone surrogate)") from None
    return value


def _shown(text: str) -> str:
    """``text`` quoted for a message, escapes for what cannot be printed, cut when long."""
    shown = ascii(text) if any(not c.isprintable() for c in text) else repr(text)
    return shown if len(shown) <= 200 else shown[:197] + "..."


@dataclass(frozen=True)
class MediaRoots:
    """The folders a dataset's files may be in, as real paths (every symlink resolved).

    ``described`` names them in messages ("the dataset folder /data/x").
    """

    roots: tuple[str, ...]
    described: str

    @classmethod
    def of(cls, folders: Iterable[str | os.PathLike[str]], described: str | None = None) -> MediaRoots:
        roots = tuple(dict.fromkeys(os.path.realpath(os.fspath(f)) for f in folders))
        return cls(roots, described or " or ".join(roots) or "no folder")

    def resolve(self, value: Any, base_dir: str | os.PathLike[str] | None = None) -> str:
        """The real path of ``value`` (relative to ``base_dir``, else to the first root), or FileRefused.

        ``~`` is expanded, then the path must land inside a root after every symlink is followed.
        """
        text = path_text(value)
        if text.startswith(("http://", "https://", "s3://")):
            raise FileRefused(f"{_shown(text)} is a URL: download the files and give local paths")
        path = os.path.expanduser(text)
        if not os.path.isabs(path):
            base = os.fspath(base_dir) if base_dir is not None else (self.roots[0] if self.roots else None)
            if base is None:
                raise FileRefused(f"the relative path {_shown(text)} has no folder to be relative to")
            path = os.path.join(base, path)
        real = os.path.realpath(path)
        if not self.contains(real):
            where = "" if real == os.path.normpath(path) else f" (it resolves to {_shown(real)})"
            raise FileRefused(
                f"the path {_shown(text)} is outside {self.described}{where}: only files inside it are read"
            )
        return real

    def contains(self, real_path: str) -> bool:
        return any(real_path == root or real_path.startswith(root.rstrip(os.sep) + os.sep) for root in self.roots)


def read_regular_file(path: str | os.PathLike[str], *, max_bytes: int, follow_symlinks: bool = False) -> bytes:
    """The bytes of ``path``: a regular file of at most ``max_bytes``, else FileRefused. OSError when unreadable.

    Opened without blocking (a FIFO with no writer does not hang the open) and, unless ``follow_symlinks``, without
    following a symlink in the last component (the path was resolved already: a link there now was swapped in).
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise FileRefused(f"{_shown(os.fspath(path))} is a symlink") from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise FileRefused(f"{_shown(os.fspath(path))} is {_kind(info.st_mode)}, not a regular file")
        if info.st_size > max_bytes:
            raise FileRefused(f"{_shown(os.fspath(path))} is {info.st_size} bytes: the limit is {max_bytes}")
    except BaseException:
        os.close(fd)
        raise
    # Read what fstat says is there (a read of max_bytes would allocate all of it up front), then on to the end in
    # small steps, in case the file grew since.
    with os.fdopen(fd, "rb") as handle:
        parts = [handle.read(info.st_size + 1)]
        total = len(parts[0])
        while total <= max_bytes:
            chunk = handle.read(min(64 * 1024, max_bytes + 1 - total))
            if not chunk:
                break
            parts.append(chunk)
            total += len(chunk)
    if total > max_bytes:
        raise FileRefused(f"{_shown(os.fspath(path))} is over {max_bytes} bytes")
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"
