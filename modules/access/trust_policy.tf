# Only Bedrock may assume the role, and only for a customization job of this account in this region: the
# confused-deputy conditions stop another account's job from borrowing the role.
data "aws_iam_policy_document" "trust" {
  # Batch inference, model import and evaluation jobs, when on (batch_inference.tf, model_import.tf, evaluation.tf),
  # under the same conditions.
  source_policy_documents = concat(
    data.aws_iam_policy_document.batch_inference_trust[*].json,
    data.aws_iam_policy_document.model_import_trust[*].json,
    data.aws_iam_policy_document.evaluation_trust[*].json,
  )

  statement {
    sid     = "BedrockCustomizationJobsOfThisAccountAndRegionOnly"
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
      values   = [local.job_arns]
    }
  }
}
