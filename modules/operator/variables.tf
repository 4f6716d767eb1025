variable "name" {
  description = "Prefix of every resource name."
  type        = string
}

variable "service_role_arn" {
  description = "ARN of the Bedrock service role the operator passes to jobs."
  type        = string
}

variable "service_role_policy_arns" {
  description = "ARNs of the managed policies attached to the service role, which preflight reads."
  type        = list(string)
}

variable "bucket_arn" {
  description = "ARN of the data bucket."
  type        = string
}

variable "data_prefix" {
  description = "Key prefix (no slashes at either end) under which the operator uploads datasets."
  type        = string
}

variable "output_prefix" {
  description = "Key prefix (no slashes at either end) under which jobs write their output."
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

variable "tags" {
  description = "Tags added to every taggable resource."
  type        = map(string)
  default     = {}
}
