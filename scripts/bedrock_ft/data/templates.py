"""Text templates over one dataset record: ``{field}``, ``{field.subfield}``, ``{list.0}``.

A placeholder is a dotted path into the record's nested dicts and lists. ``{{`` and ``}}`` stand for literal braces.
A path may end in a filter after ``|``: ``json`` (the value as JSON), ``lines`` (list items one per line, the default
for lists), ``bullets`` (``- item`` per line) or ``comma`` (items joined by ``, ``).

Values render as text: strings as they are, numbers and booleans with ``str``, dicts as JSON. A float that is a
float32 value (Hugging Face float32 columns arrive as such) renders as the shortest decimal that reads back as the
same float32: ``0.134``, not ``0.1340000033378601``. A path that does not
exist in a record, or whose value is null, raises ``TemplateFieldError`` naming the record and the field.
"""

from __future__ import annotations

import json
import math
import re
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from bedrock_ft.core.errors import InputError
from bedrock_ft.core.wording import plural

FILTERS = ("json", "lines", "bullets", "comma")
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
_PATH = re.compile(r"^[^\s|{}]+(\.[^\s|{}]+)*$")


class TemplateSyntaxError(InputError):
    """A template that cannot be parsed: an unbalanced brace, an empty placeholder, an unknown filter."""


class RecordError(InputError):
    """One record cannot become a training record. ``skip_invalid`` drops such records instead of stopping."""

    def __init__(self, record: str, field: str | None, reason: str) -> None:
        where = f"{record}, field {field!r}" if field else record
        super().__init__(
            f"{where}: {reason}",
            hint="fix the record, or skip invalid records to drop such ones",
            setting="skip_invalid",
        )
        self.record = record
        self.field = field
        self.reason = reason


class TemplateFieldError(RecordError):
    """A placeholder names a field the record does not have."""


@dataclass(frozen=True)
class _Field:
    path: tuple[str, ...]
    text: str  # the placeholder as written, for messages
    filter: str | None


@dataclass(frozen=True)
class Template:
    """A parsed template. ``Template.parse(text)`` once, ``render(record, label)`` per record."""

    source: str
    parts: tuple[str | _Field, ...]

    @classmethod
    def parse(cls, text: str, *, name: str = "template") -> Template:
        parts: list[str | _Field] = []
        literal: list[str] = []
        position = 0
        for match in _TOKEN.finditer(text):
            literal.append(text[position : match.start()])
            position = match.end()
            token = match.group(0)
            if token == "{{":
                literal.append("{")
            elif token == "}}":
                literal.append("}")
            elif match.group(1) is None:
                raise TemplateSyntaxError(
                    f"{name}: unmatched {token!r} at character {match.start() + 1}",
                    hint="write {{ or }} for a literal brace",
                )
            else:
                if literal:
                    parts.append("".join(literal))
                    literal = []
                parts.append(_parse_field(match.group(1), name))
        literal.append(text[position:])
        if "".join(literal):
            parts.append("".join(literal))
        return cls(source=text, parts=tuple(parts))

    @property
    def fields(self) -> list[str]:
        """The placeholders' paths, in order, as written (without filters)."""
        return [".".join(p.path) for p in self.parts if isinstance(p, _Field)]

    def render(self, record: Mapping[str, Any], label: str = "record") -> str:
        out: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
            else:
                out.append(_format(lookup(record, part.path, label), part.filter))
        return "".join(out)


def _parse_field(inner: str, name: str) -> _Field:
    body = inner.strip()
    path_text, _, filter_text = body.partition("|")
    path_text = path_text.strip()
    filter_name = filter_text.strip() or None
    if not path_text or not _PATH.match(path_text):
        raise TemplateSyntaxError(
            f"{name}: placeholder {{{inner}}} is not a field name",
            hint="use {field}, {field.subfield} or {list.0}; write {{ or }} for a literal brace",
        )
    if filter_name is not None and filter_name not in FILTERS:
        raise TemplateSyntaxError(
            f"{name}: unknown filter {filter_name!r} in {{{inner}}}", hint="filters: " + ", ".join(FILTERS)
        )
    return _Field(path=tuple(path_text.split(".")), text=path_text, filter=filter_name)


def lookup(record: Mapping[str, Any], path: Sequence[str], label: str = "record") -> Any:
    """The value at ``path`` in ``record``; a TemplateFieldError naming the record and the field when absent.

    At each level a key holding the rest of the dotted path wins (so a flat CSV column ``outputs.plan`` is found).
    """
    value: Any = record
    for depth, key in enumerate(path):
        if isinstance(value, Mapping):
            rest = ".".join(path[depth:])
            if depth < len(path) - 1 and rest in value:
                value = value[rest]
                break
            if key not in value:
                _missing(path, depth, value, label)
            value = value[key]
        elif isinstance(value, Sequence) and not isinstance(value, str | bytes):
            index = _index(key)
            if index is None:
                _missing(path, depth, value, label, why="is a list: use a number to pick an item")
            if not -len(value) <= index < len(value):
                _missing(path, depth, value, label, why=f"has {plural(len(value), 'item')}")
            value = value[index]
        else:
            _missing(path, depth, value, label, why="is not a dict or a list")
    if value is None:
        raise TemplateFieldError(label, ".".join(path), "the field is empty (null)")
    return value


def _index(key: str) -> int | None:
    """``key`` as a list index (``0``, ``-1``), or None: superscripts and other digits int() refuses are not one."""
    if not (key.lstrip("-").isascii() and key.lstrip("-").isdigit()) or len(key) > 18:
        return None
    return int(key)


def _missing(path: Sequence[str], depth: int, container: Any, label: str, why: str | None = None) -> NoReturn:
    field = ".".join(path)
    if why is None:
        parent = ".".join(path[:depth]) or "the record"
        keys = ", ".join(sorted(str(k) for k in container)) if isinstance(container, Mapping) else ""
        why = f"no field {path[depth]!r} in {parent}" + (f" (it has: {keys})" if keys else "")
    else:
        why = f"{'.'.join(path[:depth]) or 'the record'} {why}"
    raise TemplateFieldError(label, field, why)


def _as_float32(number: float) -> float | None:
    """``number`` rounded to float32 (as a Python float), or None when it is out of float32's range."""
    try:
        return float(struct.unpack("<f", struct.pack("<f", number))[0])
    except OverflowError:
        return None


def shortest_float(number: float) -> float:
    """``number``, or the float with the shortest decimal form that is the same float32 when ``number`` is a float32.

    ``0.1340000033378601`` (the float32 nearest 0.134, widened) -> ``0.134``; ``0.1`` (a float64 that is no float32)
    stays itself, so float64 data keeps every digit.
    """
    if not math.isfinite(number) or _as_float32(number) != number:
        return number
    for digits in range(1, 10):  # 9 significant digits always round-trip a float32
        candidate = float(f"{number:.{digits}g}")
        if _as_float32(candidate) == number:
            return candidate
    return number


def _tidy(value: Any) -> Any:
    """``value`` with every float (at any depth) replaced by its :func:`shortest_float`."""
    if isinstance(value, float):
        return shortest_float(value)
    if isinstance(value, Mapping):
        return {key: _tidy(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_tidy(item) for item in value]
    return value


def _format(value: Any, filter_name: str | None) -> str:
    value = _tidy(value)
    if filter_name == "json":
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        items = [_scalar(v) for v in value]
        if filter_name == "bullets":
            return "\n".join(f"- {item}" for item in items)
        if filter_name == "comma":
            return ", ".join(items)
        return "\n".join(items)
    return _scalar(value)


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return str(value)
    if isinstance(value, Mapping | list | tuple):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)
