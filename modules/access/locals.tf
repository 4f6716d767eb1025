locals {
  region     = data.aws_region.current.region
  partition  = data.aws_partition.current.partition
  account_id = data.aws_caller_identity.current.account_id

  # Every customization job of this account and region, and the network interfaces Bedrock makes for them.
  job_arns               = "arn:${local.partition}:bedrock:${local.region}:${local.account_id}:model-customization-job/*"
  network_interface_arns = "arn:${local.partition}:ec2:${local.region}:${local.account_id}:network-interface/*"
}
