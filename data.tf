# The account and region the module is applied in, read from the provider: nothing of either is written in the code.

# Provider 6 (the versions this module allows): the region is `region`; `name` is deprecated.
data "aws_region" "current" {}

data "aws_caller_identity" "current" {}
