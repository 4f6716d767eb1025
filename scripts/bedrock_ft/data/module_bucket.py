"""Where generate puts a dataset for the Terraform module: the one place its outputs meet generate's settings."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from bedrock_ft.core.tf_outputs import TerraformOutputs

if TYPE_CHECKING:  # generate's settings are only passed through here
    from bedrock_ft.data.generate import GenerateSettings


def settings_in_module_bucket(settings: GenerateSettings, outputs: TerraformOutputs) -> GenerateSettings:
    """Generate's ``settings`` with the data placed where the module expects it: the bucket and its owner from the
    Terraform outputs where the settings name none, and the outputs' data prefix. The one place outputs meet
    generate's settings."""
    owner = outputs.get("account_id")
    return replace(
        settings,
        bucket=settings.bucket or outputs.get("bucket_name"),
        bucket_owner=settings.bucket_owner or (str(owner) if owner else None),
        data_prefix=outputs.data_prefix,
    )
