output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "availability_zones" {
  description = "The zones with a subnet, sorted."
  value       = local.availability_zones
}

output "subnet_ids" {
  description = "IDs of the private subnets, one per zone, in the order of availability_zones."
  value       = [for zone in local.availability_zones : aws_subnet.private[zone].id]
}

output "subnet_arns" {
  description = "ARNs of the private subnets, in the order of availability_zones."
  value       = [for zone in local.availability_zones : aws_subnet.private[zone].arn]
}

output "route_table_id" {
  description = "ID of the route table associated with every subnet."
  value       = aws_route_table.private.id
}

output "security_group_id" {
  description = "ID of the job's security group."
  value       = aws_security_group.job.id
}

output "security_group_arn" {
  description = "ARN of the job's security group."
  value       = aws_security_group.job.arn
}

output "s3_endpoint_id" {
  description = "ID of the S3 gateway endpoint."
  value       = aws_vpc_endpoint.s3.id
}

output "s3_prefix_list_id" {
  description = "ID of the S3 prefix list the endpoint routes to."
  value       = aws_vpc_endpoint.s3.prefix_list_id
}

output "flow_log_group_name" {
  description = "Name of the flow-log log group, or null when flow logs are off."
  value       = one(aws_cloudwatch_log_group.flow_logs[*].name)
}

output "runtime_endpoint_id" {
  description = "ID of the bedrock-runtime interface endpoint, or null when it is off."
  value       = one(aws_vpc_endpoint.bedrock_runtime[*].id)
}

output "runtime_endpoint_dns_names" {
  description = "DNS names of the bedrock-runtime interface endpoint (with private DNS the regional name resolves to it too); empty when it is off."
  value       = flatten([for endpoint in aws_vpc_endpoint.bedrock_runtime : endpoint.dns_entry[*].dns_name])
}

output "runtime_endpoint_security_group_id" {
  description = "ID of the security group of the bedrock-runtime interface endpoint, or null when it is off."
  value       = one(aws_security_group.runtime_endpoint[*].id)
}
