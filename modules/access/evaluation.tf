# LLM-as-a-judge evaluation jobs (var.evaluation_jobs_enabled): Bedrock assumes the same role for the account's model
# evaluation jobs (CreateEvaluationJob on a precomputed inference source, as `bedrock-ft evaluate --judge` submits),
# reads the judge's dataset and writes its results under one prefix, and invokes the judge (evaluator) model. Such a
# job runs outside the VPC (CreateEvaluationJob takes no vpcConfig), so there are no network interfaces to manage.

locals {
  # Every model evaluation job of this account and region.
  evaluation_job_arns = "arn:${local.partition}:bedrock:${local.region}:${local.account_id}:evaluation-job/*"

  # The judge models the role may invoke: this region's foundation models, and this account's inference profiles in
  # this region. A cross-region (system-defined) inference profile such as us.anthropic... routes each call to a
  # foundation model in another region of its geography: a judge given that way would also need bedrock:InvokeModel on
  # arn:<partition>:bedrock:<each destination region>::foundation-model/<model id>, which this policy leaves out, so
  # only judges served in this region work (give the judge as a foundation model ID of this region).
  judge_foundation_model_arns  = "arn:${local.partition}:bedrock:${local.region}::foundation-model/*"
  judge_inference_profile_arns = "arn:${local.partition}:bedrock:${local.region}:${local.account_id}:inference-profile/*"

  evaluation_object_arns = "${var.bucket_arn}/${var.evaluation_prefix}/*"
}

# Merged into the role's trust policy (trust_policy.tf, source_policy_documents).
data "aws_iam_policy_document" "evaluation_trust" {
  count = var.evaluation_jobs_enabled ? 1 : 0

  statement {
    sid     = "BedrockEvaluationJobsOfThisAccountAndRegionOnly"
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
      values   = [local.evaluation_job_arns]
    }
  }
}

# What a judge job on a precomputed inference source needs (the Bedrock user guide, "Required service role permissions
# for creating a model evaluation job that uses a judge model"), narrowed to the evaluation prefix and the judges of
# this region. The guide's example also grants bedrock:CreateModelInvocationJob and StopModelInvocationJob: those run
# the evaluated model, which a precomputed source does not have, so they are left out.
data "aws_iam_policy_document" "evaluation" {
  count = var.evaluation_jobs_enabled ? 1 : 0

  statement {
    sid       = "ReadTheJudgeDatasetAndResultsUnderTheEvaluationPrefix"
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = [local.evaluation_object_arns]
  }

  statement {
    sid       = "WriteJudgeResultsUnderTheEvaluationPrefixOnly"
    effect    = "Allow"
    actions   = ["s3:PutObject", "s3:AbortMultipartUpload"]
    resources = [local.evaluation_object_arns]
  }

  # The job lists its output location before writing; only keys under the evaluation prefix.
  statement {
    sid       = "ListOnlyTheEvaluationPrefixOfTheBucket"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [var.bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = [var.evaluation_prefix, "${var.evaluation_prefix}/*"]
    }
  }

  # The judge scores each record through InvokeModel (Converse is authorised as InvokeModel).
  statement {
    sid       = "InvokeTheJudgeModelsOfThisRegionOnly"
    effect    = "Allow"
    actions   = ["bedrock:InvokeModel"]
    resources = [local.judge_foundation_model_arns, local.judge_inference_profile_arns]
  }

  # SSE-KMS, as for the customization job (data_access_policy.tf): reading the dataset needs Decrypt, writing the
  # results GenerateDataKey, only through S3. The bucket uses an S3 Bucket Key, whose encryption context is the bucket
  # ARN, so IAM cannot narrow the key to the prefix: the S3 statements above do.
  dynamic "statement" {
    for_each = var.use_kms ? [var.kms_key_arn] : []

    content {
      sid       = "UseTheBucketKeyForEvaluationThroughS3Only"
      effect    = "Allow"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [statement.value]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["s3.${local.region}.${data.aws_partition.current.dns_suffix}"]
      }
    }
  }
}

resource "aws_iam_policy" "evaluation" {
  count = var.evaluation_jobs_enabled ? 1 : 0

  name        = "${var.name}-bedrock-evaluation"
  description = "The evaluation prefix and the judge models of ${var.name}'s Bedrock model evaluation jobs"
  policy      = data.aws_iam_policy_document.evaluation[0].json
  tags        = var.tags

  lifecycle {
    # The role writes the judge's results: they must never land among the datasets or the customization output.
    precondition {
      condition = !anytrue([
        for other in [var.data_prefix, var.output_prefix] :
        other == var.evaluation_prefix || startswith("${other}/", "${var.evaluation_prefix}/") || startswith("${var.evaluation_prefix}/", "${other}/")
      ])
      error_message = "evaluation_prefix must not be, contain or lie inside data_prefix or output_prefix: the service role writes there."
    }

    # An evaluation job runs outside the VPC, so its reads and writes never come through the S3 endpoint.
    precondition {
      condition     = !var.vpc_only_bucket_access
      error_message = "evaluation_jobs_enabled needs vpc_only_bucket_access = false: evaluation jobs run outside the VPC (CreateEvaluationJob takes no vpcConfig) and that bucket policy would deny their reads and writes."
    }
  }
}

resource "aws_iam_role_policy_attachment" "evaluation" {
  count = var.evaluation_jobs_enabled ? 1 : 0

  role       = aws_iam_role.service.name
  policy_arn = aws_iam_policy.evaluation[0].arn
}
