"""Preflight: every check that would otherwise fail a customization job twenty minutes in.

Each check has a stable name and ends pass, fail, warn or skipped, with a one-line message and, when it did not
pass, a one-line hint saying how to fix it. Checks read the live account (EC2, S3, IAM, KMS, Bedrock) through the
clients of an ``AwsSession``; a check whose API the endpoint lacks (an emulator, a locked-down account) is skipped,
never failed.

The checks are grouped by what they read: ``network`` (subnets, security group, S3 endpoint), ``data`` (the bucket,
the data objects, their images, whether the data fits the model), ``iam`` (the service role and the KMS key) and
``model`` (the base model and the hyperparameters). ``results`` holds what a check reports, ``context`` what the
checks share. This module runs them in order: ``run_preflight(session, outputs, request)``.
"""

from __future__ import annotations

from collections.abc import Callable

from botocore.exceptions import BotoCoreError, ClientError

from bedrock_ft.core.errors import BedrockFtError
from bedrock_ft.core.tf_outputs import TerraformOutputs
from bedrock_ft.job.preflight.context import Check, CheckContext, allowed, error_text, is_unsupported, not_allowed
from bedrock_ft.job.preflight.data import (
    check_bucket_region,
    check_data_fits_model,
    check_data_objects,
    check_images,
    media_of,
    record_format_of,
)
from bedrock_ft.job.preflight.iam import (
    check_kms_key,
    check_role_network,
    check_role_s3,
    check_role_simulation,
    check_role_trust,
    network_condition_findings,
)
from bedrock_ft.job.preflight.model import (
    check_base_model,
    check_base_model_catalogue,
    check_hyperparameters,
    check_rft_grader,
    check_teacher,
)
from bedrock_ft.job.preflight.network import check_s3_endpoint, check_security_groups, check_subnets
from bedrock_ft.job.preflight.results import CheckResult, PreflightFailed, PreflightReport, Status, failed, skipped
from bedrock_ft.job.requests import PreflightRequest, data_uri
from bedrock_ft.job.session import AwsSession

__all__ = [
    "CHECKS",
    "CheckResult",
    "PreflightFailed",
    "PreflightReport",
    "PreflightRequest",
    "Status",
    "allowed",
    "media_of",
    "network_condition_findings",
    "not_allowed",
    "record_format_of",
    "run_preflight",
]


CHECKS: tuple[tuple[str, Check], ...] = (
    ("subnets-exist", check_subnets),
    ("security-group-self-rules", check_security_groups),
    ("s3-endpoint-routes", check_s3_endpoint),
    ("bucket-region", check_bucket_region),
    ("training-data", check_data_objects),
    ("images", check_images),
    ("data-fits-model", check_data_fits_model),
    ("role-trust", check_role_trust),
    ("role-network-interfaces", check_role_network),
    ("role-s3-access", check_role_s3),
    ("role-simulation", check_role_simulation),
    ("base-model", check_base_model),
    ("base-model-catalogue", check_base_model_catalogue),
    ("hyperparameters", check_hyperparameters),
    ("distillation-teacher", check_teacher),
    ("rft-grader", check_rft_grader),
    ("kms-key", check_kms_key),
)
# The checks that read the data file; a job whose data comes from the model invocation logs has none to read.
DATA_FILE_CHECKS = frozenset({"training-data", "images", "data-fits-model"})


def run_preflight(
    session: AwsSession,
    outputs: TerraformOutputs,
    request: PreflightRequest,
    *,
    on_result: Callable[[CheckResult], None] | None = None,
) -> PreflightReport:
    """Run every check; a check that raises becomes a failure (or a skip when the endpoint lacks its API)."""
    outputs.require("region", "account_id", "vpc_id", "subnet_ids", "security_group_ids", "bucket_name", "role_arn")
    # Parse the data URIs up front: a malformed one is a usage error, not a failed check.
    if request.training_data:
        data_uri(request.training_data, "training_data")
    if request.validation_data:
        data_uri(request.validation_data, "validation_data")
    ctx = CheckContext(session, outputs, request)
    report = PreflightReport()
    for first_name, check in CHECKS:
        if request.invocation_logs and first_name in DATA_FILE_CHECKS:
            result = skipped(first_name, f"the training data comes from the invocation logs {request.invocation_logs}")
            report.results.append(result)
            if on_result:
                on_result(result)
            continue
        try:
            produced = list(check(ctx))
        except Exception as exc:
            if isinstance(exc, BedrockFtError):
                produced = [failed(first_name, exc.message, exc.hint or "see the message")]
            elif is_unsupported(exc):
                produced = [skipped(first_name, f"the endpoint does not support a call this check needs ({exc})")]
            elif isinstance(exc, ClientError | BotoCoreError):
                produced = [failed(first_name, error_text(exc), "your credentials need read access to this resource")]
            else:
                raise
        for result in produced:
            report.results.append(result)
            if on_result:
                on_result(result)
    return report
