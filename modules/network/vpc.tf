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
      condition     = length(local.numbered_zones) == length(local.availability_zones)
      error_message = "Every zone needs a subnet number: ${join(", ", setsubtract(local.availability_zones, local.numbered_zones))} ${var.subnet_numbers == null ? "is not an available zone of the region (no zone ID)" : "is missing from subnet_numbers"}."
    }

    precondition {
      condition     = length(distinct([for number in values(local.subnet_numbers) : number if number != null])) == length(local.numbered_zones)
      error_message = "Two zones have the same subnet number: give each zone its own number in subnet_numbers."
    }

    precondition {
      condition     = alltrue([for number in values(local.subnet_numbers) : number == null ? true : number < pow(2, var.subnet_newbits)])
      error_message = "A subnet number does not fit in subnet_newbits: raise subnet_newbits so that 2^subnet_newbits exceeds the highest number (the zone ID's number - 1)."
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
