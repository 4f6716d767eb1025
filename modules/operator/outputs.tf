output "operator_policy_arn" {
  description = "ARN of the operator's managed policy: attach it to the user or CI role that runs bedrock-ft."
  value       = aws_iam_policy.operator.arn
}

output "operator_policy_name" {
  description = "Name of the operator's managed policy."
  value       = aws_iam_policy.operator.name
}

output "after_training_policy_arn" {
  description = "ARN of the operator's after-training managed policy (attach it with operator_policy_arn), or null when every after-training switch is off."
  value       = one(aws_iam_policy.after_training[*].arn)
}
