# Everything region-, account- or partition-specific is read here, never written into the code.

data "aws_partition" "current" {}

# Provider 6 (the versions this module allows): the region is `region`; `name` is deprecated.
data "aws_region" "current" {}

data "aws_caller_identity" "current" {}

# Every zone of the region that is usable without opting in (Local Zones and Wavelength Zones need opt-in).
data "aws_availability_zones" "available" {
  #checkov:skip=CKV_AWS_394:Following every zone of the region is the intent: the Bedrock guide recommends a subnet in each zone and jobs given only some zones have failed. Callers who want a closed set pass var.availability_zones, and a zone added later shows up in the plan as a new subnet before anything changes.
  state = "available"

  filter {
    name   = "opt-in-status"
    values = ["opt-in-not-required"]
  }
}
