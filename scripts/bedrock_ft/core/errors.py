"""User-facing failures.

Every failure a user can cause or fix is one of these exceptions. Each carries a message that says what is wrong
and, where there is one, what to do about it. The command line maps them to exit codes in one place
(``bedrock_ft.cli.main``) and prints them on one line, never as a traceback.

Messages are in the library's own terms: they name a setting by its parameter name (``out_dir``,
``skip_preflight``), never by a command-line flag, because a Python caller passed no flag. An error about particular
settings lists them in ``settings``; the command line looks each one up among the options of the command that ran and
appends the flag (``(--out)``), so a user of the command line still learns which flag to change.
"""

from __future__ import annotations

from collections.abc import Sequence


class BedrockFtError(Exception):
    """Base of every error the user should see as a message rather than a traceback.

    ``settings`` are the names of the settings (request fields, function parameters, ``bedrock-ft.toml`` keys) the
    error is about, in the order a reader should look at them; ``setting`` is a shorthand for one.
    """

    exit_code = 1
    kind = "checks_failed"  # the exit code's name in docs/output.md

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        setting: str | None = None,
        settings: Sequence[str] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.settings: tuple[str, ...] = ((setting,) if setting else ()) + tuple(s for s in settings if s != setting)

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message} ({self.hint})"
        return self.message


class ChecksFailed(BedrockFtError):
    """A check ran and found problems: validation errors, a failed preflight, review findings."""

    exit_code = 1
    kind = "checks_failed"


class UsageError(BedrockFtError):
    """Settings that cannot work together or a value outside what a setting accepts."""

    exit_code = 2
    kind = "usage"


class InputError(BedrockFtError):
    """The input is wrong: a dataset, a template, a preset, a file that is missing or cannot be read."""

    exit_code = 3
    kind = "input"


class ConfigError(BedrockFtError):
    """The environment is wrong: Terraform outputs or bedrock-ft.toml missing or malformed, a tool not installed,
    no credentials."""

    exit_code = 4
    kind = "config"


class AwsError(BedrockFtError):
    """An AWS call failed for a reason the user has to fix (access denied, missing resource, throttling)."""

    exit_code = 5
    kind = "aws"


class JobFailed(BedrockFtError):
    """A customization job ended Failed or Stopped, or did not finish before the timeout."""

    exit_code = 6
    kind = "job_failed"


class Interrupted(BedrockFtError):
    """The user interrupted a long operation (Ctrl-C). The message says what was done, what keeps running (and
    costing) and how to resume; raise it from ``except KeyboardInterrupt`` where the library knows those things."""

    exit_code = 130
    kind = "interrupted"
