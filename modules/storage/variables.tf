variable "name" {
  description = "Prefix of every resource name."
  type        = string
}

variable "bucket_name" {
  description = "Name of the data bucket; null builds <name>-<account id>-<region>."
  type        = string
  default     = null
}

variable "force_destroy" {
  description = "Whether destroying the module may delete a bucket that still holds objects."
  type        = bool
  default     = false
}

variable "create_kms_key" {
  description = "Whether to create a customer managed KMS key (ignored when kms_key_arn is set)."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "ARN of an existing KMS key to use instead of creating one."
  type        = string
  default     = null
}

variable "kms_key_deletion_window_days" {
  description = "Waiting period, in days, before a deleted KMS key is destroyed."
  type        = number
  default     = 30
}

variable "service_role_arn" {
  description = "ARN of the Bedrock service role the key policy lets use the key through Bedrock and S3."
  type        = string
}

variable "flow_log_group_name" {
  description = "Name of the flow-log log group the key policy lets CloudWatch Logs encrypt; null when flow logs are off."
  type        = string
  default     = null
}

variable "vpc_only_access" {
  description = "Whether the bucket policy denies object access that does not come through the S3 endpoint."
  type        = bool
  default     = false
}

variable "s3_endpoint_id" {
  description = "ID of the S3 gateway endpoint that vpc_only_access admits."
  type        = string
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which a noncurrent object version is deleted."
  type        = number
  default     = 30
}

variable "abort_incomplete_multipart_upload_days" {
  description = "Days after which an incomplete multipart upload is aborted and its parts deleted."
  type        = number
  default     = 7
}

variable "access_log_bucket" {
  description = "Name of an existing bucket that receives this bucket's server access logs; null turns them off."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every taggable resource."
  type        = map(string)
  default     = {}
}
