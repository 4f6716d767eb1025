"""Commands for the data: generate and validate. Thin: parse options, call the library, render its result."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from bedrock_ft.cli.config import fill_unset, from_project_file, without_project_file
from bedrock_ft.cli.options import output_option, read_tf_outputs, template_options, tf_outputs_options
from bedrock_ft.cli.output import emit, on_interrupt
from bedrock_ft.core.errors import ChecksFailed, UsageError
from bedrock_ft.core.models import PURPOSES, RecordFormat
from bedrock_ft.core.wording import plural

if TYPE_CHECKING:  # validate's start-up imports neither the generator nor Pillow: each command imports its own
    from bedrock_ft.data.generate import GenerateResult
    from bedrock_ft.data.validation_report import ValidationReport

MAX_PROBLEMS_SHOWN = 50


FORMAT_NAMES = ", ".join(f.value for f in RecordFormat)
CUSTOMIZATION_TYPES = click.Choice(
    ["FINE_TUNING", "CONTINUED_PRE_TRAINING", "DISTILLATION", "REINFORCEMENT_FINE_TUNING"]
)


@click.command(short_help="Turn a dataset into Bedrock training data and validate it.")
@click.option(
    "--source",
    metavar="SOURCE",
    help="Hugging Face dataset name, save_to_disk folder, image folder, or JSONL/CSV file.",
)
@click.option("--subset", help="Hugging Face dataset configuration (subset).")
@click.option("--split", help="Split to train on [default: train].")
@template_options
@click.option(
    "--preset",
    "preset_file",
    type=click.Path(dir_okay=False),
    help="TOML or JSON file holding any of these settings; options given here override it.",
)
@click.option("--base-model", metavar="ID", help="Base model id or ARN: chooses the record format and the limits.")
@click.option("--customization-type", type=CUSTOMIZATION_TYPES, help="[default: FINE_TUNING]")
@click.option(
    "--for",
    "purpose",
    type=click.Choice(list(PURPOSES)),
    help="What the records are for: distillation writes prompt-only records, rft messages + reference_answer "
    "(the response template renders the reference answer). Same as --customization-type.",
)
@click.option(
    "--messages-column",
    metavar="COLUMN",
    help="A column holding whole conversations ([{role, content}], roles user/human, assistant/gpt, system).",
)
@click.option(
    "--reasoning-template",
    metavar="TEMPLATE",
    help="Nova 2 Lite: reasoning text put before each answer as reasoningContent, e.g. '{thinking}'.",
)
@click.option(
    "--format", "record_format", metavar="NAME", help=f"Record format, overriding the model's: {FORMAT_NAMES}."
)
@click.option("--bucket", help="Bucket the data will live in [default: Terraform output bucket_name].")
@click.option("--prefix", help="Key prefix under the bucket [default: DATA_PREFIX/<source name>].")
@click.option(
    "--bucket-owner",
    metavar="ACCOUNT",
    help="12-digit account owning the bucket [default: Terraform output account_id].",
)
@tf_outputs_options
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("out"),
    show_default=True,
    help="Output folder.",
)
@click.option(
    "--validation-split",
    type=float,
    metavar="FRACTION",
    help="Hold out this fraction (between 0 and 1) for validation when the source has no validation split.",
)
@click.option(
    "--media-root",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="A folder outside the source's own that its image paths may point into. Files anywhere else are refused.",
)
@click.option("--seed", type=int, help="Seed of the validation split [default: 0].")
@click.option("--skip-invalid", is_flag=True, help="Drop records that cannot be built or break a rule, and list them.")
@click.option("--limit", type=click.IntRange(min=1), metavar="N", help="Read at most N records from each split.")
@output_option()
def generate(
    preset_file: str | None,
    tf_outputs: str | None,
    tf_dir: str | None,
    output_format: str,
    system: str | None,
    purpose: str | None,
    **options: object,
) -> None:
    """Turn a dataset into Bedrock training data: OUT/train.jsonl, OUT/validation.jsonl (when there is a
    validation set), OUT/images/ and OUT/manifest.json. Then validate what was written, as `bedrock-ft validate`
    does; exit 1 when that finds errors.

    \b
    Examples:
      bedrock-ft generate --preset dataset/qa/preset-prompt-completion.toml --out out/qa
      bedrock-ft generate --preset dataset/accessibility/preset-nova.toml \\
          --bucket my-bucket --bucket-owner 123456789012 --out out/a11y
      bedrock-ft generate --source qa.jsonl --base-model amazon.titan-text-express-v1 \\
          --prompt-template '{question}' --response-template '{answer}' --validation-split 0.1

    \b
    --output json prints one document:
      {ok, command, schema_version, out_dir, manifest_path, manifest (without the images' entries, which
       manifest_path lists), skipped: [{record, field, reason}], conversions, notes,
       validation: <the document of validate --output json>}
    """
    from bedrock_ft.data.generate import GenerateSettings, generate_dataset
    from bedrock_ft.data.module_bucket import settings_in_module_bucket
    from bedrock_ft.data.presets import load_preset, resolve_text

    if purpose is not None:
        given = options.get("customization_type")
        if given and given != PURPOSES[purpose].value:
            raise UsageError(f"--for {purpose} and --customization-type {given} disagree", hint="give one of them")
        options["customization_type"] = PURPOSES[purpose].value
    from_file = from_project_file(options)
    settings = GenerateSettings(
        system=resolve_text(system) if system else None,
        **without_project_file(options),
    )
    outputs = read_tf_outputs(tf_outputs, tf_dir, required=False)
    if outputs is not None:
        settings = settings_in_module_bucket(settings, outputs)
    if preset_file:
        settings = settings.with_preset(load_preset(preset_file))
    settings = fill_unset(settings, from_file)
    with on_interrupt(lambda: _generate_interrupted(settings.out_dir)):
        result = generate_dataset(settings)
    if output_format == "json":
        emit(result.to_dict())
    else:
        _render_generate(result)
    if not result.ok:
        raise ChecksFailed(
            f"the data written to {result.out_dir} has {plural(result.validation.errors, 'validation error')}",
            hint="see the problems above; fix the source or the templates, or pass --skip-invalid",
        )


@click.command(short_help="Check training JSONL files against every rule Bedrock enforces.")
@click.argument("files", nargs=-1, required=True, metavar="FILE...", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--base-model", metavar="ID", help="Base model id or ARN [default: from manifest.json beside the files].")
@click.option(
    "--format", "record_format", metavar="NAME", help=f"Record format, when no model is named: {FORMAT_NAMES}."
)
@click.option("--customization-type", type=CUSTOMIZATION_TYPES, help="[default: FINE_TUNING, or the manifest's]")
@click.option(
    "--images-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Local copies of the images the records point at, to check their bytes and pixels (only files inside it "
    "are read).",
)
@output_option()
def validate(
    files: tuple[Path, ...],
    base_model: str | None,
    record_format: str | None,
    customization_type: str | None,
    images_dir: Path | None,
    output_format: str,
) -> None:
    """Check training JSONL FILE... against every rule Bedrock enforces; exit 1 when anything is wrong.

    A file whose name says validation (validation.jsonl, val.jsonl, dev.jsonl ...) counts as the validation set.

    \b
    Example:
      bedrock-ft validate out/train.jsonl out/validation.jsonl --base-model amazon.nova-lite-v1:0:300k

    \b
    --output json prints one document:
      {ok, command, schema_version, errors, warnings, record_format, base_model, family,
       files: [{path, role, records, lines}], images_checked, by_rule: {rule: {severity: n}},
       problems: [{rule, severity, file, line, field, message}], problems_omitted, notes}
    """
    from bedrock_ft.data.validate import validate_files

    report = validate_files(
        list(files),
        base_model=base_model,
        record_format=record_format,
        customization_type=customization_type,
        images_dir=images_dir,
    )
    if output_format == "json":
        emit(report.to_dict())
    else:
        _render_report(report)
    if not report.ok:
        raise ChecksFailed(plural(report.errors, "validation error"))


def _render_report(report: ValidationReport) -> None:
    for problem in report.problems[:MAX_PROBLEMS_SHOWN]:
        click.echo(problem.text())
    hidden = sum(report.counts.values()) - min(len(report.problems), MAX_PROBLEMS_SHOWN)
    if hidden > 0:
        click.echo(f"... and {hidden} more (use --output json for all)")
    for note in report.notes:
        click.echo(f"note: {note}")
    click.echo(report.summary())


def _render_generate(result: GenerateResult) -> None:
    manifest = result.manifest
    counts = manifest["counts"]
    click.echo(
        f"wrote {result.out_dir}: {counts['train']} training and {counts['validation']} validation records "
        f"({manifest['record_format']}, {manifest['family'] or 'no model family'})"
    )
    if manifest["bucket"]:
        click.echo(f"  upload to s3://{manifest['bucket']}/{manifest['prefix']}/")
    if counts["images"]:
        detail = ", ".join(f"{n} {why}" for why, n in sorted(result.conversions.items()))
        click.echo(
            f"  {plural(counts['images'], 'image')}, {counts['converted_images']} converted"
            + (f" ({detail})" if detail else "")
        )
    if counts["skipped"]:
        click.echo(f"  {plural(counts['skipped'], 'record')} skipped:")
        for skipped in result.skipped[:MAX_PROBLEMS_SHOWN]:
            field = f" [{skipped.field}]" if skipped.field else ""
            click.echo(f"    {skipped.record}{field}: {skipped.reason}")
    for note in result.notes:
        click.echo(f"  note: {note}")
    _render_report(result.validation)


def _generate_interrupted(out_dir: str | Path) -> str:
    return (
        f"generate interrupted: nothing was written to {out_dir} (the folder is replaced only once complete) and "
        "nothing keeps running; run the same command again"
    )


COMMANDS = [generate, validate]
