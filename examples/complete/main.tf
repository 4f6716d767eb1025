# The module as a user applies it: pick the region in the provider, name the setup, keep the defaults.

provider "aws" {
  region = var.region

  # Tags on every resource of this configuration; the module also puts var.tags on everything it creates.
  default_tags {
    tags = var.default_tags
  }
}

module "bedrock_ft" {
  source = "../.."

  name                   = var.name
  vpc_cidr               = var.vpc_cidr
  availability_zones     = var.availability_zones
  flow_logs_enabled      = true
  vpc_only_bucket_access = false
  force_destroy          = false
  create_operator_policy = true
  tags                   = var.tags

  # The lifecycle around the job, each off (or empty) by default: see the README's "After training" section.
  batch_inference_enabled                          = var.batch_inference_enabled
  model_import_enabled                             = var.model_import_enabled
  evaluation_jobs_enabled                          = var.evaluation_jobs_enabled
  rft_grader_lambda_arns                           = var.rft_grader_lambda_arns
  runtime_endpoint_enabled                         = var.runtime_endpoint_enabled
  operator_model_lifecycle_enabled                 = var.operator_model_lifecycle_enabled
  operator_provisioned_throughput_purchase_allowed = false # IAM cannot keep a commitment out once this is true
}
