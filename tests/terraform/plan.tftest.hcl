# Plans with the provider itself (its offline stand-in where the registry is out of reach: real schema, data
# sources with canned values, policy documents really rendered): the subnets, the security group rules and the
# outputs are what the README says. mocked.tftest.hcl covers the apply and every validation and precondition.

provider "aws" {
  region = "us-east-1"
}

variables {
  name = "bedrock-ft"
}

run "the_outputs_are_what_the_scripts_read" {
  command = plan

  assert {
    condition     = output.region == "us-east-1" && can(regex("^[0-9]{12}$", output.account_id))
    error_message = "region and account_id should come from the provider."
  }

  assert {
    condition     = length(output.availability_zones) >= 1 && output.availability_zones == sort(output.availability_zones)
    error_message = "availability_zones should list the zones, sorted."
  }

  assert {
    condition     = length(output.subnet_ids) == length(output.availability_zones)
    error_message = "subnet_ids should have one subnet per zone."
  }

  assert {
    condition     = length(output.security_group_ids) == 1
    error_message = "security_group_ids should hold the job's security group only."
  }

  assert {
    condition     = output.data_prefix == "data" && output.output_prefix == "output"
    error_message = "The default prefixes are data and output."
  }
}

run "one_subnet_per_zone_numbered_by_its_zone_id" {
  command = plan

  module {
    source = "./modules/network"
  }

  variables {
    vpc_cidr   = "10.0.0.0/16"
    bucket_arn = "arn:aws:s3:::bedrock-ft-data"
    use_kms    = true
  }

  # Zone IDs in another order than the names, as in a real account.
  override_data {
    target = data.aws_availability_zones.available
    values = {
      names    = ["us-east-1b", "us-east-1c", "us-east-1d"]
      zone_ids = ["use1-az6", "use1-az1", "use1-az2"]
    }
  }

  assert {
    condition     = keys(aws_subnet.private) == ["us-east-1b", "us-east-1c", "us-east-1d"]
    error_message = "There should be one subnet per zone, keyed by zone name."
  }

  assert {
    condition     = alltrue([for zone, subnet in aws_subnet.private : subnet.availability_zone == zone && subnet.map_public_ip_on_launch == false])
    error_message = "Each subnet should be in its own zone and give no public IP."
  }

  assert {
    condition     = { for zone, subnet in aws_subnet.private : zone => subnet.cidr_block } == { "us-east-1b" = "10.0.80.0/20", "us-east-1c" = "10.0.0.0/20", "us-east-1d" = "10.0.16.0/20" }
    error_message = "Each subnet's CIDR should be network number (zone ID number - 1): use1-az6 -> 10.0.80.0/20."
  }

  assert {
    condition     = length(aws_route_table_association.private) == 3
    error_message = "Every subnet should be associated with the private route table."
  }
}

run "a_zone_that_aws_adds_keeps_every_existing_subnet" {
  command = plan

  module {
    source = "./modules/network"
  }

  variables {
    vpc_cidr   = "10.0.0.0/16"
    bucket_arn = "arn:aws:s3:::bedrock-ft-data"
    use_kms    = true
  }

  # The zones of the run above, and us-east-1a, new, which sorts before them all.
  override_data {
    target = data.aws_availability_zones.available
    values = {
      names    = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d"]
      zone_ids = ["use1-az7", "use1-az6", "use1-az1", "use1-az2"]
    }
  }

  assert {
    condition     = { for zone, subnet in aws_subnet.private : zone => subnet.cidr_block } == { "us-east-1a" = "10.0.96.0/20", "us-east-1b" = "10.0.80.0/20", "us-east-1c" = "10.0.0.0/20", "us-east-1d" = "10.0.16.0/20" }
    error_message = "The subnets that existed should keep their CIDRs; the new zone gets its own number."
  }
}

run "the_security_group_allows_itself_and_https_to_s3_only" {
  command = plan

  module {
    source = "./modules/network"
  }

  variables {
    vpc_cidr   = "10.0.0.0/16"
    bucket_arn = "arn:aws:s3:::bedrock-ft-data"
    use_kms    = true
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.job_from_self.ip_protocol == "-1" && aws_vpc_security_group_egress_rule.job_to_self.ip_protocol == "-1"
    error_message = "All protocols should be allowed between members of the group (EFA)."
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.job_from_self.cidr_ipv4 == null && aws_vpc_security_group_egress_rule.job_to_self.cidr_ipv4 == null
    error_message = "The intra-group rules should name the group, not a CIDR."
  }

  assert {
    condition = (
      aws_vpc_security_group_egress_rule.job_to_s3.ip_protocol == "tcp"
      && aws_vpc_security_group_egress_rule.job_to_s3.from_port == 443
      && aws_vpc_security_group_egress_rule.job_to_s3.to_port == 443
      && aws_vpc_security_group_egress_rule.job_to_s3.cidr_ipv4 == null
      && aws_vpc_security_group_egress_rule.job_to_s3.cidr_ipv6 == null
    )
    error_message = "The only other egress should be TCP 443 to the S3 prefix list."
  }

  assert {
    condition     = aws_vpc.this.enable_dns_support && aws_vpc.this.enable_dns_hostnames && aws_vpc.this.cidr_block == "10.0.0.0/16"
    error_message = "The VPC should have DNS support and hostnames on."
  }

  assert {
    condition     = aws_vpc_endpoint.s3.vpc_endpoint_type == "Gateway" && aws_vpc_endpoint.s3.service_name == "com.amazonaws.us-east-1.s3"
    error_message = "The S3 endpoint should be a gateway endpoint for the region's S3."
  }
}

run "more_than_16_zones_are_refused_before_anything_is_planned" {
  command = plan

  variables {
    availability_zones = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f", "us-east-1g", "us-east-1h", "us-east-1i", "us-east-1j", "us-east-1k", "us-east-1l", "us-east-1m", "us-east-1n", "us-east-1o", "us-east-1p", "us-east-1q"]
  }

  expect_failures = [var.availability_zones]
}

run "a_key_and_zones_brought_by_the_caller_are_used_and_no_key_is_created" {
  command = plan

  variables {
    kms_key_arn        = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    availability_zones = ["us-east-1c", "us-east-1a"]
  }

  assert {
    condition     = output.kms_key_arn == "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    error_message = "kms_key_arn should be the caller's key."
  }

  assert {
    condition     = output.availability_zones == tolist(["us-east-1a", "us-east-1c"]) && length(output.subnet_ids) == 2
    error_message = "There should be one subnet in each zone the caller named, and in no other."
  }
}

run "a_key_of_another_region_is_refused_at_plan" {
  command = plan

  module {
    source = "./modules/storage"
  }

  variables {
    kms_key_arn      = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    service_role_arn = "arn:aws:iam::123456789012:role/bedrock-ft-bedrock-customization"
    s3_endpoint_id   = "vpce-0123456789abcdef0"
  }

  expect_failures = [aws_s3_bucket_server_side_encryption_configuration.this]
}

run "the_second_example_refuses_an_alias_arn_and_a_zone_id" {
  command = plan

  module {
    source = "./examples/existing-key-and-zones"
  }

  variables {
    region             = "us-east-1"
    kms_key_arn        = "arn:aws:kms:us-east-1:123456789012:alias/my-key"
    availability_zones = ["use1-az1", "use1-az1"]
  }

  expect_failures = [var.kms_key_arn, var.availability_zones]
}
