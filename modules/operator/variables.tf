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

variable "model_lifecycle_enabled" {
  description = "Add what bedrock-ft does after training: deploy custom models on demand, invoke them, follow and delete deployments and provisioned throughput, delete the custom models it created."
  type        = bool
  default     = false
}

variable "provisioned_throughput_purchase_allowed" {
  description = "Let the operator create provisioned throughput. IAM cannot tell a commitment from none, so this admits 1- and 6-month commitments too."
  type        = bool
  default     = false
}

variable "batch_inference_enabled" {
  description = "Let the operator submit, follow and stop batch inference jobs with the service role, upload their input and read their output."
  type        = bool
  default     = false
}

variable "batch_inference_input_prefix" {
  description = "Key prefix (no slashes at either end) of the batch inference input the operator uploads."
  type        = string
  default     = "batch-input"
}

variable "batch_inference_output_prefix" {
  description = "Key prefix (no slashes at either end) of the batch inference output the operator reads."
  type        = string
  default     = "batch-output"
}

variable "evaluation_jobs_enabled" {
  description = "Let the operator submit, follow and stop model evaluation jobs with the service role, upload the judge's dataset and read its results."
  type        = bool
  default     = false
}

variable "evaluation_prefix" {
  description = "Key prefix (no slashes at either end) of the evaluation jobs' datasets and results."
  type        = string
  default     = "evaluation"
}
