"""Options shared by several commands, defined once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypeVar, overload

import click

from bedrock_ft.cli.config import strongest_of
from bedrock_ft.cli.output import remember_output_format
from bedrock_ft.core.tf_outputs import ENV_OUTPUTS_FILE, ENV_TF_DIR, TerraformOutputs, load_outputs

F = TypeVar("F", bound=Callable[..., Any])


def tf_outputs_options(func: F) -> F:
    """--tf-outputs FILE / --tf-dir DIR, with their environment-variable equivalents."""
    func = click.option(
        "--tf-dir",
        type=click.Path(file_okay=False, exists=False),
        envvar=ENV_TF_DIR,
        help=f"Terraform directory to run `terraform output -json` in [env: {ENV_TF_DIR}].",
    )(func)
    func = click.option(
        "--tf-outputs",
        type=click.Path(dir_okay=False),
        envvar=ENV_OUTPUTS_FILE,
        help=f"File holding `terraform output -json` [env: {ENV_OUTPUTS_FILE}].",
    )(func)
    return func


def template_options(func: F) -> F:
    """--system, --prompt-template, --response-template, --image-column: how a dataset's fields become a record."""
    options = [
        click.option("--system", metavar="TEXT|@FILE", help="System prompt text, or @FILE to read it from a file."),
        click.option(
            "--prompt-template",
            metavar="TEMPLATE",
            help="User turn, with {field}, {field.subfield} and {list.0} placeholders ({{ and }} for braces).",
        ),
        click.option("--response-template", metavar="TEMPLATE", help="Assistant turn, with the same placeholders."),
        click.option(
            "--image-column", metavar="FIELD", help="Field holding the image (a path, bytes, or a list of them)."
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@overload
def read_tf_outputs(
    tf_outputs: str | None, tf_dir: str | None, *, required: Literal[True] = True
) -> TerraformOutputs: ...


@overload
def read_tf_outputs(tf_outputs: str | None, tf_dir: str | None, *, required: bool) -> TerraformOutputs | None: ...


def read_tf_outputs(tf_outputs: str | None, tf_dir: str | None, *, required: bool = True) -> TerraformOutputs | None:
    """The Terraform outputs from --tf-outputs or --tf-dir, whichever is set at the highest precedence: a flag beats
    the other's environment variable, which beats bedrock-ft.toml. click has already folded the environment and the
    project file into the options."""
    if click.get_current_context(silent=True) is not None:
        chosen = strongest_of("tf_outputs", "tf_dir")
        tf_outputs, tf_dir = chosen.get("tf_outputs"), chosen.get("tf_dir")
    return load_outputs(tf_outputs, tf_dir, environ={}, required=required)


def output_option(*choices: str) -> Callable[[F], F]:
    """--output text|json (and any further formats a command supports)."""
    formats = ("text", "json", *choices)
    return click.option(
        "--output",
        "output_format",
        type=click.Choice(formats),
        default="text",
        show_default=True,
        callback=remember_output_format,
        help="Readable text, or JSON for scripts (docs/output.md).",
    )
