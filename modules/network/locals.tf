locals {
  region     = data.aws_region.current.region
  partition  = data.aws_partition.current.partition
  account_id = data.aws_caller_identity.current.account_id

  flow_log_group_name = coalesce(var.flow_log_group_name, "/aws/vpc-flow-logs/${var.name}")

  # Sorted, so a zone keeps its index (and so its subnet CIDR) whatever order the API or the caller lists them in.
  zone_override      = var.availability_zones == null ? [] : var.availability_zones
  availability_zones = sort(distinct(length(local.zone_override) > 0 ? local.zone_override : data.aws_availability_zones.available.names))
  zone_index         = { for index, zone in local.availability_zones : zone => index }

  # The job API takes at most 16 subnets (CreateModelCustomizationJob vpcConfig.subnetIds).
  max_job_subnets = 16
}
