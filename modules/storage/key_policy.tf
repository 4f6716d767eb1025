# The key policy of the module's key. In a key policy, resources = ["*"] means "this key".
data "aws_iam_policy_document" "kms_key" {
  count = local.create_kms_key ? 1 : 0

  # The standard first statement: the account administers the key, and IAM policies of the account (such as the
  # service role's and the operator's) decide who else may use it. Without it the key becomes unmanageable.
  statement {
    #checkov:skip=CKV_AWS_109:A key policy's resource "*" is this key only, and the account root statement is the one AWS requires so the key stays manageable.
    #checkov:skip=CKV_AWS_111:A key policy's resource "*" is this key only; the account root statement is AWS's default key policy.
    #checkov:skip=CKV_AWS_356:In a key policy the resource "*" means this key and nothing else.
    sid       = "AccountAdministersTheKeyAndEnablesIamPolicies"
    effect    = "Allow"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  # Bedrock and S3, acting for the service role, decrypt the data and encrypt the output and the custom model.
  statement {
    sid       = "ServiceRoleUsesTheKeyThroughBedrockAndS3Only"
    effect    = "Allow"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:CreateGrant"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = [var.service_role_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["bedrock.${local.region}.${local.dns_suffix}", "s3.${local.region}.${local.dns_suffix}"]
    }
  }

  # CloudWatch Logs encrypts the flow-log log group, and only that log group, with this key.
  dynamic "statement" {
    for_each = var.flow_log_group_name == null ? [] : [var.flow_log_group_name]

    content {
      sid       = "CloudWatchLogsEncryptsTheFlowLogGroupOnly"
      effect    = "Allow"
      actions   = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"]
      resources = ["*"]

      principals {
        type        = "Service"
        identifiers = ["logs.${local.region}.${local.dns_suffix}"]
      }

      condition {
        test     = "ArnEquals"
        variable = "kms:EncryptionContext:aws:logs:arn"
        values   = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${statement.value}"]
      }
    }
  }
}
