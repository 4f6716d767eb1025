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
