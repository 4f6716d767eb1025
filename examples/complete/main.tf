# The module as a user applies it: pick the region in the provider, name the setup, keep the defaults.

provider "aws" {
  region = var.region

  # Tags on every resource of this configuration; the module also puts var.tags on everything it creates.
  default_tags {
    tags = var.default_tags
  }
}

module "bedrock_ft" {
  source = "../.."

  name                   = var.name
  vpc_cidr               = var.vpc_cidr
  availability_zones     = var.availability_zones
  flow_logs_enabled      = true
  vpc_only_bucket_access = false
  force_destroy          = false
  create_operator_policy = true
  tags                   = var.tags
}
