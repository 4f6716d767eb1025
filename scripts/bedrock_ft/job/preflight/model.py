"""The model checks: the base model supports the customization in the region, and the hyperparameters lie in range."""

from __future__ import annotations

from collections.abc import Iterator

from bedrock_ft.core.errors import BedrockFtError
from bedrock_ft.core.models import (
    CustomizationType,
    customizable_in,
    find_model,
    model_id_from,
)
from bedrock_ft.job.preflight.context import (
    CheckContext,
    is_unsupported,
)
from bedrock_ft.job.preflight.results import CheckResult, failed, passed, skipped, warned

# byCustomizationType accepts only these.
LISTABLE_CUSTOMIZATION_TYPES = ("FINE_TUNING", "CONTINUED_PRE_TRAINING", "DISTILLATION")


def check_base_model_catalogue(ctx: CheckContext) -> Iterator[CheckResult]:
    """What GetFoundationModel says of the base model: customizationsSupported, lifecycle ACTIVE or LEGACY (the
    model table where the endpoint cannot answer)."""
    # catalogue_checks builds on this package's results: imported here, once the package is loaded.
    from bedrock_ft.job.catalogue_checks import check_foundation_model

    yield check_foundation_model(
        ctx.session, base_model=ctx.request.base_model, customization_type=ctx.request.customization_type
    )


def check_teacher(ctx: CheckContext) -> Iterator[CheckResult]:
    """A DISTILLATION job's teacher is one of the base model's teachers in the job's region; other jobs have no
    teacher (no result)."""
    if ctx.request.customization_type != CustomizationType.DISTILLATION.value:
        return
    from bedrock_ft.job.customization import distillation_config

    name = "distillation-teacher"
    if not ctx.request.teacher:
        yield failed(name, "a DISTILLATION job needs a teacher model", "name one of the base model's teachers")
        return
    try:
        distillation_config(ctx.request.teacher, ctx.request.base_model, ctx.region)
    except BedrockFtError as exc:
        yield failed(name, exc.message, exc.hint or "name one of the base model's teachers")
        return
    yield passed(name, f"{ctx.request.teacher} can teach {model_id_from(ctx.request.base_model)} in {ctx.region}")


def check_rft_grader(ctx: CheckContext) -> Iterator[CheckResult]:
    """A REINFORCEMENT_FINE_TUNING job's grader Lambda exists in the job's region and the service role may invoke
    it; other jobs have no grader (no result)."""
    if ctx.request.customization_type != CustomizationType.REINFORCEMENT_FINE_TUNING.value:
        return
    from bedrock_ft.job.catalogue_checks import GRADER_CHECK, check_grader

    if not ctx.request.grader:
        yield failed(GRADER_CHECK, "a REINFORCEMENT_FINE_TUNING job needs a grader Lambda", "give the grader's ARN")
        return
    yield from check_grader(ctx.session, role_arn=ctx.role_arn, grader_arn=ctx.request.grader, region=ctx.region)


def check_base_model(ctx: CheckContext) -> Iterator[CheckResult]:
    """The base model is listed for the customization type in the region (ListFoundationModels)."""
    name = "base-model"
    kind = ctx.request.customization_type
    if kind not in LISTABLE_CUSTOMIZATION_TYPES:
        yield skipped(name, f"cannot list models by customization type {kind}")
        return
    try:
        summaries = ctx.session.client("bedrock", probe=True).list_foundation_models(byCustomizationType=kind)
    except Exception as exc:
        if is_unsupported(exc):
            yield _base_model_from_table(ctx, name)
            return
        raise
    wanted = model_id_from(ctx.request.base_model)
    ids = {m.get("modelId") for m in summaries.get("modelSummaries", [])} | {
        m.get("modelArn") for m in summaries.get("modelSummaries", [])
    }
    if wanted in ids or ctx.request.base_model in ids:
        yield passed(name, f"{wanted} supports {kind} in {ctx.region}")
    else:
        yield failed(
            name,
            f"{wanted} does not support {kind} in {ctx.region}",
            "pick a model `aws bedrock list-foundation-models --by-customization-type "
            f"{kind}` lists, or apply the module in a region that offers it",
        )


def _base_model_from_table(ctx: CheckContext, name: str) -> CheckResult:
    """The base-model check from bedrock-ft's model table, for an endpoint that cannot list foundation models."""
    kind = ctx.request.customization_type
    try:
        spec = find_model(ctx.request.base_model)
    except BedrockFtError:
        return skipped(
            name,
            f"the endpoint cannot list foundation models, and {ctx.request.base_model} is not in "
            "bedrock-ft's model table",
        )
    if kind in {t.value for t in CustomizationType} and CustomizationType(kind) not in spec.customization_types:
        offered = ", ".join(t.value for t in spec.customization_types)
        return failed(
            name,
            f"{spec.display_name} does not support {kind} (bedrock-ft's model table: {offered})",
            f"use customization type {spec.customization_types[0].value} or another model",
        )
    offered_here = customizable_in(spec, ctx.region)
    if offered_here is None:
        return skipped(
            name,
            f"the endpoint cannot list foundation models, and bedrock-ft's model table does not say "
            f"where {spec.display_name} can be customized",
        )
    regions = ", ".join(spec.regions)
    if not offered_here:
        return failed(
            name,
            f"{spec.display_name} ({model_id_from(ctx.request.base_model)}) cannot be customized in "
            f"{ctx.region}, the Terraform outputs' region: bedrock-ft's model table offers it in "
            f"{regions} (the endpoint cannot list foundation models to say otherwise)",
            f"apply the module in {spec.regions[0]} and use its outputs, or pick a model customizable in {ctx.region}",
        )
    return passed(
        name,
        f"{spec.display_name} can be customized in {ctx.region} (bedrock-ft's model table; the "
        "endpoint cannot list foundation models)",
    )


def check_hyperparameters(ctx: CheckContext) -> Iterator[CheckResult]:
    name = "hyperparameters"
    try:
        spec = find_model(ctx.request.base_model)
    except BedrockFtError:
        yield warned(
            name,
            f"{ctx.request.base_model} is not in bedrock-ft's model table, so its ranges are unknown",
            "check the values against the model's page in the Bedrock user guide",
        )
        return
    kind = ctx.request.customization_type
    if kind == CustomizationType.REINFORCEMENT_FINE_TUNING.value:
        # Typed numbers in rftConfig: checked against the API's own ranges.
        from bedrock_ft.job.customization import rft_hyperparameters

        try:
            typed = rft_hyperparameters(ctx.request.hyperparameters)
        except BedrockFtError as exc:
            yield failed(name, exc.message, "change the hyperparameters to lie within the API's ranges")
            return
        values = ", ".join(f"{k}={v}" for k, v in sorted(typed.items())) or "the service's defaults"
        yield passed(name, f"{values} within the ranges of reinforcement fine-tuning")
        return
    known = {str(t) for t in CustomizationType}
    problems = (
        spec.check_hyperparameters(dict(ctx.request.hyperparameters), kind)
        if kind in known
        else spec.check_hyperparameters(dict(ctx.request.hyperparameters))
    )
    if ctx.request.customization_type not in [str(t) for t in spec.customization_types]:
        problems.append(f"{spec.display_name} does not support {ctx.request.customization_type}")
    if problems:
        yield failed(name, "; ".join(problems), "change the hyperparameters to lie within the model's ranges")
    else:
        values = ", ".join(f"{k}={v}" for k, v in sorted(ctx.request.hyperparameters.items())) or "defaults"
        yield passed(name, f"{values} within {spec.display_name}'s ranges")
