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

variable "data_prefix" {
  description = "Key prefix (no slashes at either end) of the datasets: the batch inference output and evaluation prefixes may not overlap it."
  type        = string
  default     = "data"
}

variable "batch_inference_enabled" {
  description = "Let Bedrock assume the role for batch inference jobs (model-invocation-job) in the VPC."
  type        = bool
  default     = false
}

variable "batch_inference_input_prefix" {
  description = "Key prefix (no slashes at either end) the batch inference jobs read their input from."
  type        = string
  default     = "batch-input"
}

variable "batch_inference_output_prefix" {
  description = "Key prefix (no slashes at either end) the batch inference jobs write their output under."
  type        = string
  default     = "batch-output"
}

variable "model_import_enabled" {
  description = "Let Bedrock assume the role for model import jobs (model-import-job) in the VPC."
  type        = bool
  default     = false
}

variable "model_import_prefix" {
  description = "Key prefix (no slashes at either end) the model import jobs read the model files from."
  type        = string
  default     = "model-import"
}

variable "evaluation_jobs_enabled" {
  description = "Let Bedrock assume the role for model evaluation jobs (evaluation-job) that judge precomputed answers."
  type        = bool
  default     = false
}

variable "evaluation_prefix" {
  description = "Key prefix (no slashes at either end) holding the evaluation jobs' datasets and results."
  type        = string
  default     = "evaluation"
}

variable "vpc_only_bucket_access" {
  description = "Whether the bucket policy denies object access that does not come through the VPC's S3 endpoint; evaluation jobs, which run outside the VPC, cannot work with it."
  type        = bool
  default     = false
}

variable "rft_grader_lambda_arns" {
  description = "ARNs of the Lambda functions that grade reinforcement fine-tuning jobs; the role may invoke only these."
  type        = list(string)
  default     = []
}
