# The names below are the contract with the scripts (bedrock_ft.tf_outputs): keep them.

output "region" {
  description = "Region the module is applied in; jobs must run in it."
  value       = data.aws_region.current.region
}

output "account_id" {
  description = "Account the module is applied in."
  value       = data.aws_caller_identity.current.account_id
}

output "vpc_id" {
  description = "ID of the VPC the job runs in."
  value       = module.network.vpc_id
}

output "subnet_ids" {
  description = "IDs of the private subnets, one per zone, in the order of availability_zones (the job's vpcConfig.subnetIds)."
  value       = module.network.subnet_ids
}

output "availability_zones" {
  description = "Zones with a subnet, sorted."
  value       = module.network.availability_zones
}

output "security_group_ids" {
  description = "IDs of the security groups for the job's vpcConfig.securityGroupIds."
  value       = [module.network.security_group_id]
}

output "bucket_name" {
  description = "Name of the data bucket."
  value       = module.storage.bucket_name
}

output "bucket_arn" {
  description = "ARN of the data bucket."
  value       = module.storage.bucket_arn
}

output "role_arn" {
  description = "ARN of the service role Bedrock assumes for the job (the job's roleArn)."
  value       = module.access.role_arn
}

output "kms_key_arn" {
  description = "ARN of the KMS key of the bucket (created or passed in), or null when the bucket uses SSE-S3 only."
  value       = module.storage.kms_key_arn
}

output "s3_endpoint_id" {
  description = "ID of the S3 gateway VPC endpoint."
  value       = module.network.s3_endpoint_id
}

output "operator_policy_arn" {
  description = "ARN of the operator's least-privilege managed policy, or null when create_operator_policy is false."
  value       = one(module.operator[*].operator_policy_arn)
}

output "data_prefix" {
  description = "Key prefix of the datasets in the bucket."
  value       = var.data_prefix
}

output "output_prefix" {
  description = "Key prefix of the job output in the bucket."
  value       = var.output_prefix
}

# ---- The lifecycle around the job ------------------------------------------------------------------------------

output "batch_inference_input_prefix" {
  description = "Key prefix of the batch inference input in the bucket, or null when batch_inference_enabled is false."
  value       = var.batch_inference_enabled ? var.batch_inference_input_prefix : null
}

output "batch_inference_output_prefix" {
  description = "Key prefix of the batch inference output in the bucket, or null when batch_inference_enabled is false."
  value       = var.batch_inference_enabled ? var.batch_inference_output_prefix : null
}

output "batch_inference_input_s3_uri" {
  description = "S3 URI of the batch inference input prefix (the job's inputDataConfig), or null when batch_inference_enabled is false."
  value       = var.batch_inference_enabled ? "s3://${module.storage.bucket_name}/${var.batch_inference_input_prefix}/" : null
}

output "batch_inference_output_s3_uri" {
  description = "S3 URI of the batch inference output prefix (the job's outputDataConfig), or null when batch_inference_enabled is false."
  value       = var.batch_inference_enabled ? "s3://${module.storage.bucket_name}/${var.batch_inference_output_prefix}/" : null
}

output "model_import_prefix" {
  description = "Key prefix of the model files to import in the bucket, or null when model_import_enabled is false."
  value       = var.model_import_enabled ? var.model_import_prefix : null
}

output "model_import_s3_uri" {
  description = "S3 URI of the model import prefix (the import job's modelDataSource), or null when model_import_enabled is false."
  value       = var.model_import_enabled ? "s3://${module.storage.bucket_name}/${var.model_import_prefix}/" : null
}

output "evaluation_prefix" {
  description = "Key prefix of the evaluation jobs' datasets and results in the bucket, or null when evaluation_jobs_enabled is false."
  value       = var.evaluation_jobs_enabled ? var.evaluation_prefix : null
}

output "evaluation_s3_uri" {
  description = "S3 URI of the evaluation prefix (where bedrock-ft evaluate --judge puts the judge's dataset and output), or null when evaluation_jobs_enabled is false."
  value       = var.evaluation_jobs_enabled ? "s3://${module.storage.bucket_name}/${var.evaluation_prefix}/" : null
}

output "runtime_endpoint_id" {
  description = "ID of the bedrock-runtime interface endpoint, or null when runtime_endpoint_enabled is false."
  value       = module.network.runtime_endpoint_id
}

output "runtime_endpoint_dns_names" {
  description = "DNS names of the bedrock-runtime interface endpoint (with private DNS the regional bedrock-runtime name resolves to it inside the VPC); empty when runtime_endpoint_enabled is false."
  value       = module.network.runtime_endpoint_dns_names
}

output "operator_after_training_policy_arn" {
  description = "ARN of the operator's second managed policy, for what bedrock-ft does after training (attach it with operator_policy_arn), or null when it is not created."
  value       = one(module.operator[*].after_training_policy_arn)
}
