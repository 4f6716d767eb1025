# The job's security group. Bedrock's training cluster uses EFA-enabled instances, which need all traffic between
# members of the same group in both directions; the only other traffic allowed is HTTPS to S3 through the endpoint.
resource "aws_security_group" "job" {
  #checkov:skip=CKV2_AWS_5:Bedrock attaches this group to the network interfaces it creates for each customization job, at run time, so nothing in Terraform attaches it.
  name        = "${var.name}-bedrock-job"
  description = "Bedrock model customization job: intra-group traffic and HTTPS to S3 through the gateway endpoint"
  vpc_id      = aws_vpc.this.id
  tags        = merge(var.tags, { Name = "${var.name}-bedrock-job" })
}

resource "aws_vpc_security_group_ingress_rule" "job_from_self" {
  security_group_id            = aws_security_group.job.id
  description                  = "All protocols from members of this group (EFA between training instances)"
  ip_protocol                  = "-1"
  referenced_security_group_id = aws_security_group.job.id
  tags                         = var.tags
}

resource "aws_vpc_security_group_egress_rule" "job_to_self" {
  security_group_id            = aws_security_group.job.id
  description                  = "All protocols to members of this group (EFA between training instances)"
  ip_protocol                  = "-1"
  referenced_security_group_id = aws_security_group.job.id
  tags                         = var.tags
}

resource "aws_vpc_security_group_egress_rule" "job_to_s3" {
  security_group_id = aws_security_group.job.id
  description       = "HTTPS to Amazon S3 through the gateway endpoint prefix list"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = aws_vpc_endpoint.s3.prefix_list_id
  tags              = var.tags
}
