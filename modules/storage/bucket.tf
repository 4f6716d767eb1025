# The data bucket: training and validation data under the data prefix, job output under the output prefix.
resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV_AWS_144:Cross-region replication is the caller's choice: it needs a second bucket in another region and copies training data out of the region the job runs in.
  #checkov:skip=CKV2_AWS_62:Nothing in this workflow consumes object events; notifications are the caller's to add.
  bucket        = local.bucket_name
  force_destroy = var.force_destroy
  tags          = merge(var.tags, { Name = local.bucket_name })

  lifecycle {
    precondition {
      condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", local.bucket_name))
      error_message = "The bucket name must be 3 to 63 lowercase letters, digits, dots and hyphens: shorten name or set bucket_name."
    }
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = aws_s3_bucket.this.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# ACLs off: the bucket owner owns every object, access is decided by policies only.
resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id

  versioning_configuration {
    status = "Enabled"
  }
}

# SSE-KMS with the module's (or the caller's) key and an S3 bucket key; SSE-S3 only when no key is wanted at all.
resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    bucket_key_enabled = local.use_kms

    apply_server_side_encryption_by_default {
      sse_algorithm     = local.use_kms ? "aws:kms" : "AES256"
      kms_master_key_id = local.use_kms ? local.kms_key_arn : null
    }
  }

  lifecycle {
    # S3 and Bedrock use only a key of their own region; AWS would refuse a key of another region at apply only.
    precondition {
      condition     = var.kms_key_arn == null || try(split(":", var.kms_key_arn)[3], "") == local.region
      error_message = "kms_key_arn must be a key in the region the module is applied in (${local.region}): S3 and Bedrock use only keys of their own region."
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    id     = "expire-noncurrent-versions-and-abort-incomplete-uploads"
    status = "Enabled"

    # Every object: an empty prefix. An empty `filter {}` warns "Invalid Attribute Combination" on some provider
    # releases (one of the filter's arguments is expected); prefix = "" says the same and is valid everywhere.
    filter {
      prefix = ""
    }

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_upload_days
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}

resource "aws_s3_bucket_logging" "this" {
  count = var.access_log_bucket == null ? 0 : 1

  bucket        = aws_s3_bucket.this.id
  target_bucket = var.access_log_bucket
  target_prefix = "s3-access/${local.bucket_name}/"
}
