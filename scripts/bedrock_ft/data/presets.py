"""Presets: a TOML or JSON file holding the mapping from a dataset's fields to training records.

Keys (all optional)::

    base_model = "amazon.nova-lite-v1:0:300k"
    format = "bedrock-conversation-2024"        # override the model's format
    customization_type = "FINE_TUNING"
    system = "You review web pages ..."          # or "@system.txt", relative to the preset file
    prompt_template = "Review this screen.\\n\\n{html}"
    response_template = "{outputs.rationale}"
    image_column = "image"
    messages_column = "conversation"             # a column of whole conversations (instead of the templates)
    reasoning_template = "{thinking}"            # Nova 2 Lite: reasoningContent before the answer
    source = "dataset/accessibility"             # relative to the preset file
    subset = "default"
    split = "train"
    validation_split = 0.1
    seed = 42

Options given on the command line override the preset's values.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from bedrock_ft.core.errors import InputError

_STRING_KEYS = (
    "base_model",
    "format",
    "customization_type",
    "system",
    "prompt_template",
    "response_template",
    "image_column",
    "messages_column",
    "reasoning_template",
    "source",
    "subset",
    "split",
)


@dataclass(frozen=True)
class Preset:
    path: Path | None = None
    base_model: str | None = None
    format: str | None = None
    customization_type: str | None = None
    system: str | None = None
    prompt_template: str | None = None
    response_template: str | None = None
    image_column: str | None = None
    messages_column: str | None = None
    reasoning_template: str | None = None
    source: str | None = None
    subset: str | None = None
    split: str | None = None
    validation_split: float | None = None
    seed: int | None = None

    def as_settings(self) -> dict[str, Any]:
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name != "path" and getattr(self, f.name) is not None
        }


KNOWN_KEYS = tuple(f.name for f in fields(Preset) if f.name != "path")


def load_preset(path: str | Path) -> Preset:
    """Read a preset; an InputError naming the file and the key for anything wrong."""
    file = Path(path)
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        raise InputError(f"preset {file} does not exist") from None
    except OSError as exc:
        raise InputError(f"cannot read preset {file}: {exc.strerror}") from None
    if file.suffix.lower() == ".json":
        try:
            document = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            raise InputError(f"preset {file} is not valid JSON: {exc}"[:400]) from None
    else:
        try:
            document = tomllib.loads(raw.decode("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"preset {file} is not valid TOML: {exc}") from None
    if not isinstance(document, dict):
        raise InputError(f"preset {file} must hold a table of keys")
    unknown = sorted(set(document) - set(KNOWN_KEYS))
    if unknown:
        raise InputError(
            f"preset {file} has unknown {'key' if len(unknown) == 1 else 'keys'}: {', '.join(unknown)}",
            hint="keys: " + ", ".join(KNOWN_KEYS),
        )
    values: dict[str, Any] = {}
    for key, value in document.items():
        if key in _STRING_KEYS:
            if not isinstance(value, str):
                raise InputError(f"preset {file}: {key} must be a string")
            values[key] = value
        elif key == "validation_split":
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InputError(f"preset {file}: validation_split must be a number between 0 and 1")
            values[key] = float(value)
        elif key == "seed":
            if isinstance(value, bool) or not isinstance(value, int):
                raise InputError(f"preset {file}: seed must be a whole number")
            values[key] = value
    base = file.resolve().parent
    if isinstance(values.get("system"), str):
        values["system"] = resolve_text(values["system"], base, what=f"preset {file}: system")
    if values.get("source") and not Path(values["source"]).is_absolute() and (base / values["source"]).exists():
        values["source"] = str(base / values["source"])
    return Preset(path=file, **values)


def resolve_text(value: str, base_dir: Path | None = None, *, what: str = "the system prompt") -> str:
    """``@file`` -> the file's text (relative to ``base_dir``); anything else as it is. ``@@x`` is the text ``@x``."""
    if value.startswith("@@"):
        return value[1:]
    if not value.startswith("@"):
        return value
    path = Path(value[1:]).expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise InputError(f"{what}: file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{what}: cannot read {path}: {exc}") from None
