# The service role Bedrock assumes to run a customization job in the VPC: read the data, write the output, and
# create and clean up the job's network interfaces.
resource "aws_iam_role" "service" {
  name                 = "${var.name}-bedrock-customization"
  description          = "Assumed by Amazon Bedrock to run ${var.name}'s model customization jobs in its VPC"
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  max_session_duration = 3600
  tags                 = var.tags
}

resource "aws_iam_policy" "data_access" {
  name        = "${var.name}-bedrock-customization-data-access"
  description = "The data bucket, its KMS key and the VPC network interfaces of ${var.name}'s Bedrock customization jobs"
  policy      = data.aws_iam_policy_document.data_access.json
  tags        = var.tags
}

resource "aws_iam_role_policy_attachment" "data_access" {
  role       = aws_iam_role.service.name
  policy_arn = aws_iam_policy.data_access.arn
}
