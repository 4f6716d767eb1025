# Model import inside the VPC (var.model_import_enabled): Bedrock assumes the same role for the account's model
# import jobs (CreateModelImportJob with a vpcConfig), reads the model files under one prefix, and manages the network
# interfaces it puts in the module's subnets for them.

locals {
  # Every model import job of this account and region.
  model_import_job_arns = "arn:${local.partition}:bedrock:${local.region}:${local.account_id}:model-import-job/*"
}

# Merged into the role's trust policy (trust_policy.tf, source_policy_documents).
data "aws_iam_policy_document" "model_import_trust" {
  count = var.model_import_enabled ? 1 : 0

  statement {
    sid     = "BedrockModelImportJobsOfThisAccountAndRegionOnly"
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
      values   = [local.model_import_job_arns]
    }
  }
}

data "aws_iam_policy_document" "model_import" {
  count = var.model_import_enabled ? 1 : 0

  statement {
    sid       = "ReadModelImportFilesUnderItsPrefix"
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = ["${var.bucket_arn}/${var.model_import_prefix}/*"]
  }

  # The job's network interfaces, as for customization jobs (data_access_policy.tf), tagged with the import job's ARN.
  statement {
    sid       = "CreateOnlyTaggedModelImportNetworkInterfaces"
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
      variable = "aws:RequestTag/BedrockModelImportJobArn"
      values   = [local.model_import_job_arns]
    }
  }

  statement {
    sid       = "ManageOnlyModelImportNetworkInterfacesInTheModuleSubnets"
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
      variable = "ec2:ResourceTag/BedrockModelImportJobArn"
      values   = [local.model_import_job_arns]
    }

    condition {
      test     = "StringEquals"
      variable = "ec2:ResourceTag/BedrockManaged"
      values   = ["true"]
    }
  }

  statement {
    sid       = "TagModelImportNetworkInterfacesAtCreationOnly"
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
      values   = ["BedrockManaged", "BedrockModelImportJobArn"]
    }
  }
}

resource "aws_iam_policy" "model_import" {
  count = var.model_import_enabled ? 1 : 0

  name        = "${var.name}-bedrock-model-import"
  description = "Model files prefix and VPC network interfaces of ${var.name}'s Bedrock model import jobs"
  policy      = data.aws_iam_policy_document.model_import[0].json
  tags        = var.tags
}

resource "aws_iam_role_policy_attachment" "model_import" {
  count = var.model_import_enabled ? 1 : 0

  role       = aws_iam_role.service.name
  policy_arn = aws_iam_policy.model_import[0].arn
}
