# The customer managed key of the bucket, the flow logs and (through the scripts) the custom model. Created unless
# the caller brings a key (kms_key_arn) or asks for SSE-S3 only (create_kms_key = false).
resource "aws_kms_key" "this" {
  count = local.create_kms_key ? 1 : 0

  description             = "${var.name}: Bedrock customization data, job output and flow logs"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_key_deletion_window_days
  policy                  = data.aws_iam_policy_document.kms_key[0].json
  tags                    = var.tags
}

resource "aws_kms_alias" "this" {
  count = local.create_kms_key ? 1 : 0

  name          = "alias/${var.name}-bedrock-ft"
  target_key_id = aws_kms_key.this[0].key_id
}
