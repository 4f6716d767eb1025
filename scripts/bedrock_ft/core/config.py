"""The project file ``bedrock-ft.toml``: settings a project would otherwise repeat on every command.

It is found upward from the working folder: the folder itself, then each parent, stopping after the first that
holds ``.git`` (a repository's root) or at the filesystem's root. Its keys are the settings' own names::

    tf_dir = "infra"                    # or tf_outputs = "outputs.json"; paths are relative to this file
    base_model = "amazon.nova-lite-v1:0:300k"
    validation_split = 0.1
    seed = 7

    [hyperparameters]
    epochCount = 2
    learningRate = 0.00001

Whoever calls the library decides the precedence; the command line gives explicit values first, then environment
variables, then this file. Unknown keys are refused with the closest known one, so a typo is never silently ignored.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bedrock_ft.core.errors import ConfigError

CONFIG_FILE_NAME = "bedrock-ft.toml"
MAX_CONFIG_BYTES = 256 * 1024
ENV_CONFIG_FILE = "BEDROCK_FT_CONFIG"  # a file to use instead of searching; "" or "none" turns the file off

PATH_KEYS = frozenset({"tf_outputs", "tf_dir", "media_root", "out_dir", "work_dir", "preset"})
# key: (accepted types, how the error message names the type)
SETTINGS: dict[str, tuple[tuple[type, ...], str]] = {
    "tf_outputs": ((str,), "a path"),
    "tf_dir": ((str,), "a path"),
    "base_model": ((str,), "a model id or ARN"),
    "customization_type": ((str,), "a string"),
    "record_format": ((str,), "a string"),
    "preset": ((str,), "a path"),
    "out_dir": ((str,), "a path"),
    "work_dir": ((str,), "a path"),
    "media_root": ((str,), "a path"),
    "bucket": ((str,), "a string"),
    "bucket_owner": ((str,), "a string"),
    "prefix": ((str,), "a string"),
    "validation_split": ((int, float), "a number"),
    "seed": ((int,), "an integer"),
    "limit": ((int,), "an integer"),
    "skip_invalid": ((bool,), "true or false"),
    "workers": ((int,), "an integer"),
}
TABLE_KEYS = frozenset({"hyperparameters"})
KNOWN_KEYS = frozenset(SETTINGS) | TABLE_KEYS


@dataclass(frozen=True)
class ProjectConfig:
    """The settings of one ``bedrock-ft.toml``; paths already made absolute (relative to the file's folder)."""

    path: Path | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)
    hyperparameters: Mapping[str, str] = field(default_factory=dict)


def find_config(start: str | os.PathLike[str] | None = None) -> Path | None:
    """The nearest ``bedrock-ft.toml`` at or above ``start`` (default: the working folder), or None.

    The search stops after a folder holding ``.git`` (a repository's root, a file in a worktree) and at the root.
    """
    folder = Path(start) if start is not None else Path.cwd()
    folder = folder.absolute()
    while True:
        candidate = folder / CONFIG_FILE_NAME
        if candidate.is_file():
            return candidate
        if (folder / ".git").exists() or folder.parent == folder:
            return None
        folder = folder.parent


def discover_config(
    start: str | os.PathLike[str] | None = None, *, environ: Mapping[str, str] | None = None
) -> ProjectConfig:
    """The project's settings: the file ``BEDROCK_FT_CONFIG`` names, else the nearest one found upward, else none."""
    env = os.environ if environ is None else environ
    named = env.get(ENV_CONFIG_FILE)
    if named is not None:
        if named.strip().lower() in ("", "none"):
            return ProjectConfig()
        return load_config(named)
    found = find_config(start)
    return load_config(found) if found is not None else ProjectConfig()


def load_config(path: str | os.PathLike[str]) -> ProjectConfig:
    """Read and check one project file; a ConfigError naming the file (and the key) for anything wrong in it."""
    file = Path(path)
    try:
        with file.open("rb") as handle:
            data = handle.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(f"the project file {file} does not exist", setting="config") from None
    except OSError as exc:
        raise ConfigError(f"the project file {file} cannot be read: {exc.strerror or exc}") from None
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{file} is larger than {MAX_CONFIG_BYTES // 1024} KiB; a project file is a few lines")
    try:
        document = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{file} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file} is not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{file} nests too deeply") from None
    return parse_config(document, file)


def parse_config(document: Mapping[str, Any], file: Path) -> ProjectConfig:
    """The settings of a parsed project file, checked key by key."""
    settings: dict[str, Any] = {}
    hyperparameters: dict[str, str] = {}
    for key, value in document.items():
        if key not in KNOWN_KEYS:
            close = difflib.get_close_matches(key, sorted(KNOWN_KEYS), n=1)
            suggestion = f"did you mean {close[0]!r}?" if close else "known keys: " + ", ".join(sorted(KNOWN_KEYS))
            raise ConfigError(f"{file}: unknown key {key!r}", hint=suggestion, setting=key)
        if key == "hyperparameters":
            hyperparameters = _hyperparameters(value, file)
            continue
        types, described = SETTINGS[key]
        if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
            raise ConfigError(f"{file}: {key} must be {described}, not {_shown(value)}", setting=key)
        if key in PATH_KEYS:
            text = str(value)
            if not text.strip():
                raise ConfigError(f"{file}: {key} is empty", setting=key)
            value = str((file.parent / Path(text).expanduser()).absolute())
        settings[key] = value
    if "tf_outputs" in settings and "tf_dir" in settings:
        raise ConfigError(
            f"{file} names both tf_outputs and tf_dir", hint="keep one of them", settings=("tf_outputs", "tf_dir")
        )
    return ProjectConfig(path=file, settings=settings, hyperparameters=hyperparameters)


def _hyperparameters(value: Any, file: Path) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ConfigError(
            f"{file}: hyperparameters must be a table ([hyperparameters] with name = value lines), not {_shown(value)}",
            setting="hyperparameters",
        )
    result: dict[str, str] = {}
    for name, item in value.items():
        if isinstance(item, bool) or not isinstance(item, int | float | str) or (isinstance(item, str) and not item):
            raise ConfigError(
                f"{file}: hyperparameters.{name} must be a number or a non-empty string, not {_shown(item)}",
                setting="hyperparameters",
            )
        result[name] = _number_text(item) if not isinstance(item, str) else item
    return result


def _number_text(value: int | float) -> str:
    """A TOML number as the string AWS takes: ``2``, ``1e-05`` (the shortest text that reads back the same)."""
    return repr(value)


def _shown(value: Any) -> str:
    kind = {dict: "a table", list: "an array", bool: "a boolean", str: "a string"}.get(type(value))
    if kind is None:
        kind = type(value).__name__
    text = repr(value)
    return f"{kind} ({text[:40]}{'...' if len(text) > 40 else ''})"
