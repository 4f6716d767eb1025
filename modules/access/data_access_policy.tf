# What the job does with the role: read the data, write the output, use the key, and manage the network
# interfaces Bedrock puts in the VPC (the five statements of the Bedrock user guide, with this module's subnets
# and security group).
data "aws_iam_policy_document" "data_access" {
  statement {
    sid       = "ReadTrainingAndValidationData"
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = ["${var.bucket_arn}/*"]
  }

  statement {
    sid       = "ListTheDataBucket"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [var.bucket_arn]
  }

  statement {
    sid       = "WriteJobOutputUnderTheOutputPrefixOnly"
    effect    = "Allow"
    actions   = ["s3:PutObject"]
    resources = ["${var.bucket_arn}/${var.output_prefix}/*"]
  }

  # SSE-KMS: reading the data needs Decrypt, writing the output needs GenerateDataKey, both only through S3 or
  # Bedrock (which also encrypts the custom model with the key).
  dynamic "statement" {
    for_each = var.use_kms ? [var.kms_key_arn] : []

    content {
      sid       = "UseTheBucketKeyThroughS3AndBedrockOnly"
      effect    = "Allow"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:CreateGrant"]
      resources = [statement.value]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["s3.${local.region}.${data.aws_partition.current.dns_suffix}", "bedrock.${local.region}.${data.aws_partition.current.dns_suffix}"]
      }
    }
  }

  # 1. Bedrock looks up the VPC, subnets and security groups it was given. Describe calls take no resource.
  statement {
    sid       = "DescribeTheVpcConfiguration"
    effect    = "Allow"
    actions   = ["ec2:DescribeNetworkInterfaces", "ec2:DescribeVpcs", "ec2:DescribeDhcpOptions", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups"]
    resources = ["*"]
  }

  # 2. A network interface may be created only with the two tags that mark it as a customization job's.
  statement {
    sid       = "CreateOnlyTaggedJobNetworkInterfaces"
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
      variable = "aws:RequestTag/BedrockModelCustomizationJobArn"
      values   = [local.job_arns]
    }
  }

  # 3. ... and only in this module's subnets with this module's security group.
  statement {
    sid       = "CreateNetworkInterfacesInTheModuleSubnetsAndSecurityGroupOnly"
    effect    = "Allow"
    actions   = ["ec2:CreateNetworkInterface"]
    resources = concat(var.subnet_arns, var.security_group_arns)
  }

  # 4. Attach and clean up only the job's own interfaces: in these subnets, tagged by Bedrock for a job.
  statement {
    sid       = "ManageOnlyJobNetworkInterfacesInTheModuleSubnets"
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
      variable = "ec2:ResourceTag/BedrockModelCustomizationJobArn"
      values   = [local.job_arns]
    }

    condition {
      test     = "StringEquals"
      variable = "ec2:ResourceTag/BedrockManaged"
      values   = ["true"]
    }
  }

  # 5. Tags may be written only while creating a network interface, and only the two job tags.
  statement {
    sid       = "TagJobNetworkInterfacesAtCreationOnly"
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
      values   = ["BedrockManaged", "BedrockModelCustomizationJobArn"]
    }
  }
}
