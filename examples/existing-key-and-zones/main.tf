# The module on infrastructure you already have: a KMS key of your own (no key is created) and the zones your other
# workloads use (a subnet in each of these, not in every zone of the region).

provider "aws" {
  region = var.region

  default_tags {
    tags = var.default_tags
  }
}

module "bedrock_ft" {
  source = "../.."

  name               = var.name
  vpc_cidr           = var.vpc_cidr
  availability_zones = var.availability_zones
  kms_key_arn        = var.kms_key_arn
  flow_logs_enabled  = var.flow_logs_enabled
  tags               = var.tags
}
