"""Files that appear whole or not at all: written under a temporary name beside them, then renamed over them.

A run that fails or is interrupted leaves the earlier file as it was and no temporary file behind. The temporary
files get the permissions an ordinary new file would get (``tempfile`` makes them 0600, folders 0700), so what is
renamed into place is readable as if it had been written directly.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


UMASK = _current_umask()


def ordinary_temp_file(folder: str | Path, *, prefix: str, suffix: str) -> tuple[int, str]:
    """A new temporary file in ``folder`` (its descriptor and path), with an ordinary file's permissions."""
    handle, name = tempfile.mkstemp(dir=folder, prefix=prefix, suffix=suffix)
    os.fchmod(handle, 0o666 & ~UMASK)
    return handle, name


def ordinary_temp_folder(folder: str | Path, *, prefix: str, suffix: str) -> str:
    """A new temporary folder in ``folder``, with an ordinary folder's permissions."""
    name = tempfile.mkdtemp(dir=folder, prefix=prefix, suffix=suffix)
    os.chmod(name, 0o777 & ~UMASK)
    return name


@contextlib.contextmanager
def _renamed_into_place(path: Path) -> Iterator[tuple[int, str]]:
    """A temporary file beside ``path`` (descriptor, name), renamed to ``path`` when the block ends normally and
    removed when it raises or is interrupted."""
    handle, name = ordinary_temp_file(path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        yield handle, name
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def replacing(path: Path) -> Iterator[IO[str]]:
    """A text file (UTF-8) for ``path``'s new content: ``path`` is replaced only when the block ends normally."""
    with _renamed_into_place(path) as (handle, _), os.fdopen(handle, "w", encoding="utf-8") as out:
        yield out


@contextlib.contextmanager
def replacing_binary(path: Path) -> Iterator[IO[bytes]]:
    """``replacing`` for bytes."""
    with _renamed_into_place(path) as (handle, _), os.fdopen(handle, "wb") as out:
        yield out


def write_text_atomically(path: Path, text: str) -> None:
    """``path.write_text(text)``, but whole or not at all."""
    with replacing(path) as out:
        out.write(text)
