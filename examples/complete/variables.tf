variable "region" {
  description = "Region to create everything in; the customization jobs run there too."
  type        = string
}

variable "name" {
  description = "Prefix of every resource name."
  type        = string
  default     = "bedrock-ft"
}

variable "vpc_cidr" {
  description = "IPv4 CIDR block of the VPC."
  type        = string
  default     = "10.0.0.0/16"
}

variable "availability_zones" {
  description = "Zone names to use; null means every available zone of the region."
  type        = list(string)
  default     = null
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

variable "batch_inference_enabled" {
  description = "Run batch inference jobs in the VPC with the service role (and let the operator submit them)."
  type        = bool
  default     = false
}

variable "model_import_enabled" {
  description = "Run model import jobs in the VPC with the service role."
  type        = bool
  default     = false
}

variable "evaluation_jobs_enabled" {
  description = "Run LLM-as-a-judge evaluation jobs (bedrock-ft evaluate --judge) with the service role."
  type        = bool
  default     = false
}

variable "rft_grader_lambda_arns" {
  description = "Lambda function ARNs of reinforcement fine-tuning graders the service role may invoke."
  type        = list(string)
  default     = []
}

variable "runtime_endpoint_enabled" {
  description = "Create a bedrock-runtime interface endpoint for applications in the VPC."
  type        = bool
  default     = false
}

variable "operator_model_lifecycle_enabled" {
  description = "Let the operator deploy, invoke and delete the tuned models."
  type        = bool
  default     = false
}
