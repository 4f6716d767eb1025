# The optional bedrock-runtime interface endpoint (var.runtime_endpoint_enabled): applications in the VPC call the
# tuned model (InvokeModel, Converse) with no internet route. It has an interface in every module subnet whose zone
# offers the service; private DNS makes the regional bedrock-runtime name resolve to those addresses inside the VPC;
# its own security group lets in HTTPS from the VPC's CIDR only.

resource "aws_security_group" "runtime_endpoint" {
  count = var.runtime_endpoint_enabled ? 1 : 0

  name        = "${var.name}-runtime-endpoint"
  description = "bedrock-runtime interface endpoint: HTTPS in from the VPC CIDR only"
  vpc_id      = aws_vpc.this.id
  tags        = merge(var.tags, { Name = "${var.name}-runtime-endpoint" })
}

resource "aws_vpc_security_group_ingress_rule" "runtime_endpoint_https_from_vpc" {
  count = var.runtime_endpoint_enabled ? 1 : 0

  security_group_id = aws_security_group.runtime_endpoint[0].id
  description       = "HTTPS from the VPC CIDR to the bedrock-runtime endpoint"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = aws_vpc.this.cidr_block
  tags              = var.tags
}

# The zones the service is offered in: a subnet in any other zone would make AWS refuse the endpoint.
data "aws_vpc_endpoint_service" "bedrock_runtime" {
  count = var.runtime_endpoint_enabled ? 1 : 0

  service      = "bedrock-runtime"
  service_type = "Interface"
}

resource "aws_vpc_endpoint" "bedrock_runtime" {
  count = var.runtime_endpoint_enabled ? 1 : 0

  vpc_id              = aws_vpc.this.id
  service_name        = "${data.aws_partition.current.reverse_dns_prefix}.${data.aws_region.current.region}.bedrock-runtime"
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = true
  subnet_ids          = [for zone in local.availability_zones : aws_subnet.private[zone].id if contains(data.aws_vpc_endpoint_service.bedrock_runtime[0].availability_zones, zone)]
  security_group_ids  = [aws_security_group.runtime_endpoint[0].id]
  policy              = data.aws_iam_policy_document.runtime_endpoint[0].json
  tags                = merge(var.tags, { Name = "${var.name}-bedrock-runtime" })
}

# Calls through the endpoint may invoke only this account's tuned models (deployments, provisioned throughput,
# custom models), and only for principals of this account.
data "aws_iam_policy_document" "runtime_endpoint" {
  count = var.runtime_endpoint_enabled ? 1 : 0

  statement {
    sid       = "InvokeThisAccountsCustomModelsOnlyForThisAccount"
    effect    = "Allow"
    actions   = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
    resources = ["arn:${local.partition}:bedrock:${data.aws_region.current.region}:${local.account_id}:custom-model-deployment/*", "arn:${local.partition}:bedrock:${data.aws_region.current.region}:${local.account_id}:provisioned-model/*", "arn:${local.partition}:bedrock:${data.aws_region.current.region}:${local.account_id}:custom-model/*"]

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
