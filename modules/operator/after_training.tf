# What bedrock-ft does after a job has trained a model, when one of the switches is on: serve the custom model (an
# on-demand deployment, or provisioned throughput when var.provisioned_throughput_purchase_allowed), call it, clean
# up, and run batch inference and model evaluation jobs with the service role. A second managed policy, because the
# operator policy and these statements together pass IAM's 6,144-character limit for a managed policy: attach both.

locals {
  deployment_arns          = "arn:${local.partition}:bedrock:${local.region}:${local.account_id}:custom-model-deployment/*"
  provisioned_model_arns   = "arn:${local.partition}:bedrock:${local.region}:${local.account_id}:provisioned-model/*"
  batch_inference_job_arns = "arn:${local.partition}:bedrock:${local.region}:${local.account_id}:model-invocation-job/*"
  evaluation_job_arns      = "arn:${local.partition}:bedrock:${local.region}:${local.account_id}:evaluation-job/*"
  inference_profile_arns   = "arn:${local.partition}:bedrock:${local.region}:${local.account_id}:inference-profile/*"

  after_training = var.model_lifecycle_enabled || var.provisioned_throughput_purchase_allowed || var.batch_inference_enabled || var.evaluation_jobs_enabled
}

data "aws_iam_policy_document" "after_training" {
  count = local.after_training ? 1 : 0

  dynamic "statement" {
    for_each = var.model_lifecycle_enabled ? [local.deployment_arns] : []

    content {
      sid       = "DeployTheAccountsCustomModelsOnDemand"
      effect    = "Allow"
      actions   = ["bedrock:CreateCustomModelDeployment"]
      resources = [local.custom_model_arns, local.deployment_arns]
    }
  }

  dynamic "statement" {
    for_each = var.model_lifecycle_enabled ? [local.deployment_arns] : []

    content {
      sid       = "FollowAndDeleteOnDemandDeployments"
      effect    = "Allow"
      actions   = ["bedrock:GetCustomModelDeployment", "bedrock:DeleteCustomModelDeployment"]
      resources = [local.deployment_arns]
    }
  }

  dynamic "statement" {
    for_each = var.model_lifecycle_enabled ? [local.provisioned_model_arns] : []

    content {
      sid       = "FollowProvisionedThroughput"
      effect    = "Allow"
      actions   = ["bedrock:GetProvisionedModelThroughput"]
      resources = [local.provisioned_model_arns]
    }
  }

  # Billing runs until the throughput is deleted; only what bedrock-ft created may be deleted: it tags what it creates
  # created-by = bedrock-ft (bedrock_ft.CREATED_BY_TAG_KEY, jobTags and customModelTags at submission).
  dynamic "statement" {
    for_each = var.model_lifecycle_enabled ? [local.provisioned_model_arns] : []

    content {
      sid       = "DeleteOnlyProvisionedThroughputBedrockFtCreated"
      effect    = "Allow"
      actions   = ["bedrock:DeleteProvisionedModelThroughput"]
      resources = [local.provisioned_model_arns]

      condition {
        test     = "StringEquals"
        variable = "aws:ResourceTag/created-by"
        values   = ["bedrock-ft"]
      }
    }
  }

  dynamic "statement" {
    for_each = var.model_lifecycle_enabled ? [local.deployment_arns] : []

    content {
      sid       = "TagDeploymentsAndProvisionedThroughputAtCreation"
      effect    = "Allow"
      actions   = ["bedrock:TagResource", "bedrock:ListTagsForResource"]
      resources = [local.deployment_arns, local.provisioned_model_arns]
    }
  }

  # Converse and ConverseStream are authorised as InvokeModel and InvokeModelWithResponseStream.
  dynamic "statement" {
    for_each = var.model_lifecycle_enabled ? [local.deployment_arns] : []

    content {
      sid       = "InvokeTheAccountsCustomModels"
      effect    = "Allow"
      actions   = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
      resources = [local.deployment_arns, local.provisioned_model_arns, local.custom_model_arns]
    }
  }

  # Custom model storage bills monthly until deleted; only the models bedrock-ft's jobs produced (created-by tag).
  dynamic "statement" {
    for_each = var.model_lifecycle_enabled ? [local.custom_model_arns] : []

    content {
      sid       = "DeleteOnlyCustomModelsBedrockFtCreated"
      effect    = "Allow"
      actions   = ["bedrock:DeleteCustomModel"]
      resources = [local.custom_model_arns]

      condition {
        test     = "StringEquals"
        variable = "aws:ResourceTag/created-by"
        values   = ["bedrock-ft"]
      }
    }
  }

  # List calls support no resource-level permissions, so "*" is the only resource IAM accepts for them.
  dynamic "statement" {
    for_each = var.model_lifecycle_enabled ? ["*"] : []

    content {
      sid       = "ListDeploymentsAndProvisionedThroughputTakeNoResource"
      effect    = "Allow"
      actions   = ["bedrock:ListCustomModelDeployments", "bedrock:ListProvisionedModelThroughputs"]
      resources = ["*"]
    }
  }

  # No condition key carries commitmentDuration, so IAM cannot keep a commitment out of this action: it is granted
  # only when the caller allows a purchase (bedrock-ft itself never sends a commitmentDuration).
  dynamic "statement" {
    for_each = var.provisioned_throughput_purchase_allowed ? [local.provisioned_model_arns] : []

    content {
      sid       = "PurchaseProvisionedThroughputForTheAccountsCustomModels"
      effect    = "Allow"
      actions   = ["bedrock:CreateProvisionedModelThroughput"]
      resources = [local.custom_model_arns, local.foundation_model_arns]
    }
  }

  # Batch inference jobs run with the service role, which PassTheServiceRoleToBedrockOnly lets the operator pass.
  dynamic "statement" {
    for_each = var.batch_inference_enabled ? [local.batch_inference_job_arns] : []

    content {
      sid       = "SubmitBatchInferenceJobsInThisAccountAndRegion"
      effect    = "Allow"
      actions   = ["bedrock:CreateModelInvocationJob"]
      resources = [local.batch_inference_job_arns, local.custom_model_arns, local.foundation_model_arns]
    }
  }

  dynamic "statement" {
    for_each = var.batch_inference_enabled ? [local.batch_inference_job_arns] : []

    content {
      sid       = "FollowStopAndTagBatchInferenceJobs"
      effect    = "Allow"
      actions   = ["bedrock:GetModelInvocationJob", "bedrock:StopModelInvocationJob", "bedrock:TagResource", "bedrock:ListTagsForResource"]
      resources = [local.batch_inference_job_arns]
    }
  }

  dynamic "statement" {
    for_each = var.batch_inference_enabled ? ["*"] : []

    content {
      sid       = "ListBatchInferenceJobsTakesNoResource"
      effect    = "Allow"
      actions   = ["bedrock:ListModelInvocationJobs"]
      resources = ["*"]
    }
  }

  dynamic "statement" {
    for_each = var.batch_inference_enabled ? [var.batch_inference_input_prefix] : []

    content {
      sid       = "UploadBatchInferenceInputUnderItsPrefixOnly"
      effect    = "Allow"
      actions   = ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"]
      resources = ["${var.bucket_arn}/${var.batch_inference_input_prefix}/*"]
    }
  }

  dynamic "statement" {
    for_each = var.batch_inference_enabled ? [var.batch_inference_output_prefix] : []

    content {
      sid       = "ReadBatchInferenceOutputUnderItsPrefix"
      effect    = "Allow"
      actions   = ["s3:GetObject"]
      resources = ["${var.bucket_arn}/${var.batch_inference_output_prefix}/*"]
    }
  }

  # Evaluation jobs (evaluate --judge) run with the service role, which PassTheServiceRoleToBedrockOnly lets the
  # operator pass; the judge is one of this region's foundation models or this account's inference profiles (the
  # Service Authorization Reference lists custom-model and foundation-model as the action's resource types).
  dynamic "statement" {
    for_each = var.evaluation_jobs_enabled ? [local.evaluation_job_arns] : []

    content {
      sid       = "SubmitEvaluationJobsInThisAccountAndRegion"
      effect    = "Allow"
      actions   = ["bedrock:CreateEvaluationJob"]
      resources = [local.evaluation_job_arns, local.custom_model_arns, local.foundation_model_arns, local.inference_profile_arns]
    }
  }

  dynamic "statement" {
    for_each = var.evaluation_jobs_enabled ? [local.evaluation_job_arns] : []

    content {
      sid       = "FollowStopAndTagEvaluationJobs"
      effect    = "Allow"
      actions   = ["bedrock:GetEvaluationJob", "bedrock:StopEvaluationJob", "bedrock:TagResource", "bedrock:ListTagsForResource"]
      resources = [local.evaluation_job_arns]
    }
  }

  dynamic "statement" {
    for_each = var.evaluation_jobs_enabled ? ["*"] : []

    content {
      sid       = "ListEvaluationJobsTakesNoResource"
      effect    = "Allow"
      actions   = ["bedrock:ListEvaluationJobs"]
      resources = ["*"]
    }
  }

  # The judge's dataset goes up and its results come back under the same prefix.
  dynamic "statement" {
    for_each = var.evaluation_jobs_enabled ? [var.evaluation_prefix] : []

    content {
      sid       = "UploadJudgeDatasetsAndReadResultsUnderTheEvaluationPrefixOnly"
      effect    = "Allow"
      actions   = ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"]
      resources = ["${var.bucket_arn}/${var.evaluation_prefix}/*"]
    }
  }
}

resource "aws_iam_policy" "after_training" {
  count = local.after_training ? 1 : 0

  name        = "${var.name}-bedrock-ft-operator-after-training"
  description = "What the operator running bedrock-ft needs after training: serve, invoke and clean up ${var.name}'s custom models"
  policy      = data.aws_iam_policy_document.after_training[0].json
  tags        = var.tags
}
