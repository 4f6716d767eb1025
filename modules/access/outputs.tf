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

output "policy_arns" {
  description = "ARNs of every managed policy attached to the service role: the data-access policy, then the batch inference, model import, RFT grader and evaluation policies that are on."
  value       = concat([aws_iam_policy.data_access.arn], aws_iam_policy.batch_inference[*].arn, aws_iam_policy.model_import[*].arn, aws_iam_policy.rft_grader[*].arn, aws_iam_policy.evaluation[*].arn)
}
