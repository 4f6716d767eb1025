"""User-facing failures.

Every failure a user can cause or fix is one of these exceptions. Each carries a message that says what is wrong
and, where there is one, what to do about it. The command line maps them to exit codes in one place
(``bedrock_ft.cli.main``) and prints them on one line, never as a traceback.
"""

from __future__ import annotations


class BedrockFtError(Exception):
    """Base of every error the user should see as a message rather than a traceback."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message} ({self.hint})"
        return self.message


class ChecksFailed(BedrockFtError):
    """A check ran and found problems: validation errors, a failed preflight, review findings."""

    exit_code = 1


class UsageError(BedrockFtError):
    """Options that cannot work together or a value outside what an option accepts."""

    exit_code = 2


class InputError(BedrockFtError):
    """The input is wrong: a dataset, a template, a preset, a file that cannot be read."""

    exit_code = 3


class ConfigError(BedrockFtError):
    """The environment is wrong: Terraform outputs missing, a tool not installed, no credentials."""

    exit_code = 4


class AwsError(BedrockFtError):
    """An AWS call failed for a reason the user has to fix (access denied, missing resource, throttling)."""

    exit_code = 5


class JobFailed(BedrockFtError):
    """A customization job ended Failed or Stopped, or did not finish before the timeout."""

    exit_code = 6
