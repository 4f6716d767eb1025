locals {
  region     = data.aws_region.current.region
  partition  = data.aws_partition.current.partition
  dns_suffix = data.aws_partition.current.dns_suffix
  account_id = data.aws_caller_identity.current.account_id

  job_arns              = "arn:${local.partition}:bedrock:${local.region}:${local.account_id}:model-customization-job/*"
  custom_model_arns     = "arn:${local.partition}:bedrock:${local.region}:${local.account_id}:custom-model/*"
  foundation_model_arns = "arn:${local.partition}:bedrock:${local.region}::foundation-model/*"
  data_object_arns      = "${var.bucket_arn}/${var.data_prefix}/*"
  output_object_arns    = "${var.bucket_arn}/${var.output_prefix}/*"
  s3_via_service        = "s3.${local.region}.${local.dns_suffix}"
  bedrock_via_service   = "bedrock.${local.region}.${local.dns_suffix}"
  bedrock_principal     = "bedrock.amazonaws.com"
}
