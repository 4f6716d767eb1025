# Runs against a mocked provider (Terraform needs only the provider's schema): the module applies, every variable
# validation refuses what it is there to refuse, and every precondition stops the plan it must stop. Each run that
# expects a failure names, in expect_failures, exactly the objects that must fail; any other error fails the run.
# plan.tftest.hcl plans with the provider itself (or its offline stand-in).

mock_provider "aws" {
  mock_data "aws_region" {
    defaults = {
      region = "us-east-1"
      name   = "us-east-1"
    }
  }

  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition          = "aws"
      dns_suffix         = "amazonaws.com"
      reverse_dns_prefix = "com.amazonaws"
    }
  }

  # Zone IDs in another order than the names, as in a real account.
  mock_data "aws_availability_zones" {
    defaults = {
      names    = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"]
      zone_ids = ["use1-az4", "use1-az6", "use1-az1", "use1-az2", "use1-az3", "use1-az5"]
    }
  }

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

variables {
  name = "bedrock-ft"
}

# --- the whole module applies ----------------------------------------------------------------------------------------

run "the_module_applies_with_its_defaults" {
  command = apply

  assert {
    condition     = length(output.subnet_ids) == 6 && alltrue([for id in output.subnet_ids : id != null && id != ""])
    error_message = "Applying should give one subnet ID per zone."
  }

  assert {
    condition     = output.availability_zones == tolist(["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"])
    error_message = "availability_zones should list every zone, sorted."
  }

  assert {
    condition     = length(output.security_group_ids) == 1 && output.security_group_ids[0] != ""
    error_message = "Applying should give the job's security group."
  }

  assert {
    condition     = output.region == "us-east-1" && output.account_id == "123456789012"
    error_message = "region and account_id should come from the provider."
  }

  assert {
    condition     = output.kms_key_arn != null && output.operator_policy_arn != null && output.role_arn != ""
    error_message = "The key, the operator policy and the service role should be created by default."
  }

  assert {
    condition     = output.bucket_name != "" && output.s3_endpoint_id != "" && output.vpc_id != ""
    error_message = "The bucket, the endpoint and the VPC should be created."
  }

  assert {
    condition     = output.data_prefix == "data" && output.output_prefix == "output"
    error_message = "The default prefixes are data and output."
  }
}

run "without_a_key_or_flow_logs_the_module_applies_with_sse_s3" {
  command = apply

  variables {
    create_kms_key         = false
    flow_logs_enabled      = false
    create_operator_policy = false
    vpc_only_bucket_access = true
  }

  assert {
    condition     = output.kms_key_arn == null && output.operator_policy_arn == null
    error_message = "No key and no operator policy were asked for."
  }
}

# --- variable validations: values at the limits pass ------------------------------------------------------------------

run "values_at_the_limits_are_accepted" {
  command = plan

  variables {
    name                                   = "ftxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" # 32 characters, the maximum
    vpc_cidr                               = "192.168.10.0/24"
    subnet_newbits                         = 4
    availability_zones                     = ["us-east-1a", "us-east-1b"]
    subnet_numbers                         = { "us-east-1a" = 0, "us-east-1b" = 15 }
    kms_key_arn                            = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    kms_key_deletion_window_days           = 7
    flow_log_retention_days                = 3653
    flow_log_traffic_type                  = "REJECT"
    bucket_name                            = "a.b-c"
    data_prefix                            = "datasets/v1.2_x"
    output_prefix                          = "job-output/2026"
    noncurrent_version_expiration_days     = 1
    abort_incomplete_multipart_upload_days = 1
  }
}

# --- variable validations: each refuses a bad value (one value per variable and run) ----------------------------------

run "malformed_values_are_refused_by_each_variable" {
  command = plan

  variables {
    name                                   = "Bad_Name"
    vpc_cidr                               = "not-a-cidr"
    subnet_newbits                         = 3
    availability_zones                     = ["use1-az1"] # a zone ID, not a zone name
    subnet_numbers                         = { "us-east-1a" = -1 }
    kms_key_arn                            = "arn:aws:s3:::not-a-key"
    kms_key_deletion_window_days           = 6
    flow_log_retention_days                = 2
    flow_log_traffic_type                  = "SOME"
    bucket_name                            = "Bad_Bucket"
    data_prefix                            = "/data"
    output_prefix                          = "output/"
    noncurrent_version_expiration_days     = 0
    abort_incomplete_multipart_upload_days = 0
  }

  expect_failures = [
    var.name,
    var.vpc_cidr,
    var.subnet_newbits,
    var.availability_zones,
    var.subnet_numbers,
    var.kms_key_arn,
    var.kms_key_deletion_window_days,
    var.flow_log_retention_days,
    var.flow_log_traffic_type,
    var.bucket_name,
    var.data_prefix,
    var.output_prefix,
    var.noncurrent_version_expiration_days,
    var.abort_incomplete_multipart_upload_days,
  ]
}

run "out_of_range_values_are_refused_by_each_variable" {
  command = plan

  variables {
    name                         = "ftxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" # 33 characters
    vpc_cidr                     = "10.0.0.0/8"                        # larger than a VPC may be
    subnet_newbits               = 13
    subnet_numbers               = { "us-east-1a" = 4096 }
    kms_key_deletion_window_days = 31
    flow_log_retention_days      = 366
    bucket_name                  = "a-bucket-name-longer-than-sixty-three-characters-is-refused-by-s3"
    data_prefix                  = "data//raw"
    output_prefix                = "out put"
  }

  expect_failures = [
    var.name,
    var.vpc_cidr,
    var.subnet_newbits,
    var.subnet_numbers,
    var.kms_key_deletion_window_days,
    var.flow_log_retention_days,
    var.bucket_name,
    var.data_prefix,
    var.output_prefix,
  ]
}

run "a_second_rule_of_each_variable_refuses_its_own_case" {
  command = plan

  variables {
    name               = "a--b"        # a double hyphen, though the characters and length are right
    vpc_cidr           = "10.0.0.0/25" # smaller than a VPC may be
    availability_zones = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f", "us-east-1g", "us-east-1h", "us-east-1i", "us-east-1j", "us-east-1k", "us-east-1l", "us-east-1m", "us-east-1n", "us-east-1o", "us-east-1p", "us-east-1q"]
    subnet_numbers     = { "us-east-1a" = 1, "us-east-1b" = 1 }
    subnet_newbits     = 4.5
  }

  expect_failures = [var.name, var.vpc_cidr, var.availability_zones, var.subnet_numbers, var.subnet_newbits]
}

run "vpc_cidr_with_host_bits_set_is_refused" {
  command = plan

  variables {
    vpc_cidr = "10.0.0.1/16"
  }

  expect_failures = [var.vpc_cidr]
}

run "vpc_cidr_in_ipv6_is_refused" {
  command = plan

  variables {
    vpc_cidr = "fd00::/20"
  }

  expect_failures = [var.vpc_cidr]
}

# --- preconditions ---------------------------------------------------------------------------------------------------

run "more_than_16_zones_in_the_region_are_refused" {
  command = plan

  module {
    source = "./modules/network"
  }

  variables {
    vpc_cidr       = "10.0.0.0/16"
    subnet_newbits = 5 # room for number 16, so that only the zone count is wrong
    bucket_arn     = "arn:aws:s3:::bedrock-ft-data"
    use_kms        = true
  }

  # The variable limits only a list the caller gives; this is the region's own list.
  override_data {
    target = data.aws_availability_zones.available
    values = {
      names    = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f", "us-east-1g", "us-east-1h", "us-east-1i", "us-east-1j", "us-east-1k", "us-east-1l", "us-east-1m", "us-east-1n", "us-east-1o", "us-east-1p", "us-east-1q"]
      zone_ids = ["use1-az1", "use1-az2", "use1-az3", "use1-az4", "use1-az5", "use1-az6", "use1-az7", "use1-az8", "use1-az9", "use1-az10", "use1-az11", "use1-az12", "use1-az13", "use1-az14", "use1-az15", "use1-az16", "use1-az17"]
    }
  }

  expect_failures = [aws_vpc.this]
}

run "a_region_with_no_zone_is_refused" {
  command = plan

  module {
    source = "./modules/network"
  }

  variables {
    vpc_cidr   = "10.0.0.0/16"
    bucket_arn = "arn:aws:s3:::bedrock-ft-data"
    use_kms    = true
  }

  override_data {
    target = data.aws_availability_zones.available
    values = {
      names    = []
      zone_ids = []
    }
  }

  expect_failures = [aws_vpc.this]
}

run "the_network_module_validates_its_own_inputs" {
  command = plan

  module {
    source = "./modules/network"
  }

  variables {
    vpc_cidr           = "not-a-cidr"
    availability_zones = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f", "us-east-1g", "us-east-1h", "us-east-1i", "us-east-1j", "us-east-1k", "us-east-1l", "us-east-1m", "us-east-1n", "us-east-1o", "us-east-1p", "us-east-1q"]
    bucket_arn         = "arn:aws:s3:::bedrock-ft-data"
    use_kms            = true
  }

  expect_failures = [var.vpc_cidr, var.availability_zones]
}

run "a_zone_that_is_not_in_the_region_is_refused" {
  command = plan

  module {
    source = "./modules/network"
  }

  variables {
    vpc_cidr           = "10.0.0.0/16"
    bucket_arn         = "arn:aws:s3:::bedrock-ft-data"
    use_kms            = true
    availability_zones = ["us-east-1a", "us-east-1z"]
  }

  expect_failures = [aws_vpc.this]
}

run "a_zone_missing_from_subnet_numbers_is_refused" {
  command = plan

  module {
    source = "./modules/network"
  }

  variables {
    vpc_cidr       = "10.0.0.0/16"
    bucket_arn     = "arn:aws:s3:::bedrock-ft-data"
    use_kms        = true
    subnet_numbers = { "us-east-1a" = 0 }
  }

  expect_failures = [aws_vpc.this]
}

run "two_zones_with_one_subnet_number_are_refused" {
  command = plan

  module {
    source = "./modules/network"
  }

  variables {
    vpc_cidr           = "10.0.0.0/16"
    bucket_arn         = "arn:aws:s3:::bedrock-ft-data"
    use_kms            = true
    availability_zones = ["us-east-1a", "us-east-1b"]
    subnet_numbers     = { "us-east-1a" = 2, "us-east-1b" = 2 }
  }

  expect_failures = [aws_vpc.this]
}

run "a_zone_id_number_beyond_subnet_newbits_is_refused" {
  command = plan

  module {
    source = "./modules/network"
  }

  variables {
    vpc_cidr       = "10.0.0.0/16"
    subnet_newbits = 4
    bucket_arn     = "arn:aws:s3:::bedrock-ft-data"
    use_kms        = true
  }

  override_data {
    target = data.aws_availability_zones.available
    values = {
      names    = ["us-east-1a", "us-east-1b"]
      zone_ids = ["use1-az1", "use1-az17"] # number 16 needs 5 bits
    }
  }

  expect_failures = [aws_vpc.this]
}

run "subnets_smaller_than_a_28_are_refused" {
  command = plan

  module {
    source = "./modules/network"
  }

  variables {
    vpc_cidr       = "10.0.0.0/24"
    subnet_newbits = 5
    bucket_arn     = "arn:aws:s3:::bedrock-ft-data"
    use_kms        = true
  }

  expect_failures = [aws_vpc.this]
}

run "flow_logs_without_a_kms_key_are_refused" {
  command = plan

  module {
    source = "./modules/network"
  }

  variables {
    vpc_cidr          = "10.0.0.0/16"
    bucket_arn        = "arn:aws:s3:::bedrock-ft-data"
    flow_logs_enabled = true
    use_kms           = false
  }

  expect_failures = [aws_cloudwatch_log_group.flow_logs]
}

run "an_invalid_bucket_name_is_refused" {
  command = plan

  module {
    source = "./modules/storage"
  }

  variables {
    bucket_name      = "Bad_Bucket"
    service_role_arn = "arn:aws:iam::123456789012:role/bedrock-ft-bedrock-customization"
    s3_endpoint_id   = "vpce-0123456789abcdef0"
  }

  expect_failures = [aws_s3_bucket.this]
}
