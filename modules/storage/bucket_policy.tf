resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = data.aws_iam_policy_document.bucket.json

  # A bucket policy put before the public access block could be judged public; keep the order.
  depends_on = [aws_s3_bucket_public_access_block.this]
}

data "aws_iam_policy_document" "bucket" {
  # Nobody may read or write the bucket over plain HTTP.
  statement {
    sid       = "DenyRequestsNotOverTls"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  # Opt-in (vpc_only_access): reading, writing and deleting objects (and, the bucket being versioned, their earlier
  # versions) only through the VPC's S3 endpoint. Off by
  # default, since users upload their datasets from outside the VPC. Bucket-level calls are not denied: the provider
  # reads the bucket with HeadBucket, which S3 authorizes as s3:ListBucket, so denying ListBucket from outside would
  # make every later plan or refresh of the bucket fail with 403. The cost: principals whose IAM policies allow
  # s3:ListBucket can list the key names (never the contents) from outside the VPC.
  dynamic "statement" {
    for_each = var.vpc_only_access ? [var.s3_endpoint_id] : []

    content {
      sid       = "DenyObjectAccessFromOutsideTheVpcEndpoint"
      effect    = "Deny"
      actions   = ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"]
      resources = ["${aws_s3_bucket.this.arn}/*"]

      principals {
        type        = "*"
        identifiers = ["*"]
      }

      condition {
        test     = "StringNotEquals"
        variable = "aws:SourceVpce"
        values   = [statement.value]
      }
    }
  }
}
