"""Read JSON and JSONL from hostile files with bounds: line length, document size, nesting depth, valid text.

Every JSON the package reads from a file goes through here: the JSONL readers of ``generate`` (sources) and
``validate``, the Terraform outputs, the run state, the manifest. Python's own reader takes anything: a line of
gigabytes with no line feed, nesting deep enough to exhaust the stack (``RecursionError``), ``\\ud800`` escapes that
make strings no UTF-8 writer can write back. Here those are ``JsonInputError`` with a reason; callers say which file
and line, and raise their own error kind or report a problem.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from typing import IO, Any

from bedrock_ft.core.confined_files import MB, FileRefused, read_regular_file

MAX_DEPTH = 64  # a Bedrock record nests 7 deep; dataset metadata rarely more than a dozen
MAX_LINE_BYTES = 8 * MB  # one JSONL record (Bedrock's largest record is about 200 kB of text)
MAX_DOCUMENT_BYTES = 16 * MB  # a whole JSON document: Terraform outputs, run state, manifest

_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_SURROGATE_CHAR = re.compile("[\ud800-\udfff]")


class JsonInputError(ValueError):
    """JSON that is not read; ``reason`` says why ("not valid JSON: ... (column 3)", "nested deeper than 64 ...")."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_json(data: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """The value of one JSON text (a document or a JSONL line), or JsonInputError.

    Bytes must be UTF-8. Values nested deeper than ``max_depth`` and strings holding a lone surrogate are refused.
    """
    if isinstance(data, bytes | bytearray):
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise JsonInputError(f"not UTF-8 text (byte {exc.start + 1})") from None
    else:
        text = data
    try:
        value = _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise JsonInputError(f"not valid JSON: {exc.msg} (column {exc.colno})") from None
    except RecursionError:
        raise JsonInputError(f"nested deeper than {max_depth} levels") from None
    except ValueError as exc:  # an integer of thousands of digits, NaN
        raise JsonInputError(f"not valid JSON: {exc}") from None
    if text.count("[") + text.count("{") > max_depth and _depth_over(value, max_depth):
        raise JsonInputError(f"nested deeper than {max_depth} levels")
    if (_SURROGATE_ESCAPE.search(text) or _SURROGATE_CHAR.search(text)) and _has_lone_surrogate(value):
        raise JsonInputError("a string holds a lone surrogate (such as \\ud800): it is not a character")
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


_DECODER = json.JSONDecoder(parse_constant=_no_constant)  # one decoder: json.loads with options builds one a call


def _depth_over(value: Any, limit: int) -> bool:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def _has_lone_surrogate(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE_CHAR.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def iter_lines(handle: IO[bytes], *, max_line_bytes: int | None = None) -> Iterator[tuple[int, bytes | None]]:
    """(1-based line number, the line's bytes) for each line of a binary file; None for a line over the limit.

    Only a line feed ends a line. A line over ``max_line_bytes`` (default ``MAX_LINE_BYTES``) is skipped in chunks,
    never held whole.
    """
    if max_line_bytes is None:
        max_line_bytes = MAX_LINE_BYTES
    number = 0
    while True:
        line = handle.readline(max_line_bytes + 1)
        if not line:
            return
        number += 1
        if len(line) <= max_line_bytes:
            yield number, line
            continue
        while not line.endswith(b"\n"):
            line = handle.readline(MB)
            if not line:
                break
        yield number, None


def line_too_long(max_line_bytes: int | None = None) -> str:
    return f"the line is longer than {MAX_LINE_BYTES if max_line_bytes is None else max_line_bytes} bytes"


def read_json_document(
    path: str | os.PathLike[str], *, max_bytes: int = MAX_DOCUMENT_BYTES, max_depth: int = MAX_DEPTH
) -> Any:
    """The JSON value in the file ``path`` (a regular file of at most ``max_bytes``; symlinks followed).

    JsonInputError for what is in it, FileRefused for what it is (a FIFO, a device, too large), OSError when the file
    cannot be opened (FileNotFoundError when missing).
    """
    data = read_regular_file(path, max_bytes=max_bytes, follow_symlinks=True)
    return parse_json(data[3:] if data.startswith(b"\xef\xbb\xbf") else data, max_depth=max_depth)


__all__ = [
    "MAX_DEPTH",
    "MAX_DOCUMENT_BYTES",
    "MAX_LINE_BYTES",
    "FileRefused",
    "JsonInputError",
    "iter_lines",
    "line_too_long",
    "parse_json",
    "read_json_document",
]
