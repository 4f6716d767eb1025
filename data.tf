# The account and region the module is applied in, read from the provider: nothing of either is written in the code.

# `name` exists in every provider version this module allows; provider 6 adds `region` and warns that `name` is
# deprecated. Move to `region` when the constraint in versions.tf moves to ">= 6.0".
data "aws_region" "current" {}

data "aws_caller_identity" "current" {}
