"""Is this machine ready? One check per thing the tool needs, each pass | fail | warn | skip with what to fix.

    region        where the calls go: the given region, else the Terraform outputs', else the AWS configuration's
    credentials   STS GetCallerIdentity answers (and names the account the Terraform outputs name)
    terraform     the binary is there, and at least the version the module requires
    checkov       an executable the security review can run (only `review` needs it: a warning when absent)
    tf-outputs    the module's outputs are readable and complete (skipped when none are given)
    base-model    the model is in bedrock-ft's table (LEGACY: a warning) and offered in the region: GetFoundationModel's
                  customizationsSupported and lifecycle where the endpoint answers, else the table

Nothing here raises for a failed check: the report says what failed; the caller decides the exit code.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError, NoCredentialsError

from bedrock_ft.core.errors import BedrockFtError, ConfigError
from bedrock_ft.core.models import CustomizationType, customizable_in, find_model, model_id_from
from bedrock_ft.core.tf_outputs import NULLABLE_OUTPUTS, OUTPUT_NAMES, TerraformOutputs, load_outputs
from bedrock_ft.job.session import AwsSession, make_session
from bedrock_ft.review.checkov_runner import INSTALL_HINT, find_checkov

PASS, FAIL, WARN, SKIP = "pass", "fail", "warn", "skip"
MIN_TERRAFORM = (1, 5)  # versions.tf: required_version = ">= 1.5"
TERRAFORM_TIMEOUT = 60


@dataclass(frozen=True)
class DoctorCheck:
    name: str
    status: str  # pass | fail | warn | skip
    message: str
    hint: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status, "message": self.message, "hint": self.hint}


@dataclass
class DoctorReport:
    checks: list[DoctorCheck] = field(default_factory=list)
    region: str | None = None
    account_id: str | None = None

    @property
    def ok(self) -> bool:
        return all(check.status != FAIL for check in self.checks)

    def counts(self) -> dict[str, int]:
        return {state: sum(1 for c in self.checks if c.status == state) for state in (PASS, FAIL, WARN, SKIP)}

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "region": self.region,
            "account_id": self.account_id,
            "checks": [check.to_dict() for check in self.checks],
            "counts": self.counts(),
        }


@dataclass(frozen=True)
class DoctorRequest:
    """What to check. None means "not given": the region then comes from the outputs or the AWS configuration."""

    region: str | None = None
    outputs_file: str | None = None
    tf_dir: str | None = None
    base_model: str | None = None
    customization_type: str = CustomizationType.FINE_TUNING.value
    terraform: str = "terraform"
    checkov: str | None = None
    endpoint_url: str | None = None


def run_doctor(
    request: DoctorRequest,
    *,
    environ: Mapping[str, str] | None = None,
    session_factory: Callable[[str | None], AwsSession] | None = None,
    on_check: Callable[[DoctorCheck], None] | None = None,
) -> DoctorReport:
    """Run every check in order; ``on_check`` sees each as it is decided."""
    env = os.environ if environ is None else environ
    report = DoctorReport()

    def add(check: DoctorCheck) -> None:
        report.checks.append(check)
        if on_check is not None:
            on_check(check)

    outputs, outputs_check = _outputs(request, env)
    region_check, region = _region(request, outputs, env)
    report.region = region
    add(region_check)
    factory = session_factory or (lambda name: make_session(name, request.endpoint_url))
    session: AwsSession | None
    try:
        session = factory(region)
    except BotoCoreError as exc:  # e.g. AWS_PROFILE names a profile that does not exist
        session = None
        credentials, account = DoctorCheck("credentials", FAIL, str(exc), "fix AWS_PROFILE or ~/.aws/config"), None
    else:
        credentials, account = _credentials(session, outputs)
    report.account_id = account
    add(credentials)
    add(_terraform(request.terraform, env, outputs_given=bool(request.outputs_file)))
    add(_checkov(request.checkov, env))
    add(outputs_check)
    add(_base_model(request, session, region, can_call=account is not None))
    return report


# -- the checks --------------------------------------------------------------------------------------------------


def _outputs(request: DoctorRequest, env: Mapping[str, str]) -> tuple[TerraformOutputs | None, DoctorCheck]:
    name = "tf-outputs"
    try:
        outputs = load_outputs(request.outputs_file, request.tf_dir, environ=env, required=False)
    except BedrockFtError as exc:
        return None, DoctorCheck(name, FAIL, exc.message, exc.hint)
    if outputs is None:
        return None, DoctorCheck(
            name,
            SKIP,
            "no Terraform outputs given",
            "give the module's outputs (a `terraform output -json` file or the Terraform folder) to check them",
        )
    missing = [n for n in OUTPUT_NAMES if outputs.get(n) is None and n not in NULLABLE_OUTPUTS]
    if missing:
        return None, DoctorCheck(
            name,
            FAIL,
            f"the Terraform outputs from {outputs.source} lack {', '.join(missing)}",
            "apply the bedrock-ft module (or one with the same outputs) and read its outputs again",
        )
    return outputs, DoctorCheck(
        name,
        PASS,
        f"{outputs.source}: region {outputs.region}, bucket {outputs.bucket_name}, "
        f"{len(outputs.subnet_ids)} subnet(s), role {outputs.role_arn}",
    )


def _region(
    request: DoctorRequest, outputs: TerraformOutputs | None, env: Mapping[str, str]
) -> tuple[DoctorCheck, str | None]:
    name = "region"
    configured = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
    region: str | None
    if request.region:
        region, source = request.region, "given"
    elif outputs is not None:
        region, source = outputs.region, "from the Terraform outputs"
    elif configured:
        region, source = configured, "from AWS_REGION / AWS_DEFAULT_REGION"
    else:
        region, source = _profile_region(), "from the AWS configuration"
    if not region:
        return DoctorCheck(
            name, FAIL, "no AWS region set", "set AWS_REGION, or give the Terraform outputs that name it"
        ), None
    if not re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d+", region):
        return DoctorCheck(name, FAIL, f"{region!r} ({source}) is not an AWS region name", "e.g. us-east-1"), None
    if outputs is not None and outputs.region != region:
        return DoctorCheck(
            name,
            WARN,
            f"{region} ({source}), but the Terraform outputs are for {outputs.region}",
            f"use {outputs.region}: jobs run where the module's network is",
        ), region
    return DoctorCheck(name, PASS, f"{region} ({source})"), region


def _profile_region() -> str | None:
    import boto3

    name: str | None = boto3.session.Session().region_name
    return name


def _credentials(session: AwsSession, outputs: TerraformOutputs | None) -> tuple[DoctorCheck, str | None]:
    name = "credentials"
    try:
        identity = session.client("sts", probe=True).get_caller_identity()
    except NoCredentialsError:
        return DoctorCheck(
            name, FAIL, "no AWS credentials found", "set AWS_PROFILE, or run `aws configure` / `aws sso login`"
        ), None
    except ClientError as exc:
        error = exc.response.get("Error", {})
        return DoctorCheck(
            name,
            FAIL,
            f"STS GetCallerIdentity refused: {error.get('Code', 'Error')}: {error.get('Message', '')}".rstrip(": "),
            "refresh the credentials (expired session?) or choose another profile",
        ), None
    except (BotoCoreError, OSError) as exc:
        return DoctorCheck(name, FAIL, f"STS could not be reached: {exc}", "check the network and the endpoint"), None
    account = str(identity.get("Account", ""))
    message = f"account {account} as {identity.get('Arn', '?')}"
    if outputs is not None and outputs.get("account_id") and str(outputs.get("account_id")) != account:
        return DoctorCheck(
            name,
            WARN,
            f"{message}, but the Terraform outputs are for account {outputs.get('account_id')}",
            "use credentials of the account the module was applied in",
        ), account
    return DoctorCheck(name, PASS, message), account


def terraform_version(executable: str) -> tuple[int, ...] | None:
    """The version ``terraform version -json`` reports, or None when it cannot say."""
    try:
        result = subprocess.run(
            [executable, "version", "-json"], capture_output=True, text=True, timeout=TERRAFORM_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    try:
        text = str(json.loads(result.stdout).get("terraform_version", ""))
    except (ValueError, AttributeError):
        match = re.search(r"Terraform v(\d+\.\d+\.\d+)", result.stdout)
        text = match.group(1) if match else ""
    numbers = re.match(r"(\d+)\.(\d+)(?:\.(\d+))?", text)
    if numbers is None:
        return None
    return tuple(int(n) for n in numbers.groups() if n is not None)


def _terraform(terraform: str, env: Mapping[str, str], *, outputs_given: bool) -> DoctorCheck:
    name = "terraform"
    executable = shutil.which(terraform, path=env.get("PATH"))
    minimum = ".".join(map(str, MIN_TERRAFORM))
    if executable is None:
        return DoctorCheck(
            name,
            WARN if outputs_given else FAIL,
            f"`{terraform}` is not on PATH" + (" (the saved outputs file does not need it)" if outputs_given else ""),
            f"install Terraform >= {minimum} to apply the module: https://developer.hashicorp.com/terraform/install",
        )
    version = terraform_version(executable)
    if version is None:
        return DoctorCheck(name, WARN, f"{executable} did not report its version", f"the module needs >= {minimum}")
    shown = ".".join(map(str, version))
    if version[:2] < MIN_TERRAFORM:
        return DoctorCheck(
            name, FAIL, f"Terraform {shown} at {executable} is older than {minimum}", f"install Terraform >= {minimum}"
        )
    return DoctorCheck(name, PASS, f"Terraform {shown} at {executable}")


def _checkov(explicit: str | None, env: Mapping[str, str]) -> DoctorCheck:
    name = "checkov"
    try:
        choice = find_checkov(explicit, environ=env)
    except ConfigError as exc:
        return DoctorCheck(name, FAIL, exc.message, exc.hint)
    if choice.executable is None:
        reason = choice.reason.split(". Install", 1)[0]
        return DoctorCheck(name, WARN, f"{reason} (only `review` needs it)", INSTALL_HINT)
    return DoctorCheck(name, PASS, f"{choice.executable} ({choice.reason})")


def _base_model(
    request: DoctorRequest, session: AwsSession | None, region: str | None, *, can_call: bool
) -> DoctorCheck:
    name = "base-model"
    if not request.base_model:
        return DoctorCheck(name, SKIP, "no base model named", "name one to check it is offered in the region")
    try:
        kind = CustomizationType(request.customization_type)
    except ValueError:
        known = ", ".join(t.value for t in CustomizationType)
        return DoctorCheck(name, FAIL, f"unknown customization type {request.customization_type!r}", known)
    try:
        spec = find_model(request.base_model)
    except BedrockFtError:
        spec = None
    model_id = model_id_from(request.base_model)
    if region is None:
        return DoctorCheck(name, SKIP, f"{model_id}: no region to check it in")
    answer = _foundation_model(session, model_id) if can_call and session is not None else None
    if isinstance(answer, DoctorCheck):
        return answer
    if answer is not None:
        supported = [str(s) for s in answer.get("customizationsSupported", [])]
        lifecycle = str(answer.get("modelLifecycle", {}).get("status", "ACTIVE"))
        if kind.value not in supported and kind is not CustomizationType.REINFORCEMENT_FINE_TUNING:
            return DoctorCheck(
                name,
                FAIL,
                f"{model_id} in {region}: GetFoundationModel lists customizations {', '.join(supported) or 'none'}, "
                f"not {kind.value}",
                "pick a model and region offering it (bedrock-ft models)",
            )
        if lifecycle == "LEGACY":
            return DoctorCheck(
                name, WARN, f"{model_id} is LEGACY in {region} (GetFoundationModel)", "prefer a current model"
            )
        warning = spec.legacy_warning if spec is not None else None
        if warning:
            return DoctorCheck(name, WARN, f"{model_id} answers in {region}; {warning}")
        return DoctorCheck(name, PASS, f"{model_id} offers {kind.value} in {region} (GetFoundationModel)")
    if spec is None:
        return DoctorCheck(
            name,
            WARN,
            f"{model_id} is not in bedrock-ft's model table and the endpoint did not describe it",
            "check the model id (bedrock-ft models)",
        )
    offered = customizable_in(spec, region, kind)
    if kind not in spec.customization_types:
        offered_types = ", ".join(t.value for t in spec.customization_types)
        return DoctorCheck(
            name, FAIL, f"{spec.display_name} does not offer {kind.value} (table: {offered_types})", None
        )
    if offered is False:
        regions = ", ".join(spec.regions_for(kind))
        return DoctorCheck(
            name,
            FAIL,
            f"{spec.display_name} {kind.value} is offered in {regions}, not {region} (bedrock-ft's model table)",
            f"apply the module in {spec.regions_for(kind)[0]}, or pick a model offered in {region}",
        )
    if spec.legacy_warning:
        return DoctorCheck(name, WARN, spec.legacy_warning, "prefer a current model (bedrock-ft models)")
    if offered is None:
        return DoctorCheck(name, SKIP, f"bedrock-ft's model table does not say where {spec.display_name} is offered")
    return DoctorCheck(
        name,
        PASS,
        f"{spec.display_name} offers {kind.value} in {region} (bedrock-ft's model table; the endpoint did not answer)",
    )


def _foundation_model(session: AwsSession, model_id: str) -> dict[str, Any] | DoctorCheck | None:
    """GetFoundationModel's modelDetails; None when the endpoint cannot answer; a failed check when AWS says no."""
    try:
        # The customization variants (":300k") are foundation models of their own: ListFoundationModels lists them.
        response = session.client("bedrock", probe=True).get_foundation_model(modelIdentifier=model_id)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        if code in ("ResourceNotFoundException", "ValidationException"):
            return DoctorCheck(
                "base-model",
                FAIL,
                f"GetFoundationModel: {model_id}: {code}: {error.get('Message', '')}".rstrip(": "),
                "check the model id and the region (bedrock-ft models)",
            )
        # AccessDenied (the caller may not describe models), an emulator without the operation (404, 501), a
        # throttle: the table still answers.
        return None
    except (EndpointConnectionError, BotoCoreError, OSError, NotImplementedError):
        return None  # no endpoint, or an emulator without the operation (in-process moto raises NotImplementedError)
    details = response.get("modelDetails")
    return dict(details) if isinstance(details, dict) else None
