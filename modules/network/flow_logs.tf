# VPC flow logs (on by default): a record of every connection the job's network interfaces make or refuse.

resource "aws_cloudwatch_log_group" "flow_logs" {
  count = var.flow_logs_enabled ? 1 : 0

  name              = local.flow_log_group_name
  retention_in_days = var.flow_log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags

  lifecycle {
    # Checked on use_kms, a value known at plan, not on the key ARN, which is unknown until the key exists.
    precondition {
      condition     = var.use_kms
      error_message = "flow logs need a KMS key: keep create_kms_key = true, pass kms_key_arn, or set flow_logs_enabled = false."
    }
  }
}

resource "aws_flow_log" "this" {
  count = var.flow_logs_enabled ? 1 : 0

  vpc_id               = aws_vpc.this.id
  traffic_type         = var.flow_log_traffic_type
  log_destination_type = "cloud-watch-logs"
  log_destination      = aws_cloudwatch_log_group.flow_logs[0].arn
  iam_role_arn         = aws_iam_role.flow_logs[0].arn
  tags                 = merge(var.tags, { Name = "${var.name}-vpc" })
}

resource "aws_iam_role" "flow_logs" {
  count = var.flow_logs_enabled ? 1 : 0

  name               = "${var.name}-vpc-flow-logs"
  description        = "Lets VPC Flow Logs write the ${var.name} VPC's flow logs to its log group"
  assume_role_policy = data.aws_iam_policy_document.flow_logs_trust.json
  tags               = var.tags
}

resource "aws_iam_role_policy" "flow_logs" {
  count = var.flow_logs_enabled ? 1 : 0

  name   = "write-flow-logs"
  role   = aws_iam_role.flow_logs[0].id
  policy = data.aws_iam_policy_document.flow_logs_write.json
}

# Only the flow-log service, acting for this account's flow logs, may assume the role (confused-deputy guard).
data "aws_iam_policy_document" "flow_logs_trust" {
  statement {
    sid     = "VpcFlowLogsServiceForThisAccountOnly"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["vpc-flow-logs.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:ec2:${local.region}:${local.account_id}:vpc-flow-log/*"]
    }
  }
}

data "aws_iam_policy_document" "flow_logs_write" {
  statement {
    sid       = "WriteFlowLogStreamsOfThisLogGroupOnly"
    effect    = "Allow"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
    resources = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.flow_log_group_name}:*"]
  }
}
