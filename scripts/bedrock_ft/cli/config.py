"""``bedrock-ft.toml`` on the command line: its settings become click's ``default_map``, so a flag beats an environment
variable, which beats the file (click's own order), and the file beats the built-in default."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import click
from click.core import ParameterSource

from bedrock_ft.core.config import ProjectConfig, discover_config
from bedrock_ft.core.errors import ConfigError

# Settings whose click parameter has another name.
PARAMETER_OF_SETTING = {"preset": "preset_file"}

_META_KEY = "bedrock_ft.config"

S = TypeVar("S")


class _SameForEveryCommand(dict[str, Any]):
    """A default_map that gives every command of the group (whatever its name, also ones added later) the same
    settings, a plain dict: click only uses the ones a command has a parameter for. (Commands of a nested group,
    e.g. ``sandbox up``, get none: their group's settings dict knows no command names.)"""

    def __init__(self, settings: Mapping[str, Any]) -> None:
        super().__init__()
        self._settings = dict(settings)

    def __getitem__(self, key: str) -> Any:
        return self._settings

    def get(self, key: str, default: Any = None) -> Any:
        return self[key]


def config_default_map() -> dict[str, Any] | None:
    """The default_map for the group from the project file found from the working folder (None without one)."""
    project = discover_config()
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.meta[_META_KEY] = project
    if project.path is None:
        return None
    settings = {PARAMETER_OF_SETTING.get(key, key): value for key, value in project.settings.items()}
    return _SameForEveryCommand(settings)


def project_config() -> ProjectConfig:
    """The project file of this invocation (an empty one outside a command, or without a file)."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return ProjectConfig()
    found = ctx.meta.get(_META_KEY)
    return found if isinstance(found, ProjectConfig) else ProjectConfig()


def from_project_file(values: Mapping[str, Any]) -> dict[str, Any]:
    """Of ``values`` (the command's parameters by name), the ones bedrock-ft.toml gave: no flag, no variable."""
    ctx = click.get_current_context()
    return {
        name: value for name, value in values.items() if ctx.get_parameter_source(name) is ParameterSource.DEFAULT_MAP
    }


def without_project_file(values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` with the ones bedrock-ft.toml gave set to None, so a preset can still give them."""
    from_file = from_project_file(values)
    return {name: (None if name in from_file else value) for name, value in values.items()}


def fill_unset(settings: S, values: Mapping[str, Any]) -> S:
    """``settings`` (a dataclass) with each of its fields that is None taken from ``values``: the project file's
    settings come after a preset's, since a preset named on the command line is the more specific choice."""
    names = {f.name for f in dataclasses.fields(settings)}  # type: ignore[arg-type]
    updates = {k: v for k, v in values.items() if k in names and getattr(settings, k) is None}
    return dataclasses.replace(settings, **updates) if updates else settings  # type: ignore[type-var]


def hyperparameter_options(given: Sequence[str]) -> list[str]:
    """``KEY=VALUE`` options: the project file's hyperparameters first, then the ones given (which win per key)."""
    return [f"{name}={value}" for name, value in project_config().hyperparameters.items()] + list(given)


_PRECEDENCE = {
    ParameterSource.COMMANDLINE: 3,
    ParameterSource.PROMPT: 3,
    ParameterSource.ENVIRONMENT: 2,
    ParameterSource.DEFAULT_MAP: 1,
    ParameterSource.DEFAULT: 0,
}
_SOURCE_NAMES = {
    ParameterSource.COMMANDLINE: "on the command line",
    ParameterSource.ENVIRONMENT: "in the environment",
    ParameterSource.DEFAULT_MAP: "in bedrock-ft.toml",
}


def strongest_of(*names: str) -> dict[str, Any]:
    """Of parameters that name the same thing in several ways (``--tf-outputs`` and ``--tf-dir``), the ones set at
    the highest level of precedence; the others are dropped, so a flag overrides the other's environment variable.
    Two set at the same level are a ConfigError (exit 4)."""
    ctx = click.get_current_context()
    given = {name: ctx.params.get(name) for name in names if ctx.params.get(name) is not None}
    if not given:
        return {}
    level = {name: _PRECEDENCE.get(ctx.get_parameter_source(name) or ParameterSource.DEFAULT, 0) for name in given}
    top = max(level.values())
    kept = {name: value for name, value in given.items() if level[name] == top}
    if len(kept) > 1:
        source = ctx.get_parameter_source(next(iter(kept))) or ParameterSource.DEFAULT
        raise ConfigError(
            f"{' and '.join(kept)} are both given {_SOURCE_NAMES.get(source, '')}: they name the same thing".replace(
                "  ", " "
            ),
            hint="keep one",
            settings=tuple(kept),
        )
    return kept
