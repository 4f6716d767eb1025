"""Preflight checks of today's customization catalogue: the RFT grader Lambda and the base model's own answer.

- ``check_grader``: the grader Lambda of a REINFORCEMENT_FINE_TUNING job exists (Lambda GetFunction), lies in the
  job's region, and the service role may invoke it (IAM policy simulation where the endpoint has it, else the role's
  own policies read and matched).
- ``check_foundation_model``: GetFoundationModel's ``customizationsSupported`` and ``modelLifecycle.status`` for the
  base model; where the endpoint lacks the call, the model table says what it knows (a LEGACY model is warned about,
  never refused).

Both return ``CheckResult`` values, as every preflight check does; a call the endpoint lacks gives a skipped check,
never a failed one.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from bedrock_ft.core.errors import BedrockFtError
from bedrock_ft.core.iam_documents import Statement, load_document, parse_document
from bedrock_ft.core.models import CustomizationType, find_model, model_id_from
from bedrock_ft.job.customization import check_grader_arn, grader_region
from bedrock_ft.job.preflight import CheckResult, Status, allowed
from bedrock_ft.job.preflight.context import is_unsupported
from bedrock_ft.job.session import AwsSession

GRADER_CHECK = "rft-grader"
GRADER_ACCESS_CHECK = "rft-grader-access"
FOUNDATION_MODEL_CHECK = "base-model-catalogue"
INVOKE_ACTION = "lambda:InvokeFunction"
# GetFoundationModel's customizationsSupported enum names only these; it cannot say anything about the others.
REPORTED_TYPES = frozenset({"FINE_TUNING", "CONTINUED_PRE_TRAINING", "DISTILLATION"})


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _unsupported(exc: Exception) -> bool:
    # The same test preflight uses: an emulator's missing API, a 5xx, an unparsable answer.
    return is_unsupported(exc)


def _denied(exc: Exception) -> bool:
    return isinstance(exc, ClientError) and (
        "AccessDenied" in _error_code(exc) or _error_code(exc) in ("UnauthorizedOperation", "AuthorizationError")
    )


# --- the RFT grader -------------------------------------------------------------------------------------------


def role_statements(session: AwsSession, role_arn: str) -> list[Statement]:
    """Every statement of the role's inline and attached policies."""
    iam = session.client("iam")
    name = role_arn.rsplit("/", 1)[-1]
    statements: list[Statement] = []
    for page in iam.get_paginator("list_role_policies").paginate(RoleName=name):
        for policy_name in page["PolicyNames"]:
            document = iam.get_role_policy(RoleName=name, PolicyName=policy_name)["PolicyDocument"]
            statements += parse_document(load_document(document, source=policy_name), source=policy_name)
    for page in iam.get_paginator("list_attached_role_policies").paginate(RoleName=name):
        for attached in page["AttachedPolicies"]:
            arn = attached["PolicyArn"]
            version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
            document = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]
            statements += parse_document(load_document(document, source=arn), source=arn)
    return statements


def _grader_exists(session: AwsSession, arn: str, region: str) -> CheckResult:
    if grader_region(arn) != region:
        return CheckResult(
            GRADER_CHECK,
            Status.FAIL,
            f"the grader {arn} is in {grader_region(arn)}, the job runs in {region}",
            f"deploy the grader function in {region} and name its ARN as the grader",
        )
    try:
        found = session.client("lambda", probe=True).get_function(FunctionName=arn)
    except Exception as exc:
        if isinstance(exc, ClientError) and _error_code(exc) == "ResourceNotFoundException":
            return CheckResult(
                GRADER_CHECK,
                Status.FAIL,
                f"there is no Lambda function {arn}",
                "deploy the grader first, or fix the grader ARN",
            )
        if _unsupported(exc):
            return CheckResult(GRADER_CHECK, Status.SKIPPED, "the endpoint cannot look Lambda functions up")
        if _denied(exc):
            return CheckResult(
                GRADER_CHECK,
                Status.SKIPPED,
                "your credentials may not call lambda:GetFunction",
                "allow it to have preflight check the grader exists",
            )
        raise
    state = found.get("Configuration", {}).get("State")
    if state in ("Failed", "Inactive"):
        return CheckResult(
            GRADER_CHECK,
            Status.WARN,
            f"the grader {arn} exists but its state is {state}",
            "fix or redeploy the function before the job calls it",
        )
    return CheckResult(GRADER_CHECK, Status.PASS, f"the grader {arn} exists")


def _grader_access(session: AwsSession, role_arn: str, arn: str) -> CheckResult:
    role_name = role_arn.rsplit("/", 1)[-1]
    fix = f"allow {INVOKE_ACTION} on {arn} in the service role's policy"
    try:
        response = session.client("iam", probe=True).simulate_principal_policy(
            PolicySourceArn=role_arn, ActionNames=[INVOKE_ACTION], ResourceArns=[arn]
        )
    except Exception as exc:
        if not (_unsupported(exc) or _denied(exc)):
            raise
    else:
        decisions = {e.get("EvalDecision") for e in response.get("EvaluationResults", [])}
        if decisions == {"allowed"}:
            return CheckResult(GRADER_ACCESS_CHECK, Status.PASS, f"IAM simulation: {role_name} may invoke the grader")
        decision = ", ".join(sorted(str(d) for d in decisions)) or "no answer"
        return CheckResult(
            GRADER_ACCESS_CHECK, Status.FAIL, f"IAM simulation: {role_name} may not invoke the grader ({decision})", fix
        )
    try:
        statements = role_statements(session, role_arn)
    except Exception as exc:
        if isinstance(exc, BedrockFtError) or _unsupported(exc) or _denied(exc):
            return CheckResult(
                GRADER_ACCESS_CHECK,
                Status.SKIPPED,
                f"cannot simulate or read the policies of {role_name}",
                "allow iam:SimulatePrincipalPolicy or the role's policy reads to have preflight check it",
            )
        raise
    if allowed(statements, INVOKE_ACTION, arn):
        return CheckResult(GRADER_ACCESS_CHECK, Status.PASS, f"{role_name}'s policies allow {INVOKE_ACTION} on {arn}")
    return CheckResult(
        GRADER_ACCESS_CHECK, Status.FAIL, f"{role_name}'s policies do not allow {INVOKE_ACTION} on {arn}", fix
    )


def check_grader(session: AwsSession, *, role_arn: str, grader_arn: str, region: str) -> list[CheckResult]:
    """The grader of an RFT job: it exists in the job's region, and the service role may invoke it."""
    try:
        arn = check_grader_arn(grader_arn)
    except BedrockFtError as exc:
        return [CheckResult(GRADER_CHECK, Status.FAIL, exc.message, exc.hint)]
    return [_grader_exists(session, arn, region), _grader_access(session, role_arn, arn)]


# --- the base model in today's catalogue ----------------------------------------------------------------------


def _from_table(base_model: str, customization_type: str, why: str) -> CheckResult:
    try:
        spec = find_model(base_model)
    except BedrockFtError:
        return CheckResult(FOUNDATION_MODEL_CHECK, Status.SKIPPED, f"{why}, and {base_model} is not in the model table")
    if spec.legacy_warning:
        return CheckResult(
            FOUNDATION_MODEL_CHECK,
            Status.WARN,
            spec.legacy_warning,
            "the job may still be accepted; consider a current model (bedrock-ft models)",
        )
    if customization_type in {t.value for t in CustomizationType} and not spec.customization(customization_type):
        offered = ", ".join(t.value for t in spec.customization_types)
        return CheckResult(
            FOUNDATION_MODEL_CHECK,
            Status.FAIL,
            f"{spec.display_name} does not support {customization_type} (model table: {offered})",
            "pick another customization type or another base model",
        )
    return CheckResult(
        FOUNDATION_MODEL_CHECK, Status.PASS, f"{why}; the model table lists {spec.display_name} as current"
    )


def check_foundation_model(session: AwsSession, *, base_model: str, customization_type: str) -> CheckResult:
    """What GetFoundationModel says of the base model: the customization type is supported and the model is not
    LEGACY."""
    model_id = model_id_from(base_model)
    try:
        details: dict[str, Any] = (
            session.client("bedrock", probe=True).get_foundation_model(modelIdentifier=model_id).get("modelDetails", {})
        )
    except Exception as exc:
        if isinstance(exc, ClientError) and _error_code(exc) in ("ResourceNotFoundException", "ValidationException"):
            return CheckResult(
                FOUNDATION_MODEL_CHECK,
                Status.FAIL,
                f"Bedrock does not know the base model {model_id} in {session.region}",
                "check the id with `aws bedrock list-foundation-models`, and the region of the Terraform outputs",
            )
        if _unsupported(exc):
            return _from_table(base_model, customization_type, "the endpoint cannot describe foundation models")
        if _denied(exc):
            return _from_table(base_model, customization_type, "your credentials may not call GetFoundationModel")
        raise
    supported = [str(t) for t in details.get("customizationsSupported", [])]
    status = str(details.get("modelLifecycle", {}).get("status", ""))
    if customization_type in REPORTED_TYPES and customization_type not in supported:
        return CheckResult(
            FOUNDATION_MODEL_CHECK,
            Status.FAIL,
            f"{model_id} supports {', '.join(supported) or 'no customization'} here, not {customization_type}",
            "pick another customization type or a base model that supports it",
        )
    if status == "LEGACY":
        return CheckResult(
            FOUNDATION_MODEL_CHECK,
            Status.WARN,
            f"{model_id} is LEGACY: AWS plans to retire it",
            "the job is still accepted; prefer a current model for new work",
        )
    what = (
        f"supports {customization_type}"
        if customization_type in REPORTED_TYPES
        else f"exists ({customization_type} is not among what GetFoundationModel reports)"
    )
    return CheckResult(FOUNDATION_MODEL_CHECK, Status.PASS, f"{model_id} {what} and is {status or 'not marked legacy'}")
