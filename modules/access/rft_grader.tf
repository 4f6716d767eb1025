# Reinforcement fine-tuning (var.rft_grader_lambda_arns): a REINFORCEMENT_FINE_TUNING customization job calls the
# grader Lambda named in its rftConfig with this role, so the role may invoke the listed functions and nothing else.
data "aws_iam_policy_document" "rft_grader" {
  count = length(var.rft_grader_lambda_arns) > 0 ? 1 : 0

  statement {
    sid       = "InvokeOnlyTheListedRftGraderFunctions"
    effect    = "Allow"
    actions   = ["lambda:InvokeFunction"]
    resources = var.rft_grader_lambda_arns
  }
}

resource "aws_iam_policy" "rft_grader" {
  count = length(var.rft_grader_lambda_arns) > 0 ? 1 : 0

  name        = "${var.name}-bedrock-rft-grader"
  description = "The grader Lambda functions ${var.name}'s Bedrock reinforcement fine-tuning jobs call"
  policy      = data.aws_iam_policy_document.rft_grader[0].json
  tags        = var.tags
}

resource "aws_iam_role_policy_attachment" "rft_grader" {
  count = length(var.rft_grader_lambda_arns) > 0 ? 1 : 0

  role       = aws_iam_role.service.name
  policy_arn = aws_iam_policy.rft_grader[0].arn
}
