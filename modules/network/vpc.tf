resource "aws_vpc" "this" {
  cidr_block           = var.vpc_cidr
  enable_dns_support   = true
  enable_dns_hostnames = true
  tags                 = merge(var.tags, { Name = "${var.name}-vpc" })

  lifecycle {
    precondition {
      condition     = length(local.availability_zones) >= 1 && length(local.availability_zones) <= local.max_job_subnets
      error_message = "The job API accepts 1 to 16 subnets, one per zone: name at most 16 availability zones."
    }

    precondition {
      condition     = pow(2, var.subnet_newbits) >= length(local.availability_zones)
      error_message = "subnet_newbits leaves room for fewer subnets than there are availability zones."
    }

    precondition {
      condition     = tonumber(split("/", var.vpc_cidr)[1]) + var.subnet_newbits <= 28
      error_message = "vpc_cidr's prefix plus subnet_newbits must be at most 28 (the smallest subnet AWS allows is a /28)."
    }
  }
}

# The VPC's default security group, taken over so that it has no rules at all: nothing can use it by accident.
resource "aws_default_security_group" "this" {
  vpc_id = aws_vpc.this.id
  tags   = merge(var.tags, { Name = "${var.name}-default-unused" })
}
