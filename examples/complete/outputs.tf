# Passed through unchanged, so `terraform output -json` here gives the scripts what they read.

output "region" {
  description = "Region the module is applied in."
  value       = module.bedrock_ft.region
}

output "account_id" {
  description = "Account the module is applied in."
  value       = module.bedrock_ft.account_id
}

output "vpc_id" {
  description = "ID of the VPC the job runs in."
  value       = module.bedrock_ft.vpc_id
}

output "subnet_ids" {
  description = "IDs of the private subnets, one per zone, in zone order."
  value       = module.bedrock_ft.subnet_ids
}

output "availability_zones" {
  description = "Zones with a subnet, sorted."
  value       = module.bedrock_ft.availability_zones
}

output "security_group_ids" {
  description = "IDs of the job's security groups."
  value       = module.bedrock_ft.security_group_ids
}

output "bucket_name" {
  description = "Name of the data bucket."
  value       = module.bedrock_ft.bucket_name
}

output "bucket_arn" {
  description = "ARN of the data bucket."
  value       = module.bedrock_ft.bucket_arn
}

output "role_arn" {
  description = "ARN of the service role Bedrock assumes."
  value       = module.bedrock_ft.role_arn
}

output "kms_key_arn" {
  description = "ARN of the bucket's KMS key, or null with SSE-S3 only."
  value       = module.bedrock_ft.kms_key_arn
}

output "s3_endpoint_id" {
  description = "ID of the S3 gateway endpoint."
  value       = module.bedrock_ft.s3_endpoint_id
}

output "operator_policy_arn" {
  description = "ARN of the operator's least-privilege policy, or null when it is not created."
  value       = module.bedrock_ft.operator_policy_arn
}

output "data_prefix" {
  description = "Key prefix of the datasets in the bucket."
  value       = module.bedrock_ft.data_prefix
}

output "output_prefix" {
  description = "Key prefix of the job output in the bucket."
  value       = module.bedrock_ft.output_prefix
}

output "batch_inference_input_s3_uri" {
  description = "S3 URI of the batch inference input, or null when batch inference is off."
  value       = module.bedrock_ft.batch_inference_input_s3_uri
}

output "batch_inference_output_s3_uri" {
  description = "S3 URI of the batch inference output, or null when batch inference is off."
  value       = module.bedrock_ft.batch_inference_output_s3_uri
}

output "model_import_s3_uri" {
  description = "S3 URI of the model files to import, or null when model import is off."
  value       = module.bedrock_ft.model_import_s3_uri
}

output "evaluation_prefix" {
  description = "Key prefix of the judge's datasets and results (bedrock-ft evaluate --judge reads it), or null when evaluation jobs are off."
  value       = module.bedrock_ft.evaluation_prefix
}

output "evaluation_s3_uri" {
  description = "S3 URI of the evaluation prefix, or null when evaluation jobs are off."
  value       = module.bedrock_ft.evaluation_s3_uri
}

output "runtime_endpoint_id" {
  description = "ID of the bedrock-runtime interface endpoint, or null when it is off."
  value       = module.bedrock_ft.runtime_endpoint_id
}

output "runtime_endpoint_dns_names" {
  description = "DNS names of the bedrock-runtime interface endpoint; empty when it is off."
  value       = module.bedrock_ft.runtime_endpoint_dns_names
}

output "operator_after_training_policy_arn" {
  description = "ARN of the operator's after-training policy (attach it with operator_policy_arn), or null when it is not created."
  value       = module.bedrock_ft.operator_after_training_policy_arn
}
