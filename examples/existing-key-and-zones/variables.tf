variable "region" {
  description = "Region to create everything in; the key and the zones must be in it, and the jobs run there too."
  type        = string
}

variable "name" {
  description = "Prefix of every resource name."
  type        = string
  default     = "bedrock-ft"
}

variable "kms_key_arn" {
  description = "ARN of your KMS key (a key ARN, not an alias), in var.region. It encrypts the bucket, the flow-log group and the custom model; its key policy must let CloudWatch Logs use it for the flow-log group (see README.md)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z]{2}(-[a-z]+)+-[0-9]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN, arn:<partition>:kms:<region>:<12-digit account>:key/<key id> (an alias ARN is not accepted)."
  }
}

variable "availability_zones" {
  description = "Names of the zones to put a subnet in (1 to 16, such as xx-east-1a): the zones your other workloads use."
  type        = list(string)

  validation {
    condition     = length(var.availability_zones) >= 1 && length(var.availability_zones) <= 16
    error_message = "availability_zones must name 1 to 16 zones: the customization job API accepts at most 16 subnets."
  }

  validation {
    condition     = alltrue([for zone in var.availability_zones : can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+[a-z]$", zone))])
    error_message = "Each availability zone must be a zone name such as xx-east-1a (not a zone ID such as xxx1-az1)."
  }

  validation {
    condition     = length(distinct(var.availability_zones)) == length(var.availability_zones)
    error_message = "availability_zones names a zone twice."
  }
}

variable "vpc_cidr" {
  description = "IPv4 CIDR block of the VPC; pick one that does not overlap the networks you peer with."
  type        = string
  default     = "10.0.0.0/16"
}

variable "flow_logs_enabled" {
  description = "Record VPC flow logs, encrypted with your key (its key policy must allow CloudWatch Logs, see README.md)."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags the module puts on every resource it creates."
  type        = map(string)
  default     = {}
}

variable "default_tags" {
  description = "Tags the provider puts on every resource of this configuration."
  type        = map(string)
  default     = { Project = "bedrock-ft" }
}
