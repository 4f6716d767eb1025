# A VPC-attached Amazon Bedrock model customization setup: a private network with no internet route, the data
# bucket and its key, the service role Bedrock assumes, and the operator's least-privilege policy.

module "network" {
  source = "./modules/network"

  name                    = var.name
  vpc_cidr                = var.vpc_cidr
  subnet_newbits          = var.subnet_newbits
  availability_zones      = var.availability_zones
  subnet_numbers          = var.subnet_numbers
  bucket_arn              = module.storage.bucket_arn
  flow_logs_enabled       = var.flow_logs_enabled
  flow_log_group_name     = local.flow_log_group_name
  flow_log_retention_days = var.flow_log_retention_days
  flow_log_traffic_type   = var.flow_log_traffic_type
  use_kms                 = local.use_kms
  kms_key_arn             = module.storage.kms_key_arn
  tags                    = var.tags

  runtime_endpoint_enabled = var.runtime_endpoint_enabled
}

module "storage" {
  source = "./modules/storage"

  name                                   = var.name
  bucket_name                            = var.bucket_name
  force_destroy                          = var.force_destroy
  create_kms_key                         = var.create_kms_key
  kms_key_arn                            = var.kms_key_arn
  kms_key_deletion_window_days           = var.kms_key_deletion_window_days
  service_role_arn                       = module.access.role_arn
  flow_log_group_name                    = var.flow_logs_enabled ? local.flow_log_group_name : null
  vpc_only_access                        = var.vpc_only_bucket_access
  s3_endpoint_id                         = module.network.s3_endpoint_id
  noncurrent_version_expiration_days     = var.noncurrent_version_expiration_days
  abort_incomplete_multipart_upload_days = var.abort_incomplete_multipart_upload_days
  access_log_bucket                      = var.access_log_bucket
  tags                                   = var.tags
}

module "access" {
  source = "./modules/access"

  name                = var.name
  bucket_arn          = module.storage.bucket_arn
  output_prefix       = var.output_prefix
  use_kms             = local.use_kms
  kms_key_arn         = module.storage.kms_key_arn
  subnet_arns         = module.network.subnet_arns
  security_group_arns = [module.network.security_group_arn]
  tags                = var.tags

  data_prefix                   = var.data_prefix
  batch_inference_enabled       = var.batch_inference_enabled
  batch_inference_input_prefix  = var.batch_inference_input_prefix
  batch_inference_output_prefix = var.batch_inference_output_prefix
  model_import_enabled          = var.model_import_enabled
  model_import_prefix           = var.model_import_prefix
  evaluation_jobs_enabled       = var.evaluation_jobs_enabled
  evaluation_prefix             = var.evaluation_prefix
  vpc_only_bucket_access        = var.vpc_only_bucket_access
  rft_grader_lambda_arns        = var.rft_grader_lambda_arns
}

module "operator" {
  source = "./modules/operator"
  count  = var.create_operator_policy ? 1 : 0

  name                     = var.name
  service_role_arn         = module.access.role_arn
  service_role_policy_arns = module.access.policy_arns
  bucket_arn               = module.storage.bucket_arn
  data_prefix              = var.data_prefix
  output_prefix            = var.output_prefix
  use_kms                  = local.use_kms
  kms_key_arn              = module.storage.kms_key_arn
  tags                     = var.tags

  model_lifecycle_enabled                 = var.operator_model_lifecycle_enabled
  provisioned_throughput_purchase_allowed = var.operator_provisioned_throughput_purchase_allowed
  batch_inference_enabled                 = var.batch_inference_enabled
  batch_inference_input_prefix            = var.batch_inference_input_prefix
  batch_inference_output_prefix           = var.batch_inference_output_prefix
  evaluation_jobs_enabled                 = var.evaluation_jobs_enabled
  evaluation_prefix                       = var.evaluation_prefix
}
