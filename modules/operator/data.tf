data "aws_partition" "current" {}

# `name` exists in every provider version this module allows (provider 6 adds `region` and deprecates `name`).
data "aws_region" "current" {}

data "aws_caller_identity" "current" {}
