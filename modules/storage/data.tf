data "aws_partition" "current" {}

# Provider 6 (the versions this module allows): the region is `region`; `name` is deprecated.
data "aws_region" "current" {}

data "aws_caller_identity" "current" {}
