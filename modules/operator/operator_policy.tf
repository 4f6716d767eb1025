# The least privilege the person or CI role running bedrock-ft needs: submit, follow and stop customization jobs,
# hand the service role to Bedrock, upload datasets and read results, and the read-only calls preflight makes.
resource "aws_iam_policy" "operator" {
  name        = "${var.name}-bedrock-ft-operator"
  description = "What the operator running bedrock-ft needs for ${var.name}'s Bedrock customization jobs"
  policy      = data.aws_iam_policy_document.operator.json
  tags        = var.tags
}

data "aws_iam_policy_document" "operator" {
  statement {
    sid       = "SubmitCustomizationJobsInThisAccountAndRegion"
    effect    = "Allow"
    actions   = ["bedrock:CreateModelCustomizationJob"]
    resources = [local.job_arns, local.custom_model_arns, local.foundation_model_arns]
  }

  statement {
    sid       = "FollowAndStopCustomizationJobs"
    effect    = "Allow"
    actions   = ["bedrock:GetModelCustomizationJob", "bedrock:StopModelCustomizationJob"]
    resources = [local.job_arns]
  }

  statement {
    sid       = "TagJobsAndCustomModelsAtSubmissionAndReadTheirTags"
    effect    = "Allow"
    actions   = ["bedrock:TagResource", "bedrock:ListTagsForResource"]
    resources = [local.job_arns, local.custom_model_arns]
  }

  statement {
    sid       = "ReadTheCustomModelsJobsProduce"
    effect    = "Allow"
    actions   = ["bedrock:GetCustomModel"]
    resources = [local.custom_model_arns]
  }

  statement {
    sid       = "ReadBaseFoundationModelsOfThisRegion"
    effect    = "Allow"
    actions   = ["bedrock:GetFoundationModel"]
    resources = [local.foundation_model_arns]
  }

  # List calls support no resource-level permissions, so "*" is the only resource IAM accepts for them.
  statement {
    sid       = "ListCallsTakeNoResourceLevelPermissions"
    effect    = "Allow"
    actions   = ["bedrock:ListModelCustomizationJobs", "bedrock:ListCustomModels", "bedrock:ListFoundationModels"]
    resources = ["*"]
  }

  statement {
    sid       = "PassTheServiceRoleToBedrockOnly"
    effect    = "Allow"
    actions   = ["iam:PassRole"]
    resources = [var.service_role_arn]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = [local.bedrock_principal]
    }
  }

  statement {
    sid       = "PreflightReadsTheServiceRoleAndItsInlinePolicies"
    effect    = "Allow"
    actions   = ["iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies"]
    resources = [var.service_role_arn]
  }

  # Preflight asks IAM whether the role may do what a job needs, where the account allows simulation.
  statement {
    sid       = "PreflightSimulatesWhatTheServiceRoleMayDo"
    effect    = "Allow"
    actions   = ["iam:SimulatePrincipalPolicy"]
    resources = [var.service_role_arn]
  }

  statement {
    sid       = "PreflightReadsTheServiceRoleManagedPolicies"
    effect    = "Allow"
    actions   = ["iam:GetPolicy", "iam:GetPolicyVersion"]
    resources = var.service_role_policy_arns
  }

  statement {
    sid       = "UploadDatasetsUnderTheDataPrefixOnly"
    effect    = "Allow"
    actions   = ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"]
    resources = [local.data_object_arns]
  }

  statement {
    sid       = "ReadJobOutputUnderTheOutputPrefix"
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = [local.output_object_arns]
  }

  statement {
    sid       = "ListAndLocateTheDataBucket"
    effect    = "Allow"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"]
    resources = [var.bucket_arn]
  }

  # Preflight checks the subnets, security group rules, endpoint and routes. EC2 Describe calls support no
  # resource-level permissions, so "*" is the only resource IAM accepts for them.
  statement {
    sid       = "PreflightDescribesTheNetworkDescribeCallsTakeNoResource"
    effect    = "Allow"
    actions   = ["ec2:DescribeSubnets", "ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules", "ec2:DescribeVpcEndpoints", "ec2:DescribeRouteTables", "ec2:DescribeAvailabilityZones", "ec2:DescribeVpcs"]
    resources = ["*"]
  }

  # SSE-KMS: uploads need GenerateDataKey and downloads Decrypt, both only through S3.
  dynamic "statement" {
    for_each = var.use_kms ? [var.kms_key_arn] : []

    content {
      sid       = "EncryptUploadsAndDecryptDownloadsThroughS3Only"
      effect    = "Allow"
      actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
      resources = [statement.value]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = [local.s3_via_service]
      }
    }
  }

  # A job submitted with the key as customModelKmsKeyId: Bedrock checks the key and takes a grant on it for
  # the caller, and only through Bedrock.
  dynamic "statement" {
    for_each = var.use_kms ? [var.kms_key_arn] : []

    content {
      sid       = "EncryptTheCustomModelWithTheKeyThroughBedrockOnly"
      effect    = "Allow"
      actions   = ["kms:DescribeKey", "kms:GenerateDataKey", "kms:Decrypt", "kms:CreateGrant"]
      resources = [statement.value]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = [local.bedrock_via_service]
      }
    }
  }

  # Preflight reads the key's state and its key policy (does it let the service role in?) directly.
  dynamic "statement" {
    for_each = var.use_kms ? [var.kms_key_arn] : []

    content {
      sid       = "PreflightReadsTheBucketKeyAndItsPolicy"
      effect    = "Allow"
      actions   = ["kms:DescribeKey", "kms:GetKeyPolicy"]
      resources = [statement.value]
    }
  }
}
