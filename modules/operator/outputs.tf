output "operator_policy_arn" {
  description = "ARN of the operator's managed policy: attach it to the user or CI role that runs bedrock-ft."
  value       = aws_iam_policy.operator.arn
}

output "operator_policy_name" {
  description = "Name of the operator's managed policy."
  value       = aws_iam_policy.operator.name
}
