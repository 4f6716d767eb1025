"""Commands that inform: models (the model table) and doctor (is this machine ready). Thin: the library works."""

from __future__ import annotations

import os
from typing import Any

import click

from bedrock_ft.cli.options import output_option, tf_outputs_options
from bedrock_ft.cli.output import emit
from bedrock_ft.core.errors import ChecksFailed, UsageError
from bedrock_ft.core.model_table import TYPE_HEADINGS, hyperparameter_text, records_text, regions_text
from bedrock_ft.core.models import CustomizationType, ModelSpec, find_model, models_matching, teachers_for
from bedrock_ft.core.tf_outputs import ENV_OUTPUTS_FILE, ENV_TF_DIR

CUSTOMIZATION_TYPES = click.Choice([t.value for t in CustomizationType], case_sensitive=False)


@click.command(short_help="List the customizable base models: IDs, regions, formats, limits.")
@click.option("--region", metavar="REGION", help="Only models customizable in this region.")
@click.option(
    "--customization-type",
    type=CUSTOMIZATION_TYPES,
    help="Only models offering this customization type.",
)
@click.option("--model", "model", metavar="ID", help="One model's detail (an id or ARN).")
@output_option()
def models(region: str | None, customization_type: str | None, model: str | None, output_format: str) -> None:
    """List the base models bedrock-ft knows, with their customization identifiers, the regions of each
    customization type, record formats, record limits and hyperparameter ranges. LEGACY models are no longer in the
    newest Bedrock table: they still work here, with a warning.

    \b
    Examples:
      bedrock-ft models
      bedrock-ft models --region us-west-2 --customization-type FINE_TUNING
      bedrock-ft models --model amazon.nova-2-lite-v1:0:256k --output json

    \b
    --output json prints one document:
      {ok, command, schema_version, region, customization_type, models: [{family, name, provider, model_ids,
       lifecycle, customizations: [{customization_type, regions, record_format, min_records, max_records,
       accepts_validation, hyperparameters: [{name, type, default, minimum, maximum, choices, numeric_in_api}],
       notes}], limits, accepts_validation, images, video_formats, notes, teachers}]}
    """
    kind = CustomizationType(customization_type.upper()) if customization_type else None
    if model is not None:
        try:
            spec = find_model(model)
        except UsageError:
            raise UsageError(
                f"--model {model}: not in bedrock-ft's model table", hint="`bedrock-ft models` lists them"
            ) from None
        found = [spec] if _matches(spec, region, kind) else []
    else:
        found = models_matching(region=region, customization_type=kind)
    if output_format == "json":
        emit(
            {
                "region": region,
                "customization_type": kind.value if kind else None,
                "models": [_model_dict(spec, region) for spec in found],
            },
            ok=True,
        )
        return
    if not found:
        click.echo("no model in bedrock-ft's table matches" + _filters_text(region, kind))
        return
    for number, spec in enumerate(found):
        if number:
            click.echo("")
        _render(spec, region, detail=model is not None)


def _matches(spec: ModelSpec, region: str | None, kind: CustomizationType | None) -> bool:
    return spec in models_matching(region=region, customization_type=kind)


def _filters_text(region: str | None, kind: CustomizationType | None) -> str:
    parts = ([f"region {region}"] if region else []) + ([kind.value] if kind else [])
    return f" ({', '.join(parts)})" if parts else ""


def _model_dict(spec: ModelSpec, region: str | None) -> dict[str, Any]:
    row = spec.to_dict()
    row["teachers"] = [
        {"teacher": pair.teacher, "name": pair.teacher_name, "region": pair.region}
        for pair in {pair: None for model_id in spec.model_ids for pair in teachers_for(model_id, region)}
    ]
    return row


def _render(spec: ModelSpec, region: str | None, *, detail: bool) -> None:
    status = "  [LEGACY]" if spec.legacy else ""
    click.echo(f"{spec.display_name} ({spec.family}){status}")
    click.echo(f"  ids: {', '.join(spec.model_ids)}")
    for customization in spec.customizations:
        kind = customization.type
        click.echo(
            f"  {TYPE_HEADINGS[kind]}: {regions_text(customization.regions)}; {spec.record_format_name(kind)}; "
            f"records {records_text(spec, kind)}"
        )
        hps = spec.hyperparameters_for(kind)
        if detail or kind is CustomizationType.FINE_TUNING or hps is not spec.hyperparameters:
            hp_text = ", ".join(hyperparameter_text(hp) for hp in hps) or "none documented"
            click.echo(f"    hyperparameters: {hp_text}")
        if detail:
            accepted = spec.accepts_validation_for(kind)
            click.echo(f"    validation set: {'not stated' if accepted is None else 'yes' if accepted else 'no'}")
            for note in customization.notes:
                click.echo(f"    note: {note}")
    if detail:
        if spec.max_tokens is not None:
            click.echo(f"  tokens per record: {spec.max_tokens:,}")
        if spec.max_input_tokens is not None:
            click.echo(f"  tokens: input {spec.max_input_tokens:,}, output {spec.max_output_tokens or 0:,}")
        if spec.images is not None:
            images = spec.images
            click.echo(
                f"  images: {' '.join(sorted(images.formats))}, <= {images.max_per_record} per record, "
                f"<= {images.max_bytes // (1024 * 1024)} MB each"
            )
        if spec.video_formats:
            click.echo(f"  video: {' '.join(sorted(spec.video_formats))}")
        for model_id in spec.model_ids:
            for pair in teachers_for(model_id, region):
                click.echo(f"  distillation teacher for {model_id}: {pair.teacher} ({pair.region})")
        for note in spec.notes:
            click.echo(f"  note: {note}")
    if spec.legacy_warning:
        click.echo(f"  warning: {spec.legacy_warning}")


@click.command(short_help="Check credentials, region, Terraform, checkov, outputs and model.")
@click.option("--region", metavar="REGION", help="Region to check [default: the Terraform outputs', else AWS's].")
@tf_outputs_options
@click.option("--base-model", metavar="ID", help="Check this model is offered in the region.")
@click.option(
    "--customization-type",
    type=CUSTOMIZATION_TYPES,
    default="FINE_TUNING",
    show_default=True,
    help="The customization to check the model for.",
)
@click.option("--checkov", "checkov_path", metavar="PATH", help="The checkov executable to check.")
@output_option()
def doctor(
    region: str | None,
    tf_outputs: str | None,
    tf_dir: str | None,
    base_model: str | None,
    customization_type: str,
    checkov_path: str | None,
    output_format: str,
) -> None:
    """Check that this machine is ready: AWS credentials (STS GetCallerIdentity), the region, Terraform (binary
    and version), checkov, the Terraform outputs (readable and complete) and the base model's availability in the
    region (GetFoundationModel where the endpoint answers, else bedrock-ft's model table). One line per check:
    pass, fail, warn or skip, with what to fix. Exit 1 when any check fails.

    \b
    Examples:
      bedrock-ft doctor
      bedrock-ft doctor --tf-dir infra/ --base-model amazon.nova-lite-v1:0:300k

    \b
    --output json prints one document:
      {ok, command, schema_version, region, account_id, checks: [{name, status, message, hint}],
       counts: {pass, fail, warn, skip}}
    """
    from bedrock_ft.job.doctor import DoctorCheck, DoctorRequest, run_doctor

    def show(check: DoctorCheck) -> None:
        click.echo(f"{check.status:<5} {check.name:<12} {check.message}")
        if check.hint and check.status in ("fail", "warn"):
            click.echo(f"{'':18}fix: {check.hint}")

    request = DoctorRequest(
        region=region,
        outputs_file=tf_outputs,
        tf_dir=tf_dir,
        base_model=base_model,
        customization_type=customization_type.upper(),
        checkov=checkov_path,
    )
    report = run_doctor(
        request,
        environ={**os.environ, ENV_OUTPUTS_FILE: "", ENV_TF_DIR: ""},
        on_check=None if output_format == "json" else show,
    )
    if output_format == "json":
        emit(report.to_dict(), ok=report.ok)
    else:
        counts = report.counts()
        click.echo(", ".join(f"{n} {state}" for state, n in counts.items()))
    if not report.ok:
        raise ChecksFailed(f"{report.counts()['fail']} doctor check(s) failed", hint="fix what the failed lines say")


COMMANDS = [models, doctor]
