"""The Terraform module's policy documents for the sandbox: the module's own statements, with the sandbox's values.

Nothing here restates a statement. Each function renders one of the templates ``scripts/render_module_documents.py``
made from the module's HCL (``bedrock_ft.core.module_documents``): it names the values the HCL reads from variables
and data sources, and turns the sandbox's arguments into the module's switches (``kms_key_arn`` given is
``use_kms = true``, ``s3_endpoint_id`` given is ``vpc_only_access = true``, and so on). A change to the HCL reaches
the sandbox when the templates are rendered again, which tests/sandbox/test_sandbox_matches_module.py demands.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bedrock_ft.core.module_documents import render


def trust_policy(
    *,
    partition: str,
    region: str,
    account_id: str,
    batch_inference: bool = False,
    model_import: bool = False,
    evaluation_jobs: bool = False,
) -> dict[str, Any]:
    """modules/access/trust_policy.tf ``trust``, with the documents its ``source_policy_documents`` merge in when
    batch inference, model import or evaluation jobs are on."""
    return render(
        "trust",
        {"partition": partition, "region": region, "account_id": account_id},
        {
            "batch_inference_enabled": batch_inference,
            "model_import_enabled": model_import,
            "evaluation_jobs_enabled": evaluation_jobs,
        },
    )


def batch_inference_trust_policy(*, partition: str, region: str, account_id: str) -> dict[str, Any]:
    """modules/access/batch_inference.tf ``batch_inference_trust``."""
    return render("batch_inference_trust", {"partition": partition, "region": region, "account_id": account_id})


def model_import_trust_policy(*, partition: str, region: str, account_id: str) -> dict[str, Any]:
    """modules/access/model_import.tf ``model_import_trust``."""
    return render("model_import_trust", {"partition": partition, "region": region, "account_id": account_id})


def evaluation_trust_policy(*, partition: str, region: str, account_id: str) -> dict[str, Any]:
    """modules/access/evaluation.tf ``evaluation_trust``."""
    return render("evaluation_trust", {"partition": partition, "region": region, "account_id": account_id})


def evaluation_policy(
    *,
    partition: str,
    region: str,
    account_id: str,
    dns_suffix: str,
    bucket_arn: str,
    evaluation_prefix: str,
    kms_key_arn: str | None,
) -> dict[str, Any]:
    """modules/access/evaluation.tf ``evaluation``; ``kms_key_arn`` given is ``use_kms = true``."""
    return render(
        "evaluation",
        {
            "partition": partition,
            "region": region,
            "account_id": account_id,
            "dns_suffix": dns_suffix,
            "bucket_arn": bucket_arn,
            "evaluation_prefix": evaluation_prefix,
            "kms_key_arn": kms_key_arn,
        },
        {"use_kms": bool(kms_key_arn)},
    )


def batch_inference_policy(
    *,
    partition: str,
    region: str,
    account_id: str,
    bucket_arn: str,
    batch_inference_input_prefix: str,
    batch_inference_output_prefix: str,
    subnet_arns: Sequence[str],
) -> dict[str, Any]:
    """modules/access/batch_inference.tf ``batch_inference``."""
    return render(
        "batch_inference",
        {
            "partition": partition,
            "region": region,
            "account_id": account_id,
            "bucket_arn": bucket_arn,
            "batch_inference_input_prefix": batch_inference_input_prefix,
            "batch_inference_output_prefix": batch_inference_output_prefix,
            "subnet_arns": list(subnet_arns),
        },
    )


def model_import_policy(
    *,
    partition: str,
    region: str,
    account_id: str,
    bucket_arn: str,
    model_import_prefix: str,
    subnet_arns: Sequence[str],
) -> dict[str, Any]:
    """modules/access/model_import.tf ``model_import``."""
    return render(
        "model_import",
        {
            "partition": partition,
            "region": region,
            "account_id": account_id,
            "bucket_arn": bucket_arn,
            "model_import_prefix": model_import_prefix,
            "subnet_arns": list(subnet_arns),
        },
    )


def rft_grader_policy(*, rft_grader_lambda_arns: Sequence[str]) -> dict[str, Any]:
    """modules/access/rft_grader.tf ``rft_grader``."""
    return render("rft_grader", {"rft_grader_lambda_arns": list(rft_grader_lambda_arns)})


def runtime_endpoint_policy(*, partition: str, region: str, account_id: str) -> dict[str, Any]:
    """modules/network/runtime_endpoint.tf ``runtime_endpoint``."""
    return render("runtime_endpoint", {"partition": partition, "region": region, "account_id": account_id})


def data_access_policy(
    *,
    partition: str,
    region: str,
    account_id: str,
    dns_suffix: str,
    bucket_arn: str,
    output_prefix: str,
    subnet_arns: Sequence[str],
    security_group_arns: Sequence[str],
    kms_key_arn: str | None,
) -> dict[str, Any]:
    """modules/access/data_access_policy.tf ``data_access``; ``kms_key_arn`` given is ``use_kms = true``."""
    return render(
        "data_access",
        {
            "partition": partition,
            "region": region,
            "account_id": account_id,
            "dns_suffix": dns_suffix,
            "bucket_arn": bucket_arn,
            "output_prefix": output_prefix,
            "subnet_arns": list(subnet_arns),
            "security_group_arns": list(security_group_arns),
            "kms_key_arn": kms_key_arn,
        },
        {"use_kms": bool(kms_key_arn)},
    )


def endpoint_policy(*, account_id: str, bucket_arn: str) -> dict[str, Any]:
    """modules/network/endpoints.tf ``s3_endpoint``."""
    return render("s3_endpoint", {"account_id": account_id, "bucket_arn": bucket_arn})


def bucket_policy(*, bucket_arn: str, s3_endpoint_id: str | None = None) -> dict[str, Any]:
    """modules/storage/bucket_policy.tf ``bucket``; ``s3_endpoint_id`` given is ``vpc_only_access = true``."""
    return render(
        "bucket",
        {"bucket_arn": bucket_arn, "s3_endpoint_id": s3_endpoint_id},
        {"vpc_only_access": bool(s3_endpoint_id)},
    )


def kms_key_policy(
    *,
    partition: str,
    region: str,
    account_id: str,
    dns_suffix: str,
    service_role_arn: str,
    flow_log_group_name: str | None = None,
) -> dict[str, Any]:
    """modules/storage/key_policy.tf ``kms_key``; the flow-log statement when ``flow_log_group_name`` is given."""
    return render(
        "kms_key",
        {
            "partition": partition,
            "region": region,
            "account_id": account_id,
            "dns_suffix": dns_suffix,
            "service_role_arn": service_role_arn,
            "flow_log_group_name": flow_log_group_name,
        },
        {"flow_log_group_name": bool(flow_log_group_name)},
    )


def flow_logs_trust_policy(*, partition: str, region: str, account_id: str) -> dict[str, Any]:
    """modules/network/flow_logs.tf ``flow_logs_trust``."""
    return render("flow_logs_trust", {"partition": partition, "region": region, "account_id": account_id})


def flow_logs_write_policy(*, partition: str, region: str, account_id: str, log_group_name: str) -> dict[str, Any]:
    """modules/network/flow_logs.tf ``flow_logs_write``."""
    return render(
        "flow_logs_write",
        {"partition": partition, "region": region, "account_id": account_id, "flow_log_group_name": log_group_name},
    )


def after_training_policy(
    *,
    partition: str,
    region: str,
    account_id: str,
    bucket_arn: str,
    model_lifecycle: bool = False,
    provisioned_throughput_purchase: bool = False,
    batch_inference_input_prefix: str | None = None,
    batch_inference_output_prefix: str | None = None,
    evaluation_prefix: str | None = None,
) -> dict[str, Any]:
    """modules/operator/after_training.tf ``after_training`` (the operator's second managed policy): its dynamic
    statements, each present when its switch is on (batch inference: both prefixes given; evaluation jobs: the
    evaluation prefix given)."""
    batch_inference = batch_inference_input_prefix is not None and batch_inference_output_prefix is not None
    return render(
        "after_training",
        {
            "partition": partition,
            "region": region,
            "account_id": account_id,
            "bucket_arn": bucket_arn,
            "batch_inference_input_prefix": batch_inference_input_prefix,
            "batch_inference_output_prefix": batch_inference_output_prefix,
            "evaluation_prefix": evaluation_prefix,
        },
        {
            "model_lifecycle_enabled": model_lifecycle,
            "provisioned_throughput_purchase_allowed": provisioned_throughput_purchase,
            "batch_inference_enabled": batch_inference,
            "evaluation_jobs_enabled": evaluation_prefix is not None,
        },
    )


def operator_policy(
    *,
    partition: str,
    region: str,
    account_id: str,
    dns_suffix: str,
    service_role_arn: str,
    service_role_policy_arns: Sequence[str],
    bucket_arn: str,
    data_prefix: str,
    output_prefix: str,
    kms_key_arn: str | None,
) -> dict[str, Any]:
    """modules/operator/operator_policy.tf ``operator``; ``kms_key_arn`` given is ``use_kms = true``."""
    return render(
        "operator",
        {
            "partition": partition,
            "region": region,
            "account_id": account_id,
            "dns_suffix": dns_suffix,
            "service_role_arn": service_role_arn,
            "service_role_policy_arns": list(service_role_policy_arns),
            "bucket_arn": bucket_arn,
            "data_prefix": data_prefix,
            "output_prefix": output_prefix,
            "kms_key_arn": kms_key_arn,
        },
        {"use_kms": bool(kms_key_arn)},
    )
