locals {
  region     = data.aws_region.current.region
  partition  = data.aws_partition.current.partition
  dns_suffix = data.aws_partition.current.dns_suffix
  account_id = data.aws_caller_identity.current.account_id

  bucket_name = coalesce(var.bucket_name, "${var.name}-${local.account_id}-${local.region}")

  # Decided from variables only, so every count and for_each below is known at plan.
  create_kms_key = var.create_kms_key && var.kms_key_arn == null
  use_kms        = local.create_kms_key || var.kms_key_arn != null
  kms_key_arn    = local.create_kms_key ? aws_kms_key.this[0].arn : var.kms_key_arn
}
