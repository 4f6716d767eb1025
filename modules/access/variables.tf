variable "name" {
  description = "Prefix of every resource name."
  type        = string
}

variable "bucket_arn" {
  description = "ARN of the data bucket."
  type        = string
}

variable "output_prefix" {
  description = "Key prefix (no slashes at either end) under which the job writes its output."
  type        = string
}

variable "use_kms" {
  description = "Whether the bucket is encrypted with a KMS key (decided from variables, so known at plan)."
  type        = bool
}

variable "kms_key_arn" {
  description = "ARN of the KMS key that encrypts the bucket; ignored when use_kms is false."
  type        = string
  default     = null
}

variable "subnet_arns" {
  description = "ARNs of the subnets the job may put its network interfaces in."
  type        = list(string)
}

variable "security_group_arns" {
  description = "ARNs of the security groups the job's network interfaces may use."
  type        = list(string)
}

variable "tags" {
  description = "Tags added to every taggable resource."
  type        = map(string)
  default     = {}
}
