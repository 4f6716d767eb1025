# Batch inference inside the VPC (var.batch_inference_enabled): Bedrock assumes the same role for the account's
# batch inference jobs (CreateModelInvocationJob with a vpcConfig), reads their input under one prefix, writes their
# output under another, and manages the network interfaces it puts in the module's subnets for them.

locals {
  # Every batch inference job of this account and region.
  batch_inference_job_arns = "arn:${local.partition}:bedrock:${local.region}:${local.account_id}:model-invocation-job/*"
}

# Merged into the role's trust policy (trust_policy.tf, source_policy_documents).
data "aws_iam_policy_document" "batch_inference_trust" {
  count = var.batch_inference_enabled ? 1 : 0

  statement {
    sid     = "BedrockBatchInferenceJobsOfThisAccountAndRegionOnly"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["bedrock.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = [local.batch_inference_job_arns]
    }
  }
}

data "aws_iam_policy_document" "batch_inference" {
  count = var.batch_inference_enabled ? 1 : 0

  statement {
    sid       = "ReadBatchInferenceInputUnderItsPrefix"
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = ["${var.bucket_arn}/${var.batch_inference_input_prefix}/*"]
  }

  statement {
    sid       = "WriteBatchInferenceOutputUnderItsPrefixOnly"
    effect    = "Allow"
    actions   = ["s3:PutObject"]
    resources = ["${var.bucket_arn}/${var.batch_inference_output_prefix}/*"]
  }

  # The job's network interfaces, as for customization jobs (data_access_policy.tf), tagged with the batch job's ARN.
  statement {
    sid       = "CreateOnlyTaggedBatchInferenceNetworkInterfaces"
    effect    = "Allow"
    actions   = ["ec2:CreateNetworkInterface"]
    resources = [local.network_interface_arns]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/BedrockManaged"
      values   = ["true"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:RequestTag/BedrockModelInvocationJobArn"
      values   = [local.batch_inference_job_arns]
    }
  }

  statement {
    sid       = "ManageOnlyBatchInferenceNetworkInterfacesInTheModuleSubnets"
    effect    = "Allow"
    actions   = ["ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface", "ec2:DeleteNetworkInterfacePermission"]
    resources = ["*"]

    condition {
      test     = "ArnEquals"
      variable = "ec2:Subnet"
      values   = var.subnet_arns
    }

    condition {
      test     = "ArnEquals"
      variable = "ec2:ResourceTag/BedrockModelInvocationJobArn"
      values   = [local.batch_inference_job_arns]
    }

    condition {
      test     = "StringEquals"
      variable = "ec2:ResourceTag/BedrockManaged"
      values   = ["true"]
    }
  }

  statement {
    sid       = "TagBatchInferenceNetworkInterfacesAtCreationOnly"
    effect    = "Allow"
    actions   = ["ec2:CreateTags"]
    resources = [local.network_interface_arns]

    condition {
      test     = "StringEquals"
      variable = "ec2:CreateAction"
      values   = ["CreateNetworkInterface"]
    }

    condition {
      test     = "ForAllValues:StringEquals"
      variable = "aws:TagKeys"
      values   = ["BedrockManaged", "BedrockModelInvocationJobArn"]
    }
  }
}

resource "aws_iam_policy" "batch_inference" {
  count = var.batch_inference_enabled ? 1 : 0

  name        = "${var.name}-bedrock-batch-inference"
  description = "Input and output prefixes and VPC network interfaces of ${var.name}'s Bedrock batch inference jobs"
  policy      = data.aws_iam_policy_document.batch_inference[0].json
  tags        = var.tags

  lifecycle {
    # The role writes batch output: it must never land among the datasets or the batch input it reads.
    precondition {
      condition = !anytrue([
        for other in [var.data_prefix, var.batch_inference_input_prefix] :
        other == var.batch_inference_output_prefix || startswith("${other}/", "${var.batch_inference_output_prefix}/") || startswith("${var.batch_inference_output_prefix}/", "${other}/")
      ])
      error_message = "batch_inference_output_prefix must not be, contain or lie inside data_prefix or batch_inference_input_prefix: the service role writes there."
    }
  }
}

resource "aws_iam_role_policy_attachment" "batch_inference" {
  count = var.batch_inference_enabled ? 1 : 0

  role       = aws_iam_role.service.name
  policy_arn = aws_iam_policy.batch_inference[0].arn
}
