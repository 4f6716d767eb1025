locals {
  region     = data.aws_region.current.region
  partition  = data.aws_partition.current.partition
  account_id = data.aws_caller_identity.current.account_id

  flow_log_group_name = coalesce(var.flow_log_group_name, "/aws/vpc-flow-logs/${var.name}")

  # Sorted, so the outputs list the zones (and their subnets) in the same order whatever order the API or the caller
  # gives them in.
  zone_override      = var.availability_zones == null ? [] : var.availability_zones
  availability_zones = sort(distinct(length(local.zone_override) > 0 ? local.zone_override : data.aws_availability_zones.available.names))

  # Zone name => zone ID (us-east-1a => use1-az4 in one account, another zone ID in the next).
  zone_ids = zipmap(data.aws_availability_zones.available.names, data.aws_availability_zones.available.zone_ids)

  # Each zone's subnet takes network number (zone ID number - 1) of the VPC CIDR: use1-az4 -> 3. A zone ID names the
  # same physical zone for the life of the account, so a zone AWS adds later gets a number of its own and never
  # renumbers (and so replaces) the subnets that exist. var.subnet_numbers replaces the rule with an explicit map.
  # null marks a zone with no number (not an available zone of the region, or missing from the map): the VPC's
  # preconditions refuse the plan before any subnet is planned.
  subnet_numbers = {
    for zone in local.availability_zones : zone => (
      var.subnet_numbers == null
      ? try(tonumber(regex("-az([0-9]+)$", local.zone_ids[zone])[0]) - 1, null)
      : lookup(var.subnet_numbers, zone, null)
    )
  }
  numbered_zones = [for zone, number in local.subnet_numbers : zone if number != null]

  # The job API takes at most 16 subnets (CreateModelCustomizationJob vpcConfig.subnetIds).
  max_job_subnets = 16
}
