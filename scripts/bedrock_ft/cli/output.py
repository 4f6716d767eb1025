"""The output contract of docs/output.md, in one place: the JSON envelope, the error document, the exit-code table,
the flag named after a library error's setting, and the message printed on Ctrl-C.

A command renders its result with ``emit(payload, ok=...)`` in JSON mode (the envelope's ``ok``, ``command`` and
``schema_version`` come first) and with plain ``click.echo`` otherwise. ``bedrock_ft.cli.main`` turns every failure
into ``emit_error`` (JSON mode) or one line on stderr, with the code of ``EXIT_CODES``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import click

from bedrock_ft.core.errors import BedrockFtError, Interrupted
from bedrock_ft.core.timestamps import iso_utc

SCHEMA_VERSION = 1

# code, kind, meaning: the table of docs/output.md, shown in `bedrock-ft --help` and the README.
EXIT_CODES: tuple[tuple[int, str, str], ...] = (
    (0, "ok", "done"),
    (1, "checks_failed", "the command ran, and what it checked failed (validation, preflight, review, a gate)"),
    (2, "usage", "the command line is wrong: an unknown flag, a missing argument, flags that exclude each other"),
    (3, "input", "an input file or dataset is missing, unreadable or malformed"),
    (4, "config", "the Terraform outputs, bedrock-ft.toml or the environment are missing or wrong"),
    (5, "aws", "AWS refused a call or could not be reached"),
    (6, "job_failed", "the job (or deployment, or evaluation job) ended Failed or Stopped, or a wait timed out"),
    (130, "interrupted", "Ctrl-C; the message says what was done, what keeps running, and how to resume"),
)
KIND_OF_CODE = {code: kind for code, kind, _ in EXIT_CODES}

# Settings whose name in the library differs from the click parameter that sets them.
SETTING_ALIASES = {
    "hyperparameters": "hp",
    "preset": "preset_file",
    "checkov": "checkov_path",
    "out": "out_dir",
    "format": "record_format",
    "dataset": "data",
}


def exit_code_epilog() -> str:
    """The exit-code table as the group's --help shows it (``\\b`` keeps click from rewrapping it)."""
    lines = ["\b", "Exit codes:"]
    lines += [f"  {code:<4} {kind:<14} {meaning}" for code, kind, meaning in EXIT_CODES]
    return "\n".join(lines)


# -- the command that runs, and its output format --------------------------------------------------------------


@dataclass
class _Invocation:
    command: str | None = None
    output_format: str | None = None
    emitted: bool = False  # the command printed its document already; an error after it adds none
    interrupt_note: Callable[[], str] | None = None


_invocation = _Invocation()


def reset() -> None:
    """Forget the last invocation (``main`` calls it before each run)."""
    global _invocation
    _invocation = _Invocation()


def remember_output_format(ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """Callback of every --output option: main needs the format to print an error document."""
    _invocation.output_format = value
    _invocation.command = command_name(ctx)
    return value


def command_name(ctx: click.Context | None = None) -> str:
    """The running command's words without the program's: ``"generate"``, ``"sandbox up"``."""
    ctx = ctx or click.get_current_context()
    words: list[str] = []
    while ctx.parent is not None:
        words.append(ctx.info_name or "")
        ctx = ctx.parent
    return " ".join(reversed(words))


def resolve(group: click.Group, argv: Sequence[str]) -> tuple[str, click.Command | None]:
    """The command words of ``argv`` and the command they name (None when they name none), read without parsing."""
    words: list[str] = []
    command: click.Command = group
    for token in argv:
        if not isinstance(command, click.Group):
            break
        if token.startswith("-"):
            continue
        sub = command.get_command(click.Context(command), token)
        if sub is None:
            break
        words.append(token)
        command = sub
    return " ".join(words), (None if command is group else command)


def json_requested(argv: Sequence[str]) -> bool:
    """Whether this invocation asked for JSON: from the parsed --output, else (the parse failed) from ``argv``."""
    if _invocation.output_format is not None:
        return _invocation.output_format == "json"
    for index, token in enumerate(argv):
        if token == "--output=json" or (token == "--output" and argv[index + 1 : index + 2] == ["json"]):
            return True
    return False


# -- documents -----------------------------------------------------------------------------------------------------


def envelope(command: str, ok: bool) -> dict[str, Any]:
    return {"ok": ok, "command": command, "schema_version": SCHEMA_VERSION}


def emit(
    payload: Mapping[str, Any],
    *,
    ok: bool | None = None,
    command: str | None = None,
    error: BedrockFtError | None = None,
) -> None:
    """Print the command's one JSON document: the envelope, then ``payload``'s keys.

    ``ok`` defaults to ``payload["ok"]`` and else to True; ``command`` to the running command's name. With ``error``
    (an error the command raises right after, whose document would otherwise replace this one) the document is not
    ok and carries the ``error`` object too. Once a command has emitted, ``main`` prints no second document.
    """
    name = command or command_name()
    if error is not None:
        document = error_document(name, error)
    else:
        document = envelope(name, bool(payload.get("ok", True)) if ok is None else ok)
    document.update((key, value) for key, value in payload.items() if key not in document)
    _invocation.emitted = True
    echo_json(document)


def already_emitted() -> bool:
    """Whether the running command has printed its document."""
    return _invocation.emitted


def echo_json(document: Any) -> None:
    """``document`` as indented JSON; datetimes as ISO 8601 UTC."""
    click.echo(json.dumps(document, indent=2, sort_keys=False, default=_json_default))


def _json_default(value: Any) -> Any:
    from datetime import datetime

    if isinstance(value, datetime):
        return iso_utc(value)
    return str(value)


def error_document(command: str, error: BedrockFtError, *, flags: Sequence[str] = ()) -> dict[str, Any]:
    document = envelope(command, False)
    document["error"] = {
        "kind": KIND_OF_CODE.get(error.exit_code, error.kind),
        "exit_code": error.exit_code,
        "message": message_with_flags(error.message, flags),
        "hint": error.hint,
        "settings": list(error.settings),
    }
    return document


def emit_error(command: str, error: BedrockFtError, *, flags: Sequence[str] = ()) -> None:
    echo_json(error_document(command, error, flags=flags))


def error_line(error: BedrockFtError, *, flags: Sequence[str] = ()) -> str:
    """The one line ``main`` prints on stderr in text mode."""
    line = f"Error: {message_with_flags(error.message, flags)}"
    return f"{line} ({error.hint})" if error.hint else line


def message_with_flags(message: str, flags: Sequence[str]) -> str:
    """``message``, followed by the flags that set the settings it is about: ``... (--out)``."""
    shown = [flag for flag in flags if flag not in message]
    return f"{message} ({', '.join(shown)})" if shown else message


def flags_for(command: click.Command | None, settings: Sequence[str]) -> list[str]:
    """The flag (or argument metavar) of each setting among ``command``'s parameters; those it lacks are left out."""
    if command is None:
        return []
    by_name = {param.name: param for param in command.params if param.name}
    flags: list[str] = []
    for setting in settings:
        param = by_name.get(setting) or by_name.get(SETTING_ALIASES.get(setting, ""))
        if param is None:
            continue
        if isinstance(param, click.Option):
            long = [opt for opt in param.opts if opt.startswith("--")]
            flag = (long or param.opts)[0]
        else:
            flag = param.human_readable_name.upper()
        if flag not in flags:
            flags.append(flag)
    return flags


# -- AWS documents -------------------------------------------------------------------------------------------------

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def snake_case(name: str) -> str:
    """``jobArn`` → ``job_arn``, ``outputModelARN`` → ``output_model_arn``; snake_case stays as it is."""
    return _CAMEL_BOUNDARY.sub("_", name).lower()


def snake_keys(document: Any, *, verbatim: frozenset[str] = frozenset()) -> Any:
    """``document`` with every key in snake_case at every depth, except the values of the keys in ``verbatim``
    (e.g. ``request``: an AWS request body printed to be pasted as it is, or ``hyperparameters``: AWS's names)."""
    if isinstance(document, Mapping):
        return {
            snake_case(str(key)): (value if key in verbatim else snake_keys(value, verbatim=verbatim))
            for key, value in document.items()
        }
    if isinstance(document, list | tuple):
        return [snake_keys(item, verbatim=verbatim) for item in document]
    return document


# -- Ctrl-C ----------------------------------------------------------------------------------------------------------


@contextmanager
def on_interrupt(note: Callable[[], str]) -> Iterator[None]:
    """While the block runs, Ctrl-C ends the command with exit 130 and ``note()``: what was done, what keeps
    running and how to resume (computed when the interrupt comes, so it can count what was done so far)."""
    previous = _invocation.interrupt_note
    _invocation.interrupt_note = note
    try:
        yield
    except KeyboardInterrupt:
        raise Interrupted(note()) from None
    finally:
        _invocation.interrupt_note = previous


def interrupted(command: str) -> Interrupted:
    """The error for a Ctrl-C that no ``on_interrupt`` block caught (or click turned into its Abort)."""
    if _invocation.interrupt_note is not None:
        return Interrupted(_invocation.interrupt_note())
    what = f"bedrock-ft {command}" if command else "bedrock-ft"
    return Interrupted(
        f"interrupted: {what} stopped before it finished; it started nothing that keeps running",
        hint="run the same command again",
    )
