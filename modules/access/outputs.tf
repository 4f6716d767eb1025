output "role_arn" {
  description = "ARN of the service role Bedrock assumes for customization jobs."
  value       = aws_iam_role.service.arn
}

output "role_name" {
  description = "Name of the service role."
  value       = aws_iam_role.service.name
}

output "data_access_policy_arn" {
  description = "ARN of the managed policy attached to the service role."
  value       = aws_iam_policy.data_access.arn
}
