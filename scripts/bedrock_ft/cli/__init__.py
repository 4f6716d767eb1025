"""The `bedrock-ft` command line: a thin click layer over the library.

Commands parse options, call one library function and render its result. Every user-facing failure is a
``BedrockFtError``; ``main`` maps it to its exit code (the table in ``cli.output``) and prints one line, or in JSON mode
one error document, never a traceback.

Commands are imported when they run, not when the program starts: ``bedrock-ft --help`` lists them from
``COMMANDS`` without importing them, so neither boto3 nor the job, review or sandbox modules load for it.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

import click

from bedrock_ft import __version__
from bedrock_ft.cli import output
from bedrock_ft.cli.config import config_default_map
from bedrock_ft.core.errors import AwsError, BedrockFtError, ConfigError, InputError, UsageError

# name: ("module:attribute", short help shown by `bedrock-ft --help`), in the order --help lists them.
COMMANDS: dict[str, tuple[str, str]] = {
    "generate": (
        "bedrock_ft.cli.dataset_commands:generate",
        "Turn a dataset into Bedrock training data and validate it.",
    ),
    "validate": (
        "bedrock_ft.cli.dataset_commands:validate",
        "Check training JSONL files against every rule Bedrock enforces.",
    ),
    "upload": (
        "bedrock_ft.cli.job_commands:upload",
        "Put generate's files into the module's bucket; skip what is there.",
    ),
    "preflight": ("bedrock_ft.cli.job_commands:preflight", "Check everything a VPC-attached customization job needs."),
    "submit": (
        "bedrock_ft.cli.job_commands:submit",
        "Start the customization job in the module's VPC (preflight first).",
    ),
    "status": ("bedrock_ft.cli.job_commands:status", "Show a job's status, status details and metrics."),
    "wait": ("bedrock_ft.cli.job_commands:wait", "Wait for a job to end, polling with backoff."),
    "stop": ("bedrock_ft.cli.job_commands:stop", "Stop a running job."),
    "list": ("bedrock_ft.cli.job_commands:list_jobs", "List the customization jobs bedrock-ft started."),
    "run": ("bedrock_ft.cli.job_commands:run", "generate, upload, preflight, submit (and wait) in one command."),
    "metrics": (
        "bedrock_ft.cli.lifecycle_eval_commands:metrics",
        "A job's training and validation metrics, as a table and a plot.",
    ),
    "evaluate": (
        "bedrock_ft.cli.lifecycle_eval_commands:evaluate",
        "Score the tuned model against the base model on held-out records.",
    ),
    "deploy": (
        "bedrock_ft.cli.lifecycle_commands:deploy",
        "Serve a tuned model: on-demand deployment or provisioned throughput.",
    ),
    "invoke": (
        "bedrock_ft.cli.lifecycle_commands:invoke",
        "Send a prompt to a deployed, provisioned or base model (Converse).",
    ),
    "cleanup": (
        "bedrock_ft.cli.lifecycle_commands:cleanup",
        "List and delete what bedrock-ft created that still costs money.",
    ),
    "demo": ("bedrock_ft.cli.demo_command:demo", "The whole flow against a local AWS emulator, no account needed."),
    "review": ("bedrock_ft.cli.review_command:review", "Review IAM policies, network rules and bucket settings."),
    "models": (
        "bedrock_ft.cli.info_commands:models",
        "List the customizable base models: IDs, regions, formats, limits.",
    ),
    "doctor": (
        "bedrock_ft.cli.info_commands:doctor",
        "Check credentials, region, Terraform, checkov, outputs and model.",
    ),
    "sandbox": (
        "bedrock_ft.cli.sandbox_command:sandbox",
        "Keep a local AWS emulator with the module's resources running.",
    ),
}


class LazyGroup(click.Group):
    """A group whose commands (``COMMANDS``) are imported the first time they are looked up."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*COMMANDS, *sorted(name for name in self.commands if name not in COMMANDS)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            module_name, attribute = COMMANDS[cmd_name][0].split(":")
            self.add_command(getattr(importlib.import_module(module_name), attribute), cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of --help, from COMMANDS' short help: nothing is imported to show it."""
        rows = []
        for name in self.list_commands(ctx):
            if name in COMMANDS:
                rows.append((name, COMMANDS[name][1]))
            elif (command := self.commands.get(name)) is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(formatter.width - 6 - len(name))))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110},
    epilog=output.exit_code_epilog(),
)
@click.version_option(__version__, prog_name="bedrock-ft")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Prepare, check and submit Amazon Bedrock fine-tuning jobs that run inside your VPC.

    \b
    Typical flow:
      terraform apply                       # the module in this repository
      bedrock-ft generate --source ... --base-model ... --tf-dir infra/ --out out/
      bedrock-ft upload out/ --tf-dir infra/
      bedrock-ft submit --tf-dir infra/ --base-model ... --training-data s3://...
      bedrock-ft wait JOB

    Or all of it at once with `bedrock-ft run`, and with no AWS account at all with `bedrock-ft demo`.

    \b
    Settings come from, first to last: flags, environment variables (BEDROCK_FT_TF_OUTPUTS, BEDROCK_FT_TF_DIR, ...),
    then bedrock-ft.toml in the working folder or the nearest folder above it (up to the repository's root).
    """
    output.reset()  # also when click's runner, not main, invokes the group
    if ctx.default_map is None:
        ctx.default_map = config_default_map()


def translate_aws_error(exc: Exception) -> BedrockFtError:
    """A BedrockFtError for an AWS SDK exception that escaped the library."""
    from botocore.exceptions import ClientError, NoCredentialsError, NoRegionError

    if isinstance(exc, NoCredentialsError):
        return ConfigError("no AWS credentials found", hint="set AWS_PROFILE or run `aws configure`")
    if isinstance(exc, NoRegionError):
        return ConfigError("no AWS region set", hint="set AWS_REGION, or pass Terraform outputs that name it")
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        operation = getattr(exc, "operation_name", "AWS call")
        return AwsError(f"{operation} failed: {error.get('Code', 'Error')}: {error.get('Message', '')}".rstrip(": "))
    return AwsError(f"AWS call failed: {exc}")


def _is_aws_sdk_error(exc: BaseException) -> bool:
    if "botocore" not in sys.modules:  # nothing loaded botocore, so nothing raised its exceptions
        return False
    from botocore.exceptions import BotoCoreError, ClientError

    return isinstance(exc, BotoCoreError | ClientError)


def _usage_error(exc: click.ClickException) -> BedrockFtError:
    """click's own parse errors, as the library's UsageError (exit 2) or InputError (a path that does not exist)."""
    message = exc.format_message()
    if isinstance(exc, click.BadParameter) and ("does not exist" in message or "is not readable" in message):
        return InputError(message)
    return UsageError(message)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `bedrock-ft` console script."""
    args = list(sys.argv[1:] if argv is None else argv)
    output.reset()
    try:
        cli.main(args=args, prog_name="bedrock-ft", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code or 0)
    except click.exceptions.Abort:
        return _fail(args, output.interrupted(output.resolve(cli, args)[0]))
    except click.ClickException as exc:
        return _fail(args, _usage_error(exc), click_error=exc)
    except BedrockFtError as exc:
        return _fail(args, exc)
    except OSError as exc:
        # The machine refused a read or a write the user asked for: a permission, a full disk, a vanished file.
        where = f": {exc.filename}" if exc.filename else ""
        return _fail(args, InputError(f"{exc.strerror or exc}{where}"))
    except KeyboardInterrupt:
        return _fail(args, output.interrupted(output.resolve(cli, args)[0]))
    except Exception as exc:
        if not _is_aws_sdk_error(exc):
            raise
        return _fail(args, translate_aws_error(exc))
    return 0


def _fail(args: list[str], error: BedrockFtError, *, click_error: click.ClickException | None = None) -> int:
    """Report ``error`` once: the error document on stdout in JSON mode, else a line on stderr. Its exit code."""
    command_words, command = output.resolve(cli, args)
    flags = output.flags_for(command, error.settings)
    if output.json_requested(args) and not output.already_emitted():
        output.emit_error(command_words, error, flags=flags)
    elif click_error is not None:
        click_error.show()
    else:
        click.echo(output.error_line(error, flags=flags), err=True)
    return error.exit_code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
