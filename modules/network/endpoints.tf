# The S3 gateway endpoint: how the job reaches its data with no internet route. Its service name is built from
# the partition's reverse DNS prefix and the current region (com.amazonaws.<region>.s3 in the commercial partition).
resource "aws_vpc_endpoint" "s3" {
  vpc_id            = aws_vpc.this.id
  service_name      = "${data.aws_partition.current.reverse_dns_prefix}.${local.region}.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = [aws_route_table.private.id]
  policy            = data.aws_iam_policy_document.s3_endpoint.json
  tags              = merge(var.tags, { Name = "${var.name}-s3" })
}

# Traffic through the endpoint may reach the data bucket and its objects only, and only for principals of this
# account: data cannot be copied out of the VPC to another bucket through it.
data "aws_iam_policy_document" "s3_endpoint" {
  statement {
    sid       = "ReadAndWriteTheDataBucketOnly"
    effect    = "Allow"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:GetBucketLocation", "s3:AbortMultipartUpload"]
    resources = [var.bucket_arn, "${var.bucket_arn}/*"]

    principals {
      type        = "AWS"
      identifiers = ["*"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:PrincipalAccount"
      values   = [local.account_id]
    }
  }
}
