"""`bedrock-ft sandbox up|down`: keep the emulator with the module's infrastructure running for the real commands."""

from __future__ import annotations

from pathlib import Path

import click

from bedrock_ft.cli.options import output_option
from bedrock_ft.cli.output import emit

DEFAULT_DIR = ".bedrock-ft-sandbox"

dir_option = click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(DEFAULT_DIR),
    show_default=True,
    help="Folder of the sandbox's state, outputs file and log.",
)


@click.group(short_help="Keep a local AWS emulator with the module's resources running.")
def sandbox() -> None:
    """A moto server that keeps running, with the Terraform module's infrastructure created in it, so the real
    commands (generate, upload, preflight, submit, status, list, stop) can be tried with no AWS account.

    \b
    Example:
      bedrock-ft sandbox up                 # prints the export lines to paste
      eval "$(bedrock-ft sandbox up --env)" # or set them in this shell directly
      bedrock-ft generate --preset dataset/qa/preset-prompt-completion.toml --out out/qa
      bedrock-ft upload out/qa
      bedrock-ft preflight --data out/qa
      bedrock-ft sandbox down
    """


@sandbox.command(short_help="Start the emulator (or say it is running) and print how to use it.")
@dir_option
@click.option("--region", default="us-east-1", show_default=True, help="Region the emulator pretends to be.")
@click.option("--port", type=click.IntRange(1024, 65535), help="Port to listen on [default: a free one].")
@click.option("--env", "env_only", is_flag=True, help="Print only the export lines (for eval).")
@output_option()
def up(folder: Path, region: str, port: int | None, env_only: bool, output_format: str) -> None:
    """Start a moto server in its own process, create the Terraform module's infrastructure in it, write the
    outputs file, and print the endpoint and the lines that point the other commands at it. Running it again
    while the server runs changes nothing and says so.

    \b
    --output json prints one document:
      {ok, command, schema_version, already_running, folder, pid, port, endpoint_url, region, outputs_file,
       started, account_id, environment: {AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION,
       BEDROCK_FT_TF_OUTPUTS}}
    """
    from bedrock_ft.sandbox.session import sandbox_up

    result = sandbox_up(folder, region=region, port=port)
    state = result.state
    if output_format == "json":
        emit(result.to_dict(), ok=True)
        return
    if env_only:
        for line in state.export_lines():
            click.echo(line)
        return
    if result.already_running:
        click.echo(f"the sandbox is already running (PID {state.pid}, since {state.started})")
    else:
        click.echo(
            f"sandbox started: moto server PID {state.pid}, infrastructure created in account {state.account_id}"
        )
    click.echo(f"endpoint:      {state.endpoint_url}")
    click.echo(f"outputs file:  {state.outputs_file}")
    click.echo("")
    click.echo('Point the commands at it (paste into your shell, or eval "$(bedrock-ft sandbox up --env)"):')
    for line in state.export_lines():
        click.echo(f"  {line}")
    click.echo("")
    click.echo("Then, for example:")
    click.echo("  bedrock-ft generate --preset dataset/qa/preset-prompt-completion.toml --out out/qa")
    click.echo("  bedrock-ft upload out/qa && bedrock-ft preflight --data out/qa && bedrock-ft submit --data out/qa")
    click.echo(f"Stop it with: bedrock-ft sandbox down{_dir_flag(folder)}")


@sandbox.command(short_help="Stop the emulator and remove its state.")
@dir_option
@output_option()
def down(folder: Path, output_format: str) -> None:
    """Stop the moto server `sandbox up` started and remove its state, outputs file and log. Nothing running is no
    error.

    \b
    --output json prints one document:
      {ok, command, schema_version, was_running, pid, folder, note}
    """
    from bedrock_ft.sandbox.session import sandbox_down

    result = sandbox_down(folder)
    if output_format == "json":
        emit(result.to_dict(), ok=True)
        return
    if result.was_running:
        click.echo(f"sandbox stopped (moto server PID {result.pid}); removed its files in {result.folder}")
    else:
        click.echo(f"no sandbox was running: {result.note}")
    click.echo("unset AWS_ENDPOINT_URL BEDROCK_FT_TF_OUTPUTS  # in shells that pointed at it")


def _dir_flag(folder: Path) -> str:
    return "" if folder == Path(DEFAULT_DIR) else f" --dir {folder}"


COMMANDS = [sandbox]
