variable "name" {
  description = "Prefix of every resource name."
  type        = string
}

variable "vpc_cidr" {
  description = "IPv4 CIDR block of the VPC."
  type        = string

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0))
    error_message = "vpc_cidr must be an IPv4 CIDR block such as 10.0.0.0/16."
  }
}

variable "subnet_newbits" {
  description = "Bits added to the VPC prefix for each subnet (4 gives room for the 16 subnets the job API accepts)."
  type        = number
  default     = 4
}

variable "availability_zones" {
  description = "Zone names to put a subnet in; null or empty means every available zone of the region that needs no opt-in."
  type        = list(string)
  default     = null

  validation {
    condition     = var.availability_zones == null ? true : length(var.availability_zones) <= 16
    error_message = "At most 16 availability zones: the customization job API accepts at most 16 subnets."
  }
}

variable "subnet_numbers" {
  description = "Zone name => network number of its subnet within vpc_cidr; null numbers each subnet by its zone ID (use1-az4 -> 3)."
  type        = map(number)
  default     = null
}

variable "bucket_arn" {
  description = "ARN of the data bucket: the only bucket the S3 endpoint policy lets traffic reach."
  type        = string
}

variable "flow_logs_enabled" {
  description = "Whether to record VPC flow logs to a CloudWatch log group."
  type        = bool
  default     = true
}

variable "flow_log_group_name" {
  description = "Name of the flow-log log group; null means /aws/vpc-flow-logs/<name>."
  type        = string
  default     = null
}

variable "flow_log_retention_days" {
  description = "Retention of the flow-log log group, in days."
  type        = number
  default     = 365
}

variable "flow_log_traffic_type" {
  description = "Traffic the flow logs record: ACCEPT, REJECT or ALL."
  type        = string
  default     = "ALL"
}

variable "use_kms" {
  description = "Whether a KMS key encrypts the flow-log log group (decided from variables, so known at plan). Flow logs refuse false: an unencrypted log group is not allowed."
  type        = bool
}

variable "kms_key_arn" {
  description = "ARN of the KMS key that encrypts the flow-log log group; may be unknown at plan (use_kms says whether there is one)."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every taggable resource."
  type        = map(string)
  default     = {}
}

variable "runtime_endpoint_enabled" {
  description = "Create a bedrock-runtime interface endpoint (private DNS) in the subnets, for applications in the VPC that call the tuned model."
  type        = bool
  default     = false
}
