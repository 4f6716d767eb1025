"""Progress on long work: a bar on stderr when stderr is a terminal, nothing otherwise.

Library code takes a ``Progress`` (or None) and calls ``advance``; it never prints.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol, TextIO


class Progress(Protocol):
    def advance(self, n: int = 1) -> None: ...


class NullProgress:
    def advance(self, n: int = 1) -> None:
        return None


class _Bar:
    def __init__(self, total: int | None, label: str, stream: TextIO) -> None:
        from tqdm import tqdm  # imported here: tqdm ships with datasets, and quiet runs never need it

        self._bar = tqdm(total=total, desc=label, file=stream, unit="it", leave=False, dynamic_ncols=True)

    def advance(self, n: int = 1) -> None:
        self._bar.update(n)

    def close(self) -> None:
        self._bar.close()


@contextmanager
def progress_bar(
    total: int | None, label: str, *, stream: TextIO | None = None, enabled: bool | None = None
) -> Iterator[Progress]:
    """A progress bar on ``stream`` (stderr) when it is a terminal, or when ``enabled`` forces it."""
    out = stream if stream is not None else sys.stderr
    show = enabled if enabled is not None else bool(getattr(out, "isatty", lambda: False)())
    if not show:
        yield NullProgress()
        return
    bar = _Bar(total, label, out)
    try:
        yield bar
    finally:
        bar.close()
