"""The `bedrock-ft` command line: a thin click layer over the library.

Commands parse options, call one library function and render its result. Every user-facing failure is a
``BedrockFtError``; ``main`` maps it to its exit code and prints one line, never a traceback.
"""

from __future__ import annotations

import sys

import click
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError

from bedrock_ft import __version__
from bedrock_ft.core.errors import AwsError, BedrockFtError, ConfigError, InputError


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, prog_name="bedrock-ft")
def cli() -> None:
    """Prepare, check and submit Amazon Bedrock fine-tuning jobs that run inside your VPC.

    \b
    Typical flow:
      terraform apply                       # the module in this repository
      bedrock-ft generate --source ... --base-model ... --tf-dir infra/ --out out/
      bedrock-ft upload out/ --tf-dir infra/
      bedrock-ft submit --tf-dir infra/ --base-model ... --training-data s3://...
      bedrock-ft wait JOB

    Or all of it at once with `bedrock-ft run`, and with no AWS account at all with `bedrock-ft demo`.
    """


def _register() -> None:
    from bedrock_ft.cli import (
        dataset_commands,
        demo_command,
        job_commands,
        lifecycle_commands,
        lifecycle_eval_commands,
        review_command,
    )

    for module in (
        dataset_commands,
        job_commands,
        lifecycle_eval_commands,
        lifecycle_commands,
        demo_command,
        review_command,
    ):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


def translate_aws_error(exc: Exception) -> BedrockFtError:
    """A BedrockFtError for an AWS SDK exception that escaped the library."""
    if isinstance(exc, NoCredentialsError):
        return ConfigError("no AWS credentials found", hint="set AWS_PROFILE or run `aws configure`")
    if isinstance(exc, NoRegionError):
        return ConfigError("no AWS region set", hint="set AWS_REGION, or pass Terraform outputs that name it")
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        operation = getattr(exc, "operation_name", "AWS call")
        return AwsError(f"{operation} failed: {error.get('Code', 'Error')}: {error.get('Message', '')}".rstrip(": "))
    return AwsError(f"AWS call failed: {exc}")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `bedrock-ft` console script."""
    try:
        cli.main(args=argv, prog_name="bedrock-ft", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 130
    except click.exceptions.Exit as exc:
        return int(exc.exit_code or 0)
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except BedrockFtError as exc:
        click.echo(f"Error: {exc}", err=True)
        return exc.exit_code
    except (ClientError, BotoCoreError) as exc:
        error = translate_aws_error(exc)
        click.echo(f"Error: {error}", err=True)
        return error.exit_code
    except OSError as exc:
        # The machine refused a read or a write the user asked for: a permission, a full disk, a vanished file.
        where = f": {exc.filename}" if exc.filename else ""
        click.echo(f"Error: {exc.strerror or exc}{where}", err=True)
        return InputError.exit_code
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return 130
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
