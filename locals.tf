locals {
  # Decided from variables only, so every count and for_each in the submodules is known at plan.
  use_kms = var.create_kms_key || var.kms_key_arn != null

  flow_log_group_name = "/aws/vpc-flow-logs/${var.name}"
}
